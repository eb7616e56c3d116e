"""replies' subscription to item status changes (proposals.events): the letters of a withdrawn
or merged item leave the similar-paragraph suggestions."""

from __future__ import annotations

import logging

from proposals.events import ProposalStatusChanged
from replies.similarity.index import paragraph_index_refresh_proposal

logger = logging.getLogger(__name__)


def proposal_status_changed(event: ProposalStatusChanged) -> None:
    """Runs after the status change committed, so it must not raise: a failure is logged and
    `manage.py similar_index_rebuild` puts the index right."""
    try:
        paragraph_index_refresh_proposal(proposal_id=event.proposal_id)
    except Exception:
        logger.exception(
            "相似段落索引更新失败（事项 %s 状态 %s），请运行 manage.py similar_index_rebuild",
            event.proposal_id,
            event.status,
        )
