"""Review: submitting a version, verifying, querying and answering for each figure, approving
or sending back."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from archive.estimates import relation_errors
from archive.models import (
    EDITABLE_STATES,
    Estimate,
    IncidentVersion,
    State,
    Verification,
)
from editorial.diff import estimate_snapshot
from editorial.models import Action, Channel, HistoryEntry
from editorial.notifications import notify_approved, notify_sent_back
from editorial.services.assignment import version_assign
from editorial.services.base import (
    WorkflowError,
    _figure_ids,
    _locked,
    _require_not_author,
    _transition,
    acting_user,
    author_ids,
    authors_of,
    figure_name,
    history_record,
    require_permission,
)
from editorial.services.threads import (
    thread_for_figure,
    thread_notify_reply,
    threads_resolve_figure,
)
from editorial.workflow import REVIEW, SUBMIT


@transaction.atomic
def version_submit(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    comment: str = "",
    channel: Channel = Channel.SERVICE,
    reviewer: User | None = None,
) -> IncidentVersion:
    """Send a version to review; ``reviewer``: the one the author asks for (four eyes: not the
    author, nor anyone who wrote or edited it). Without one, an earlier assignment stands."""
    version = _locked(version)
    estimates_check_relations(estimates=list(version.estimates.all()))
    version = _transition(version, State.IN_REVIEW, user, comment, channel)
    if reviewer is not None:
        version_assign(version=version, user=user, reviewer=reviewer)
    return version


def estimates_check_relations(*, estimates: list[Estimate]) -> None:
    """Refuse figures whose parts or shares point nowhere, in a circle, or across measures:
    what the admin's form and the import say per row, said once more before review."""
    for ref, fields in relation_errors(estimates).items():
        field_name, message = next(iter(fields.items()))
        raise WorkflowError(
            # Translators: {field} is the form field in error, as "share of".
            gettext("Estimate “{ref}”, {field}: {message}").format(
                ref=ref, field=field_name.replace("_", " "), message=message
            )
        )


def _require_reviewing(
    version: IncidentVersion, user: AbstractBaseUser, *, when: str, not_author: str
) -> None:
    """A reviewer's check of a figure: the permission, the state (``when`` says the rule) and
    four eyes (``not_author`` says what the author may not do)."""
    require_permission(user, REVIEW)
    if version.state != State.IN_REVIEW:
        raise WorkflowError(when)
    _require_not_author(version, user, not_author)


@transaction.atomic
def estimate_verify(
    *, estimate: Estimate, user: AbstractBaseUser, channel: Channel = Channel.SERVICE
) -> Estimate:
    """Mark a figure as supported by its citation; this also resolves an open query of it."""
    version = _locked(estimate.version)
    _require_reviewing(
        version,
        user,
        when=gettext("Estimates are verified while their version is in review."),
        not_author=gettext(
            "You cannot verify estimates of a version you wrote or edited: ask another reviewer."
        ),
    )
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.source_id is None and not estimate.citations.exists():
        raise WorkflowError(
            gettext(
                "Estimate “{ref}” has no citation: it cannot be verified until the "
                "author adds the source it comes from."
            ).format(ref=estimate.ref)
        )
    resolved = estimate.query_note
    estimate.verification = Verification.VERIFIED
    estimate.verified_by = acting_user(user)
    estimate.verified_at = timezone.now()
    estimate.query_note = ""
    estimate.save(update_fields=["verification", "verified_by", "verified_at", "query_note"])
    # Verifying answers a query, and so ends the discussion it opened; a discussion that
    # began without one is resolved by the people in it.
    settled = threads_resolve_figure(estimate=estimate, user=user) if resolved else []
    history_record(
        version=version,
        user=user,
        action=Action.VERIFY,
        channel=channel,
        changes={
            **_figure_ids(estimate),
            **({"resolved_query": resolved} if resolved else {}),
            **({"resolved_threads": settled} if settled else {}),
        },
    )
    return estimate


@transaction.atomic
def estimate_query(*, estimate: Estimate, user: AbstractBaseUser, note: str) -> Estimate:
    """Say what does not match the citation. The note stays beside the figure until a reviewer
    verifies it or withdraws the query; the history keeps the figure as it was queried, so the
    next round shows what the author changed since."""
    version = _locked(estimate.version)
    _require_reviewing(
        version,
        user,
        when=gettext("Estimates are queried while their version is in review."),
        not_author=gettext(
            "You cannot query estimates of a version you wrote or edited: ask another reviewer."
        ),
    )
    note = note.strip()
    if not note:
        raise WorkflowError(
            gettext("Say what does not match the citation: the author needs it to fix it.")
        )
    Estimate.objects.filter(pk=estimate.pk).update(
        verification=Verification.QUERIED, verified_by=None, verified_at=None, query_note=note
    )
    estimate = Estimate.objects.select_related("source").get(pk=estimate.pk)
    thread = thread_for_figure(estimate=estimate, user=user)
    history_record(
        version=version,
        user=user,
        action=Action.QUERY,
        comment=note,
        changes={
            **_figure_ids(estimate),
            "figure": estimate_snapshot(estimate),
            "thread": thread.pk,
        },
    )
    return estimate


@transaction.atomic
def estimate_withdraw_query(
    *, estimate: Estimate, user: AbstractBaseUser, comment: str = ""
) -> Estimate:
    """Take back a query: the figure still waits to be verified, but asks nothing any more."""
    version = _locked(estimate.version)
    _require_reviewing(
        version,
        user,
        when=gettext("Queries are withdrawn while their version is in review."),
        not_author=gettext(
            "You cannot withdraw queries of a version you wrote or edited: ask another reviewer."
        ),
    )
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if not estimate.query_note:
        raise WorkflowError(
            gettext("Estimate “{ref}” has no open query to withdraw.").format(ref=estimate.ref)
        )
    withdrawn = estimate.query_note
    if estimate.verification == Verification.QUERIED:
        estimate.verification = Verification.UNVERIFIED
    estimate.query_note = ""
    estimate.save(update_fields=["verification", "query_note"])
    settled = threads_resolve_figure(estimate=estimate, user=user)
    history_record(
        version=version,
        user=user,
        action=Action.UNQUERY,
        comment=comment.strip(),
        changes={
            **_figure_ids(estimate),
            "query": withdrawn,
            **({"resolved_threads": settled} if settled else {}),
        },
    )
    return estimate


ANSWER_MAX_LENGTH = 1000


@transaction.atomic
def estimate_answer(*, estimate: Estimate, user: AbstractBaseUser, answer: str) -> HistoryEntry:
    """The author's answer to a reviewer's query, kept in the history with who and when. An
    answer is not an edit: it changes no content and makes nobody an author."""
    version = _locked(estimate.version)
    require_permission(user, SUBMIT)
    if version.state not in EDITABLE_STATES:
        raise WorkflowError(
            gettext(
                "Queries are answered while the version is with its author, before it "
                "goes back to review; this one is {state}."
            ).format(state=version.get_state_display())
        )
    if user.pk not in author_ids(version):
        raise WorkflowError(
            gettext("Only an author of this version answers its reviewer's queries.")
        )
    estimate = Estimate.objects.get(pk=estimate.pk, version=version)
    if not estimate.query_note:
        raise WorkflowError(
            gettext("Estimate “{ref}” has no open query to answer.").format(ref=estimate.ref)
        )
    answer = answer.strip()
    if not answer:
        raise WorkflowError(
            gettext("Write your answer: what you changed, or why the figure stands.")
        )
    if len(answer) > ANSWER_MAX_LENGTH:
        raise WorkflowError(
            gettext(
                "Keep the answer under {limit} characters (it has {count}): "
                "the figure and its citation say the rest."
            ).format(limit=ANSWER_MAX_LENGTH, count=len(answer))
        )
    thread = thread_for_figure(estimate=estimate, user=user)
    entry = history_record(
        version=version,
        user=user,
        action=Action.ANSWER,
        channel=Channel.ADMIN,
        comment=answer,
        changes={**_figure_ids(estimate), "thread": thread.pk},
    )
    thread_notify_reply(thread=thread, user=user, text=answer)
    return entry


class ApprovalRefused(WorkflowError):
    """Approval is not possible yet; ``estimates`` are the figures that stand in the way."""

    def __init__(self, message: str, estimates: Iterable[Estimate] = ()) -> None:
        super().__init__(message)
        self.estimates = list(estimates)


def version_check_approve(*, version: IncidentVersion, user: AbstractBaseUser) -> None:
    """Refuse an approval that cannot succeed now, naming every figure that stands in the way.
    The review page asks this before it offers the button; ``version_approve`` asks it again."""
    require_permission(user, REVIEW)
    if version.state != State.IN_REVIEW:
        raise ApprovalRefused(
            gettext("A version that is {state} cannot become approved.").format(
                state=version.get_state_display()
            )
        )
    _require_not_author(
        version,
        user,
        gettext("You cannot approve a version you wrote or edited: ask another reviewer."),
    )
    pending = list(version.estimates.not_verified().order_by("measure", "position", "pk"))
    if pending:
        queried = [e for e in pending if e.verification == Verification.QUERIED]
        unverified = [e for e in pending if e.verification != Verification.QUERIED]
        parts = [
            gettext("{label}: {figures}").format(
                label=label, figures=", ".join(figure_name(e) for e in figures)
            )
            for label, figures in (
                (pgettext("figures in the queried state", "queried"), queried),
                (pgettext("figures in the unverified state", "not yet verified"), unverified),
            )
            if figures
        ]
        raise ApprovalRefused(
            gettext(
                "Every estimate must be verified against its citation first; {figures}."
            ).format(figures="; ".join(parts)),
            pending,
        )
    discussed = list(version.threads.unresolved().select_related("estimate"))
    if discussed:
        raise ApprovalRefused(
            gettext("Every discussion must be resolved first; still open: {subjects}.").format(
                subjects="; ".join(thread.subject_shown for thread in discussed)
            ),
            [thread.estimate for thread in discussed if thread.estimate is not None],
        )


@transaction.atomic
def version_approve(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    comment: str = "",
    channel: Channel = Channel.SERVICE,
) -> IncidentVersion:
    version = _locked(version)
    version_check_approve(version=version, user=user)
    version = _transition(version, State.APPROVED, user, comment, channel)
    notify_approved(version=version, authors=authors_of(version), actor=user)
    return version


@transaction.atomic
def version_request_changes(
    *, version: IncidentVersion, user: AbstractBaseUser, comment: str
) -> IncidentVersion:
    version = _transition(_locked(version), State.CHANGES_REQUESTED, user, comment)
    notify_sent_back(version=version, authors=authors_of(version), actor=user, reason=comment)
    if version.publish_at:  # a schedule was for the approved content, not for a revision
        version.publish_at = None
        version.save(update_fields=["publish_at", "updated_at"])
    return version
