"""Writes for reply letters: drafts, versions, document numbers, issuance and feedback."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.db import transaction
from django.utils import timezone

from core.actors import user_or_none
from core.choices import AssignmentState
from core.choices import AuditVerb
from core.choices import NumberSeries
from core.choices import RatingPolicy
from core.choices import RatingSource
from core.choices import Satisfaction
from core.exceptions import AccessDenied
from core.exceptions import ApplicationError
from core.exceptions import TransitionError
from core.names import person_name
from core.validation import clean_text
from proposals import calendar
from proposals import tallies
from proposals.access import handling_body
from proposals.access import may_edit_draft
from proposals.access import may_rate_letter
from proposals.access import may_record_feedback
from proposals.access import reads_everything
from proposals.credentials import load_signing_credentials
from proposals.models import Assignment
from proposals.models import Bureau
from proposals.models import Person
from proposals.models import ProposalPerson
from proposals.services import audit
from proposals.services import person_link_revoke
from proposals.services.runner import run_transition
from replies import pdf as letter_pdf
from replies import signing
from replies.models import BODY_MAX_CHARS
from replies.models import DocumentCounter
from replies.models import IssuedLetter
from replies.models import Opinion
from replies.models import ProposerRating
from replies.models import Reply
from replies.models import ReplyVersion
from replies.search import search_doc_refresh
from replies.selectors import reply_default_cc
from replies.similarity.index import paragraph_index_letter
from replies.similarity.index import paragraph_index_refresh

S = AssignmentState


def _editable_assignment(*, assignment_id: int, actor: Any) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update()
        .select_related("proposal__session", "bureau")
        .get(pk=assignment_id)
    )
    may_edit_draft(assignment=assignment, user=actor).require()
    return assignment


def reply_get_or_create_draft(*, assignment: Assignment) -> Reply:
    """The lead unit's draft, created on first use with the contacts and CC list prefilled
    (the session's default CC list and the item's co-units)."""
    reply = Reply.objects.filter(assignment=assignment).first()
    if reply is None:
        clerk = assignment.clerk
        reply = Reply.objects.create(
            assignment=assignment,
            leader_name=assignment.leader_name,
            clerk_name=(person_name(clerk) if clerk else ""),
            phone=assignment.phone,
            cc_list=reply_default_cc(assignment=assignment),
        )
    return reply


@transaction.atomic
def reply_save_draft(
    *,
    assignment_id: int,
    actor: Any,
    body: str,
    answer_class: str,
    leader_name: str,
    clerk_name: str,
    phone: str,
    cc_list: list[str] | None = None,
) -> Reply:
    assignment = _editable_assignment(assignment_id=assignment_id, actor=actor)
    if not assignment.is_lead:
        raise ApplicationError("协办单位填写协办意见，不单独出具复函")
    session = assignment.proposal.session
    answer_class = (answer_class or "").strip()
    if answer_class and answer_class not in session.answer_class_codes():
        raise ApplicationError("答复分类须为以下之一：" + "、".join(session.answer_class_codes()))
    cleaned_cc = [clean_text(c, label="抄送单位", max_length=60) for c in (cc_list or [])]
    reply = reply_get_or_create_draft(assignment=assignment)
    reply.body = clean_text(body, label="复函正文", max_length=BODY_MAX_CHARS)
    reply.answer_class = answer_class
    reply.leader_name = clean_text(leader_name, label="承办领导", max_length=30)
    reply.clerk_name = clean_text(clerk_name, label="承办人", max_length=30)
    reply.phone = clean_text(phone, label="联系电话", max_length=30)
    if cc_list is not None:
        reply.cc_list = [c for c in cleaned_cc if c]
    reply.save()
    search_doc_refresh(assignment.proposal_id)
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditVerb.DRAFT_SAVED,
        data={"chars": len(reply.body)},
    )
    return reply


@transaction.atomic
def opinion_save_draft(
    *, assignment_id: int, actor: Any, body: str, leader_name: str = "", phone: str = ""
) -> Opinion:
    assignment = _editable_assignment(assignment_id=assignment_id, actor=actor)
    if assignment.is_lead:
        raise ApplicationError("主办单位请填写复函")
    opinion, _ = Opinion.objects.get_or_create(assignment=assignment)
    opinion.body = clean_text(body, label="协办意见", max_length=BODY_MAX_CHARS)
    opinion.leader_name = clean_text(leader_name, label="协办领导", max_length=30)
    opinion.phone = clean_text(phone, label="联系电话", max_length=30)
    opinion.save()
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=actor,
        verb=AuditVerb.OPINION_SAVED,
        data={"chars": len(opinion.body)},
    )
    return opinion


def _reply_snapshot_version(*, reply: Reply, actor: Any) -> ReplyVersion:
    """Inside the submit transition: the reviewer sees exactly what was submitted."""
    reply.version += 1
    reply.save(update_fields=["version", "updated_at"])
    return ReplyVersion.objects.create(
        reply=reply,
        version=reply.version,
        body=reply.body,
        answer_class=reply.answer_class,
        submitted_by=actor,
    )


def draft_submit(*, assignment_id: int, actor: Any, comment: str = "") -> Assignment:
    """提交审核: the draft (a lead unit's letter or a co-unit's opinion) goes to the supervisor;
    a letter is kept as a numbered version for the reviewer's comparison."""

    def snapshot(assignment: Assignment) -> None:
        if assignment.is_lead:
            _reply_snapshot_version(reply=assignment.reply, actor=actor)

    return run_transition(
        assignment_id=assignment_id,
        name="submit",
        actor=actor,
        comment=comment,
        before_save=snapshot,
    )


# --- document numbers ---------------------------------------------------------------------------


def document_series(*, assignment: Assignment) -> str:
    return assignment.proposal.session.terms["series"]


def document_number_allocate(*, bureau: Bureau, year: int, series: str) -> tuple[int, str]:
    """Next serial for the bureau and year, under a row lock. Must run inside the issuing
    transaction: if issuance fails the serial is rolled back with it, so there are no gaps."""
    key = "" if bureau.number_series == NumberSeries.SHARED else series
    DocumentCounter.objects.get_or_create(bureau=bureau, year=year, series=key)
    counter = DocumentCounter.objects.select_for_update().get(bureau=bureau, year=year, series=key)
    counter.last_serial += 1
    counter.save(update_fields=["last_serial"])
    number = f"{bureau.doc_prefix}{series}复〔{year}〕{counter.last_serial}号"
    return counter.last_serial, number


def reply_issue(
    *, assignment_id: int, actor: Any, issued_on: dt.date | None = None
) -> IssuedLetter:
    """印发: allocate the number, freeze the text as an IssuedLetter, run the `issue` transition
    and index the letter's paragraphs for the similar-paragraph suggestions, all in one
    transaction."""
    issued_on = issued_on or timezone.localdate()
    holder: dict[str, IssuedLetter] = {}

    def freeze(assignment: Assignment) -> None:
        if not assignment.is_lead:
            raise ApplicationError("协办单位请使用“送出协办意见”")
        reply = Reply.objects.select_for_update().get(assignment=assignment)
        serial, number = document_number_allocate(
            bureau=assignment.bureau,
            year=issued_on.year,
            series=document_series(assignment=assignment),
        )
        letter = IssuedLetter.objects.create(
            reply=reply,
            doc_year=issued_on.year,
            doc_serial=serial,
            doc_number=number,
            issued_date=issued_on,
            due_date=assignment.due_date,
            body=reply.body,
            answer_class=reply.answer_class,
            leader_name=reply.leader_name,
            clerk_name=reply.clerk_name,
            phone=reply.phone,
            cc_list=reply.cc_list or reply_default_cc(assignment=assignment),
            issued_by=actor,
        )
        letter_store_pdf(letter=letter, reply=reply, assignment=assignment)
        holder["letter"] = letter
        audit(
            proposal=assignment.proposal,
            assignment=assignment,
            actor=actor,
            verb=AuditVerb.NUMBER_ALLOCATED,
            message=number,
            data={"serial": serial, "year": issued_on.year},
        )

    with transaction.atomic():
        run_transition(assignment_id=assignment_id, name="issue", actor=actor, before_save=freeze)
        # After the transition is saved: the index rule reads the new state (issued).
        paragraph_index_letter(letter_id=holder["letter"].pk)
    return holder["letter"]


def letter_store_pdf(*, letter: IssuedLetter, reply: Reply, assignment: Assignment) -> None:
    """Render the issued letter once, with its number and date, and keep the file and its
    SHA-256. Runs inside the issuing transaction: a rendering failure aborts the issuance (and
    gives the number back). Downloads serve these bytes; the letter is never rendered again."""
    reply.assignment = assignment
    content = letter_pdf.render_letter_pdf(
        letter_pdf.letter_context_from_reply(reply, letter=letter), draft=False
    )
    content = letter_sign_pdf(content=content, bureau=assignment.bureau, letter=letter)
    letter.pdf_sha256 = hashlib.sha256(content).hexdigest()
    letter.pdf.save(
        f"letter-{letter.pk}-{letter.pdf_sha256[:12]}.pdf", ContentFile(content), save=False
    )
    letter.save(update_fields=["pdf", "pdf_sha256"])


def letter_sign_pdf(*, content: bytes, bureau: Bureau, letter: IssuedLetter) -> bytes:
    """Sign the issued letter with the bureau's certificate (PAdES); unsigned without one. A
    configured certificate that cannot be used stops the issuance with the reason: a bureau that
    signs its letters must not send out an unsigned one by accident."""
    if not bureau.signing_certificate:
        return content
    try:
        credentials = load_signing_credentials(bureau.signing_certificate)
    except ValidationError as exc:
        raise ApplicationError("复函未能签名，未印发：" + "；".join(exc.messages)) from exc
    return signing.sign_pdf(content, credentials=credentials, reason=f"印发 {letter.doc_number}")


def opinion_send(*, assignment_id: int, actor: Any) -> Opinion:
    """A co-unit sends its approved opinion to the lead unit (its `issue` transition)."""

    def stamp(assignment: Assignment) -> None:
        if assignment.is_lead:
            raise ApplicationError("主办单位请使用“印发”")
        if not Opinion.objects.filter(assignment=assignment).exclude(body="").exists():
            raise ApplicationError("协办意见尚未填写，不能送出")
        Opinion.objects.filter(assignment=assignment).update(sent_at=timezone.now())

    assignment = run_transition(
        assignment_id=assignment_id, name="issue", actor=actor, before_save=stamp
    )
    return assignment.opinion


# --- feedback -----------------------------------------------------------------------------------


@transaction.atomic
def reply_record_feedback(
    *,
    assignment_id: int,
    actor: Any,
    satisfaction: str,
    feedback_date: dt.date | None = None,
    comment: str = "",
) -> Reply:
    """The office records the proposer's feedback; 不满意 reopens the item (重新办理)."""
    assignment = Assignment.objects.select_related("proposal__session").get(pk=assignment_id)
    with tallies.track(proposal_ids=[assignment.proposal_id]):
        return _record_feedback(
            assignment=assignment,
            actor=actor,
            satisfaction=satisfaction,
            feedback_date=feedback_date,
            comment=comment,
        )


def _record_feedback(
    *,
    assignment: Assignment,
    actor: Any,
    satisfaction: str,
    feedback_date: dt.date | None,
    comment: str,
) -> Reply:
    may_record_feedback(assignment=assignment, user=actor).require()
    if satisfaction not in Satisfaction.values:
        raise ApplicationError("满意度须为：满意、基本满意或不满意")
    return _apply_feedback(
        assignment=assignment,
        actor=actor,
        satisfaction=satisfaction,
        feedback_date=feedback_date,
        comment=clean_text(comment, label="反馈意见", max_length=2000),
    )


def _apply_feedback(
    *,
    assignment: Assignment,
    actor: Any,
    satisfaction: str,
    feedback_date: dt.date | None,
    comment: str,
    who: str = "",
) -> Reply:
    """The item's satisfaction (the office's entry, or the proposers' ratings combined by the
    session's policy); 不满意 reopens the item with a new period."""
    assignment_id = assignment.pk
    reply = Reply.objects.select_for_update().get(assignment=assignment)
    reply.satisfaction = satisfaction
    reply.satisfaction_date = feedback_date or timezone.localdate()
    reply.satisfaction_comment = comment
    reply.save(
        update_fields=["satisfaction", "satisfaction_date", "satisfaction_comment", "updated_at"]
    )
    audit(
        proposal=assignment.proposal,
        assignment=assignment,
        actor=user_or_none(actor),
        verb=AuditVerb.FEEDBACK_RECORDED,
        message="：".join(
            filter(None, [who, Satisfaction(satisfaction).label, reply.satisfaction_comment])
        ),
    )
    if satisfaction == Satisfaction.UNSATISFIED:
        session = assignment.proposal.session

        def new_period(a: Assignment) -> None:
            a.due_date = calendar.due_after_months(
                timezone.localdate(),
                session.reopen_period_months,
                move_to_workday=session.due_moves_to_workday,
            )

        run_transition(
            assignment_id=assignment_id,
            name="reopen",
            actor=actor,
            comment=reply.satisfaction_comment or "代表委员不满意，重新办理",
            before_save=new_period,
        )
        # The rejected letter is no longer suggested (see replies/similarity/index.py).
        paragraph_index_refresh(assignment_ids=[assignment_id])
    return reply


# --- proposers' own ratings (issue 10) ------------------------------------------------------------

SATISFACTION_RANK = {
    Satisfaction.SATISFIED: 0,
    Satisfaction.BASICALLY: 1,
    Satisfaction.UNSATISFIED: 2,
}


def rating_submit(
    *,
    letter_id: int,
    person_id: int,
    actor: Any,
    satisfaction: str,
    comment: str = "",
    contacted: bool = False,
    source: str = RatingSource.ONLINE,
) -> ProposerRating:
    """One proposer rates one issued letter, once: online (the proposer, through their link or
    account) or from paper (the handling office, marked as such). The session's policy then says
    what the item's satisfaction becomes: the lead's rating, or the worst of all ratings so far;
    不满意 reopens the item as the office's entry does."""
    letter = (
        IssuedLetter.objects.select_related("reply__assignment__proposal__session")
        .filter(pk=letter_id)
        .first()
    )
    if letter is None:
        raise AccessDenied("复函不存在或您无权评价")
    assignment = letter.reply.assignment
    proposal_id = assignment.proposal_id
    may_rate_letter(
        assignment=assignment, person_id=person_id, actor=actor, source=source
    ).require()
    if satisfaction not in Satisfaction.values:
        raise ApplicationError("满意度须为：满意、基本满意或不满意")
    comment = clean_text(comment, label="意见", max_length=2000)
    with transaction.atomic(), tallies.track(proposal_ids=[proposal_id]):
        # The reply's row lock puts two submissions of one letter (two tabs) one after the other.
        reply = Reply.objects.select_for_update().get(pk=letter.reply_id)
        assignment = Assignment.objects.select_related("proposal__session").get(pk=assignment.pk)
        link = ProposalPerson.objects.select_related("person").get(
            proposal_id=proposal_id, person_id=person_id
        )
        latest = reply.latest_letter
        if latest is None or latest.pk != letter.pk or assignment.state not in S.replied():
            raise TransitionError("该复函已重新办理，不再接受评价；新的复函印发后可再评价")
        if ProposerRating.objects.filter(letter=letter, person_id=person_id).exists():
            raise TransitionError(f"{link.person.name}已评价过这份复函，不能重复提交")
        try:
            with transaction.atomic():
                rating = ProposerRating.objects.create(
                    letter=letter,
                    person_id=person_id,
                    satisfaction=satisfaction,
                    comment=comment,
                    contacted=contacted,
                    source=source,
                    recorded_by=user_or_none(actor),
                )
        except IntegrityError as exc:
            raise TransitionError(f"{link.person.name}已评价过这份复函，不能重复提交") from exc
        who = f"{link.person.name}（{link.get_role_display()}，{RatingSource(source).label}）"
        audit(
            proposal=assignment.proposal,
            assignment=assignment,
            actor=user_or_none(actor),
            verb=AuditVerb.PROPOSER_RATED,
            message="：".join(filter(None, [who, Satisfaction(satisfaction).label, comment])),
            data={"person": person_id, "letter": letter.pk, "contacted": contacted},
        )
        policy = assignment.proposal.session.rating_policy
        if policy == RatingPolicy.ALL:
            worst = max(
                letter.ratings.values_list("satisfaction", flat=True),
                key=lambda v: SATISFACTION_RANK[Satisfaction(v)],
            )
            item_comment = comment if worst == satisfaction else reply.satisfaction_comment
            _apply_feedback(
                assignment=assignment,
                actor=actor,
                satisfaction=worst,
                feedback_date=None,
                comment=item_comment,
                who=who,
            )
        elif link.is_lead:
            _apply_feedback(
                assignment=assignment,
                actor=actor,
                satisfaction=satisfaction,
                feedback_date=None,
                comment=comment,
                who=who,
            )
    return rating


# --- merging duplicate persons ------------------------------------------------------------------


@transaction.atomic
def person_merge(*, keep_id: int, drop_ids: list[int], actor: Any) -> Person:
    """Merge persons the import flagged as likely duplicates into one: their places on items
    and their ratings move to `keep` (a rating of the same letter by both: the earlier one
    stays), their links are revoked, the duplicates are deleted. Offices (and the admin) only."""
    if not (handling_body(actor) or (reads_everything(actor) and actor.is_superuser)):
        raise AccessDenied("只有交办机构可以合并人员")
    keep = Person.objects.select_for_update().get(pk=keep_id)
    drops = list(Person.objects.select_for_update().filter(pk__in=drop_ids).exclude(pk=keep_id))
    for drop in drops:
        if drop.body != keep.body:
            raise ApplicationError(f"{drop.name}与{keep.name}不属于同一届次类别，不能合并")
    for drop in drops:
        # the duplicate's item links and ratings move to `keep`, unless it has its own already
        for model, unique_with in ((ProposalPerson, "proposal_id"), (ProposerRating, "letter_id")):
            for row in model.objects.filter(person=drop):
                taken = {unique_with: getattr(row, unique_with), "person": keep}
                if model.objects.filter(**taken).exists():
                    row.delete()
                else:
                    row.person = keep
                    row.save(update_fields=["person"])
        for field in ("group", "mobile", "email"):
            if not getattr(keep, field) and getattr(drop, field):
                setattr(keep, field, getattr(drop, field))
        if keep.user_id is None and drop.user_id is not None:
            keep.user_id, drop.user_id = drop.user_id, None
            drop.save(update_fields=["user"])
        person_link_revoke(person=drop)
        drop.delete()
    keep.possible_duplicate = (
        Person.objects.filter(name=keep.name, body=keep.body).exclude(pk=keep.pk).exists()
    )
    keep.save()
    return keep
