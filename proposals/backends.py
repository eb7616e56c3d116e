"""Authentication backend: the user of each request with their Staff row, office and bureau,
read once per data revision instead of on every request (three queries before: user, staff,
office; then one with joins, whose compilation alone cost more than the API page it served).

Safe to cache because the revision watches the auth tables too (proposals/revision.py): a
password change, a deactivation, a new role or bureau raises it, so the next request reads the
user afresh and Django's session check (the password hash) sees the change at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from proposals.revision import revision_cached


class StaffModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        user = revision_cached(("user", str(user_id)), lambda: self._read(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None

    def _read(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            return model._default_manager.select_related(
                "staff", "staff__office", "staff__bureau"
            ).get(pk=user_id)
        except (model.DoesNotExist, ValueError, TypeError):
            return None
