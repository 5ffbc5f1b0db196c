"""The only code that changes workflow state. Every function is atomic, checks permission and
writes a history entry; admin views, imports and commands all call these."""

from __future__ import annotations

import datetime
import itertools
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from archive import pages
from archive.caching import publication_changed
from archive.estimates import relation_errors
from archive.models import (
    EDITABLE_STATES,
    Citation,
    Correction,
    Estimate,
    Incident,
    IncidentAlias,
    IncidentVersion,
    State,
    Verification,
)
from archive.search import index_version
from archive.totals import derive_figures
from editorial.diff import estimate_snapshot
from editorial.models import Action, Channel, HistoryEntry
from editorial.workflow import COMMENT_REQUIRED, PUBLISH, REVIEW, SUBMIT, permission_for

logger = logging.getLogger("editorial.workflow")


class WorkflowError(Exception):
    """A workflow rule refused the request; the message says why, for the person asking."""


class PermissionRefused(WorkflowError):
    """The user lacks the permission the workflow table asks for."""


class EditConflict(WorkflowError):
    """Somebody saved the version, or moved it on, since the editor opened it."""


def history_record(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser | None,
    action: Action,
    channel: Channel = Channel.SERVICE,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    changes: dict[str, Any] | None = None,
) -> HistoryEntry:
    return HistoryEntry.objects.create(
        incident_id=version.incident_id,
        version=version,
        user=user if user and user.is_authenticated else None,
        action=action,
        channel=channel,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        changes=changes or {},
    )


def history_record_import(
    *,
    versions: Iterable[tuple[int, int]],
    user: AbstractBaseUser | None,
    changes: dict[str, Any],
    channel: Channel | None = None,
) -> None:
    """One import entry per (version, incident) an import wrote to, an INSERT per thousand.
    ``channel`` defaults to the admin's import for a user, else the command line."""
    who = user if user and user.is_authenticated else None
    channel = channel or (Channel.IMPORT if who else Channel.COMMAND)
    for batch in itertools.batched(versions, 1000, strict=False):
        HistoryEntry.objects.bulk_create(
            HistoryEntry(
                incident_id=incident_id,
                version_id=version_id,
                user=who,
                action=Action.IMPORT,
                channel=channel,
                changes=changes,
            )
            for version_id, incident_id in batch
        )


def author_ids(version: IncidentVersion) -> set[int]:
    """Everyone who wrote or edited this version: none of them may verify or approve it.

    Content imported at the command line without ``--user`` names no author, so whoever
    submits such a version vouches for it and counts as its author: four eyes then still
    means a second person checks it. Submitting a version that has an accountable author
    does not make the submitter one: author and reviewer are already two people.
    """
    entries = HistoryEntry.objects.filter(version=version)
    ids = set(entries.authorship().values_list("user_id", flat=True))
    if None in ids:
        ids |= set(entries.submissions().values_list("user_id", flat=True))
    if version.created_by_id:
        ids.add(version.created_by_id)
    ids.discard(None)
    return ids


def require_permission(
    user: AbstractBaseUser | None, permission: str, *, trusted: bool = False
) -> None:
    """``trusted``: an operator at the command line, who needs no account to import."""
    if trusted and (user is None or not user.is_authenticated):
        return
    if (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or not user.has_perm(permission)
    ):
        raise PermissionRefused("You do not have permission to do this.")


def _locked(version: IncidentVersion) -> IncidentVersion:
    return IncidentVersion.objects.select_for_update().get(pk=version.pk)


def _transition(
    version: IncidentVersion,
    target: State,
    user: AbstractBaseUser,
    comment: str = "",
    channel: Channel = Channel.SERVICE,
) -> IncidentVersion:
    """Check the table and the comment rule, move the version, and record who did it."""
    source = State(version.state)
    permission = permission_for(source, target)
    if permission is None:
        raise WorkflowError(f"A version that is {source.label} cannot become {target.label}.")
    require_permission(user, permission)
    comment = comment.strip()
    if (source, target) in COMMENT_REQUIRED and not comment:
        raise WorkflowError("Say why in the comment: it is shown to the author or the public.")
    version.state = target
    version.save(update_fields=["state", "updated_at"])
    history_record(
        version=version,
        user=user,
        action=Action.TRANSITION,
        channel=channel,
        from_state=source,
        to_state=target,
        comment=comment,
    )
    # The comment itself stays in the history table: logs travel further than the database.
    logger.info(
        "transition incident=%s version=%s from=%s to=%s user=%s",
        version.incident.slug,
        version.number,
        source,
        target,
        user.get_username(),
        extra={
            "event": "transition",
            "incident": version.incident.slug,
            "version": version.number,
            "from": str(source),
            "to": str(target),
            "user": user.get_username(),
            "channel": str(channel),
            "comment_length": len(comment),
        },
    )
    return version


@transaction.atomic
def incident_create(
    *,
    slug: str,
    user: AbstractBaseUser | None,
    channel: Channel = Channel.SERVICE,
    version: IncidentVersion | None = None,
    changes: dict[str, Any] | None = None,
    trusted: bool = False,
    **content: Any,
) -> IncidentVersion:
    """A new incident with its first draft, from ``content`` or from ``version``, an unsaved
    version a form or an import row has filled in. The one way an incident is created (admin,
    import, seed, tests). Many-to-many content is set by the caller."""
    require_permission(user, "archive.add_incidentversion", trusted=trusted)
    incident_check_slug(slug=slug)
    version = version or IncidentVersion(**content)
    version.incident = Incident.objects.create(slug=slug)
    version.number, version.state = 1, State.DRAFT
    version.created_by = user if user is not None and user.is_authenticated else None
    version.save()
    history_record(
        version=version, user=user, action=Action.CREATE, channel=channel, changes=changes
    )
    return version


def version_check_edit(
    *, version: IncidentVersion, user: AbstractBaseUser, seen_lock_version: int
) -> IncidentVersion:
    """Refuse an edit based on an outdated copy of ``version``, saying who got there first.

    ``version_edit`` asks it first; a form asks it in its validation too, so that a refusal
    keeps the editor's input on the page. Inside a transaction the row stays locked until it
    commits.
    """
    current = _locked(version)
    if current.state not in EDITABLE_STATES:
        raise EditConflict(_moved_on(current, user))
    require_permission(user, "archive.change_incidentversion")
    if current.lock_version != seen_lock_version:
        last = (
            HistoryEntry.objects.authorship().filter(version=current).select_related("user").first()
        )
        who = last.user.get_username() if last and last.user else "someone else"
        when = f" at {last.at:%H:%M:%S %Z}" if last else ""
        raise EditConflict(
            f"{who} saved this version{when}, after you opened it. Your changes have not been "
            "saved and are still in the form below: open the version in a new tab to see what "
            "changed, then apply your changes there."
        )
    return current


# What the last transition did to a version, said to the editor whose save it refused.
MOVED_ON = {
    State.IN_REVIEW: "submitted this version for review",
    State.APPROVED: "approved this version",
    State.PUBLISHED: "published this version",
    State.SUPERSEDED: "replaced this version with a newer publication",
    State.WITHDRAWN: "withdrew this version",
}


def _moved_on(version: IncidentVersion, user: AbstractBaseUser | None) -> str:
    """Why a save of a version that is no longer editable is refused: who moved it on, when,
    and what the editor can do with the changes still in their form."""
    last = (
        HistoryEntry.objects.filter(
            version=version, action=Action.TRANSITION, to_state=version.state
        )
        .select_related("user")
        .first()
    )
    if version.state in (State.IN_REVIEW, State.APPROVED):
        then = "ask a reviewer to send it back for changes, then apply them"
    else:
        then = "start a new draft of the incident and apply them there"
    kept = (
        "it can no longer be edited. Your changes have not been saved and are still in the "
        f"form below: copy them, {then}."
    )
    if last is None:
        return f"This version is {version.get_state_display()}: {kept}"
    if last.user is None:
        who = "Someone"
    elif user is not None and last.user_id == user.pk:
        who = "You"
    else:
        who = last.user.get_username()
    did = MOVED_ON.get(State(version.state), f"made this version {version.get_state_display()}")
    return f"{who} {did} at {timezone.localtime(last.at):%H:%M %Z}, after you opened it: {kept}"


@dataclass(frozen=True)
class EditMade:
    """What an edit changed, for its history entry: ``changes`` as the history shows them
    (``fields``, ``inlines``), and the estimates whose figures or citations changed, which
    must be verified again."""

    changes: dict[str, Any]
    changed_estimate_ids: frozenset[int] = frozenset()


@transaction.atomic
def version_edit(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    seen_lock_version: int,
    fields: Mapping[str, Any] | None = None,
    apply: Callable[[IncidentVersion], EditMade] | None = None,
    channel: Channel = Channel.SERVICE,
) -> IncidentVersion:
    """Edit a draft or a version sent back that ``user`` opened at ``seen_lock_version``.

    One transaction: the row is locked, the edit refused if the version moved on or someone
    saved it since (``version_check_edit``), the next lock version taken, the content changed,
    every estimate whose evidence changed sent back to be verified, and the edit recorded.
    ``fields``: new values of the version's own fields, set and saved here. ``apply``: saves
    what a form and its inline formsets hold (``version`` already carries the new lock
    version) and says what it changed; the admin's change form edits through it.
    """
    current = version_check_edit(version=version, user=user, seen_lock_version=seen_lock_version)
    IncidentVersion.objects.filter(pk=current.pk).update(lock_version=F("lock_version") + 1)
    version.lock_version = current.lock_version + 1
    changed_fields: set[str] = set()
    if fields:
        for name, value in fields.items():
            setattr(version, name, value)
        version.save(update_fields=[*fields, "lock_version", "updated_at"])
        changed_fields |= set(fields)
    made = apply(version) if apply is not None else EditMade(changes={})
    changes = dict(made.changes)
    if changed_fields or "fields" in changes:
        changes["fields"] = sorted(changed_fields | set(changes.get("fields", [])))
    if made.changed_estimate_ids:
        unverified = estimates_unverify(
            estimates=version.estimates.filter(pk__in=made.changed_estimate_ids)
        )
        if unverified:
            changes["unverified"] = unverified
    history_record(version=version, user=user, action=Action.EDIT, channel=channel, changes=changes)
    return version


def estimates_unverify(
    *, estimates: QuerySet[Estimate], states: Iterable[str] = EDITABLE_STATES
) -> list[str]:
    """The one way verification is reset: a figure whose evidence changed (its figures, its
    source, locator or quote, a citation added, changed, moved away or removed) must be checked
    against its citation again. Called inside the edit that changed it, which is
    permission-checked and recorded; only estimates of editable versions change, so nothing
    published is touched (``states``: a changed source also reaches versions in review or
    approved, whose reviewer checked the figure against what the source said before).

    The reviewer's query stays with the estimate, for the next check to see what was asked.
    Returns the refs of the estimates that were verified or queried before.
    """
    estimates = estimates.filter(version__state__in=list(states))
    was_checked = sorted(
        estimates.exclude(verification=Verification.UNVERIFIED).values_list("ref", flat=True)
    )
    if was_checked:
        estimates.update(verification=Verification.UNVERIFIED, verified_by=None, verified_at=None)
    return was_checked


def incident_check_slug(*, slug: str, incident: Incident | None = None) -> None:
    """Refuse an address that is or was another incident's: a cited address leads to its
    incident forever. ``incident`` may take back an old address of its own."""
    others = Incident.objects.exclude(pk=incident.pk) if incident else Incident.objects.all()
    holder = others.filter(slug=slug).first()
    if holder is not None:
        raise WorkflowError(f"“{slug}” is the address of “{_title(holder)}”: choose another slug.")
    alias = IncidentAlias.objects.filter(slug=slug).select_related("incident").first()
    if alias is not None and (incident is None or alias.incident_id != incident.pk):
        raise WorkflowError(
            f"“{slug}” was the address of “{_title(alias.incident)}” and still leads there: "
            "choose another slug."
        )


def _title(incident: Incident) -> str:
    """The title its address shows: the published version's, else the newest version's."""
    version = incident.versions.published().first() or incident.versions.first()
    return version.title if version else incident.slug


@transaction.atomic
def incident_rename(
    *, incident: Incident, user: AbstractBaseUser, slug: str, comment: str = ""
) -> Incident:
    """Give an incident a new address; the old one keeps working as a permanent redirect."""
    require_permission(user, "archive.change_incident")
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    old = incident.slug
    if slug == old:
        return incident
    incident_check_slug(slug=slug, incident=incident)
    incident.aliases.filter(slug=slug).delete()  # taking back an old address of its own
    IncidentAlias.objects.create(incident=incident, slug=old)
    incident.slug = slug
    incident.save(update_fields=["slug"])
    version = incident.versions.first()
    if version is not None:
        # An address is not the version's content: renaming does not make one its author.
        history_record(
            version=version,
            user=user,
            action=Action.RENAME,
            comment=comment,
            changes={"slug": [old, slug]},
        )
    publication_changed()
    pages.forget_pages_showing([incident.pk])
    return incident


@transaction.atomic
def version_submit(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    comment: str = "",
    channel: Channel = Channel.SERVICE,
) -> IncidentVersion:
    version = _locked(version)
    estimates_check_relations(estimates=list(version.estimates.all()))
    return _transition(version, State.IN_REVIEW, user, comment, channel)


def estimates_check_relations(*, estimates: list[Estimate]) -> None:
    """Refuse figures whose parts or shares point nowhere, in a circle, or across measures:
    what the admin's form and the import say per row, said once more before review."""
    for ref, fields in relation_errors(estimates).items():
        field_name, message = next(iter(fields.items()))
        raise WorkflowError(f"Estimate “{ref}”, {field_name.replace('_', ' ')}: {message}")


def _require_not_author(version: IncidentVersion, user: AbstractBaseUser, doing: str) -> None:
    if user.pk in author_ids(version):
        raise WorkflowError(
            f"You cannot {doing} a version you wrote or edited: ask another reviewer."
        )


def figure_name(estimate: Estimate) -> str:
    """A figure as an editor recognises it in a message: “300” killed, Soviet archives (ref)."""
    return (
        f"“{estimate.as_written}” {estimate.get_measure_display()}, {estimate.claimant} "
        f"({estimate.ref})"
    )


def _figure_ids(estimate: Estimate) -> dict[str, Any]:
    # The ref for readers of the history; the id because an author may change the ref.
    return {"estimate": estimate.ref, "estimate_id": estimate.pk}


def _require_reviewing(
    version: IncidentVersion, user: AbstractBaseUser, *, doing: str, when: str
) -> None:
    """A reviewer's check of a figure: the permission, the state (``when`` says the rule) and
    four eyes (``doing`` names what the author may not do)."""
    require_permission(user, REVIEW)
    if version.state != State.IN_REVIEW:
        raise WorkflowError(f"{when} while their version is in review.")
    _require_not_author(version, user, doing)


@transaction.atomic
def estimate_verify(
    *, estimate: Estimate, user: AbstractBaseUser, channel: Channel = Channel.SERVICE
) -> Estimate:
    """Mark a figure as supported by its citation; this also resolves an open query of it."""
    version = _locked(estimate.version)
    _require_reviewing(version, user, doing="verify estimates of", when="Estimates are verified")
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if estimate.source_id is None and not estimate.citations.exists():
        raise WorkflowError(
            f"Estimate “{estimate.ref}” has no citation: it cannot be verified until the author "
            "adds the source it comes from."
        )
    resolved = estimate.query_note
    estimate.verification = Verification.VERIFIED
    estimate.verified_by = user
    estimate.verified_at = timezone.now()
    estimate.query_note = ""
    estimate.save(update_fields=["verification", "verified_by", "verified_at", "query_note"])
    history_record(
        version=version,
        user=user,
        action=Action.VERIFY,
        channel=channel,
        changes={**_figure_ids(estimate), **({"resolved_query": resolved} if resolved else {})},
    )
    return estimate


@transaction.atomic
def estimate_query(*, estimate: Estimate, user: AbstractBaseUser, note: str) -> Estimate:
    """Say what does not match the citation. The note stays beside the figure until a reviewer
    verifies it or withdraws the query; the history keeps the figure as it was queried, so the
    next round shows what the author changed since."""
    version = _locked(estimate.version)
    _require_reviewing(version, user, doing="query estimates of", when="Estimates are queried")
    note = note.strip()
    if not note:
        raise WorkflowError("Say what does not match the citation: the author needs it to fix it.")
    Estimate.objects.filter(pk=estimate.pk).update(
        verification=Verification.QUERIED, verified_by=None, verified_at=None, query_note=note
    )
    estimate = Estimate.objects.select_related("source").get(pk=estimate.pk)
    history_record(
        version=version,
        user=user,
        action=Action.QUERY,
        comment=note,
        changes={**_figure_ids(estimate), "figure": estimate_snapshot(estimate)},
    )
    return estimate


@transaction.atomic
def estimate_withdraw_query(
    *, estimate: Estimate, user: AbstractBaseUser, comment: str = ""
) -> Estimate:
    """Take back a query: the figure still waits to be verified, but asks nothing any more."""
    version = _locked(estimate.version)
    _require_reviewing(version, user, doing="withdraw queries of", when="Queries are withdrawn")
    estimate = Estimate.objects.select_for_update().get(pk=estimate.pk)
    if not estimate.query_note:
        raise WorkflowError(f"Estimate “{estimate.ref}” has no open query to withdraw.")
    withdrawn = estimate.query_note
    if estimate.verification == Verification.QUERIED:
        estimate.verification = Verification.UNVERIFIED
    estimate.query_note = ""
    estimate.save(update_fields=["verification", "query_note"])
    history_record(
        version=version,
        user=user,
        action=Action.UNQUERY,
        comment=comment.strip(),
        changes={**_figure_ids(estimate), "query": withdrawn},
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
            "Queries are answered while the version is with its author, before it goes back "
            f"to review; this one is {version.get_state_display()}."
        )
    if user.pk not in author_ids(version):
        raise WorkflowError("Only an author of this version answers its reviewer's queries.")
    estimate = Estimate.objects.get(pk=estimate.pk, version=version)
    if not estimate.query_note:
        raise WorkflowError(f"Estimate “{estimate.ref}” has no open query to answer.")
    answer = answer.strip()
    if not answer:
        raise WorkflowError("Write your answer: what you changed, or why the figure stands.")
    if len(answer) > ANSWER_MAX_LENGTH:
        raise WorkflowError(
            f"Keep the answer under {ANSWER_MAX_LENGTH} characters (it has {len(answer)}): "
            "the figure and its citation say the rest."
        )
    return history_record(
        version=version,
        user=user,
        action=Action.ANSWER,
        channel=Channel.ADMIN,
        comment=answer,
        changes=_figure_ids(estimate),
    )


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
            f"A version that is {version.get_state_display()} cannot become approved."
        )
    _require_not_author(version, user, "approve")
    pending = list(version.estimates.not_verified().order_by("measure", "position", "pk"))
    if pending:
        queried = [e for e in pending if e.verification == Verification.QUERIED]
        unverified = [e for e in pending if e.verification != Verification.QUERIED]
        parts = [
            f"{label}: " + ", ".join(figure_name(e) for e in figures)
            for label, figures in (("queried", queried), ("not yet verified", unverified))
            if figures
        ]
        raise ApprovalRefused(
            "Every estimate must be verified against its citation first; " + "; ".join(parts) + ".",
            pending,
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
    return _transition(version, State.APPROVED, user, comment, channel)


@transaction.atomic
def version_request_changes(
    *, version: IncidentVersion, user: AbstractBaseUser, comment: str
) -> IncidentVersion:
    version = _transition(_locked(version), State.CHANGES_REQUESTED, user, comment)
    if version.publish_at:  # a schedule was for the approved content, not for a revision
        version.publish_at = None
        version.save(update_fields=["publish_at", "updated_at"])
    return version


@dataclass(frozen=True)
class Publication:
    """What publishing a version will do, checked before anything is written: the confirmation
    page shows it, and ``version_publish`` carries it out."""

    version: IncidentVersion
    replaces: IncidentVersion | None  # the published version it supersedes
    note: str  # for the public corrections log when it replaces one
    at: datetime.datetime | None  # None: now

    @property
    def scheduled(self) -> bool:
        return self.at is not None


def version_check_publish(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    note: str = "",
    at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
    lock: bool = False,
) -> Publication:
    """Refuse a publication (or a schedule, for ``at`` after ``now``) that cannot succeed; say
    what it will do. ``lock``: inside ``version_publish``'s transaction."""
    now = now or timezone.now()
    require_permission(user, PUBLISH)
    scheduled = at is not None and at > now
    if version.state != State.APPROVED:
        raise WorkflowError(
            "Only an approved version can be scheduled."
            if scheduled
            else f"A version that is {version.get_state_display()} cannot become published."
        )
    published = IncidentVersion.objects.published().filter(incident_id=version.incident_id)
    previous = (published.select_for_update() if lock else published).first()
    note = note.strip()
    if previous and not note:
        raise WorkflowError(
            "This replaces the published version: say in a sentence what changed, for the "
            "public corrections log."
        )
    pending = list(version.estimates.not_verified())
    if pending:
        raise WorkflowError(
            "An estimate of this version is not verified; it cannot be published: "
            + ", ".join(figure_name(estimate) for estimate in pending)
            + "."
        )
    return Publication(version, previous, note, at if scheduled else None)


@transaction.atomic
def version_publish(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    note: str = "",
    at: datetime.datetime | None = None,
    channel: Channel = Channel.SERVICE,
) -> IncidentVersion:
    """Publish now, or schedule for ``at``. Replacing a published version needs a public note.
    A schedule records the time zone ``at`` was given in, for the editors who read it."""
    version = _locked(version)
    now = timezone.now()
    plan = version_check_publish(version=version, user=user, note=note, at=at, now=now, lock=True)
    previous, note = plan.replaces, plan.note
    if plan.at is not None:
        version.publish_at, version.public_note = plan.at, note
        version.save(update_fields=["publish_at", "public_note", "updated_at"])
        history_record(
            version=version,
            user=user,
            action=Action.SCHEDULE,
            channel=channel,
            comment=note,
            changes={
                "publish_at": plan.at.isoformat(),
                "time_zone": getattr(plan.at.tzinfo, "key", str(plan.at.tzinfo)),
            },
        )
        return version
    if previous:
        _transition(previous, State.SUPERSEDED, user, note, channel)
    index_version(version)
    derive_figures([version.pk])
    version.published_at, version.publish_at, version.public_note = now, None, note
    version.save(update_fields=["published_at", "publish_at", "public_note", "updated_at"])
    _transition(version, State.PUBLISHED, user, note, channel)
    publication_changed()
    if previous:
        Correction.objects.create(
            incident_id=version.incident_id,
            version=version,
            kind=Correction.Kind.CORRECTION,
            note=note,
            created_at=now,
        )
    pages.forget_pages_showing([version.incident_id])
    pages.render_published([version.pk])
    return version


@transaction.atomic
def version_withdraw(
    *, version: IncidentVersion, user: AbstractBaseUser, reason: str
) -> IncidentVersion:
    version = _transition(_locked(version), State.WITHDRAWN, user, reason)
    publication_changed()
    pages.forget_pages_showing([version.incident_id])
    version.public_note = reason.strip()
    version.save(update_fields=["public_note", "updated_at"])
    Correction.objects.create(
        incident_id=version.incident_id,
        version=version,
        kind=Correction.Kind.WITHDRAWAL,
        note=version.public_note,
        created_at=timezone.now(),
    )
    return version


def publish_due(*, now: datetime.datetime | None = None) -> list[IncidentVersion]:
    """Publish every approved version whose time has come, as the publisher who scheduled it."""
    now = now or timezone.now()
    published = []
    for version in IncidentVersion.objects.approved().filter(publish_at__lte=now):
        scheduled = (
            HistoryEntry.objects.filter(version=version, action=Action.SCHEDULE)
            .select_related("user")
            .first()
        )
        if scheduled is None or scheduled.user is None:
            logger.warning("scheduled version %s has no scheduling publisher; skipped", version.pk)
            continue
        try:
            published.append(
                version_publish(version=version, user=scheduled.user, note=version.public_note)
            )
        except WorkflowError as refusal:
            logger.warning("scheduled version %s not published: %s", version.pk, refusal)
    return published


@transaction.atomic
def version_start_draft(
    *,
    incident: Incident,
    user: AbstractBaseUser | None,
    from_version: IncidentVersion | None = None,
    trusted: bool = False,
    channel: Channel = Channel.SERVICE,
) -> IncidentVersion:
    """A new draft copied from ``from_version`` (default: the published one). History is kept:
    reverting is starting a draft from an old version, never rewriting one."""
    require_permission(user, "archive.add_incidentversion", trusted=trusted)
    Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.versions.open().exists():
        raise WorkflowError("This incident already has an open version: edit that one instead.")
    base = from_version or incident.versions.published().first() or incident.versions.first()
    if base is None or base.incident_id != incident.pk:
        raise WorkflowError("There is no version of this incident to start from.")
    number = (incident.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    draft = IncidentVersion.objects.get(pk=base.pk)
    draft.pk = None
    draft._state.adding = True
    draft.number, draft.state, draft.lock_version = number, State.DRAFT, 0
    draft.created_by = user if user and user.is_authenticated else None
    draft.publish_at = draft.published_at = None
    draft.public_note = ""
    draft.save()
    for field in ("places", "categories", "perpetrators", "victim_groups", "related"):
        getattr(draft, field).set(getattr(base, field).all())
    estimate_map: dict[int, Estimate] = {}
    for estimate in base.estimates.all():
        old_pk = estimate.pk
        estimate.pk, estimate.version = None, draft
        estimate_map[old_pk] = estimate
    Estimate.objects.bulk_create(estimate_map.values())
    citations = list(base.citations.all())
    for citation in citations:
        citation.pk, citation.version = None, draft
        if citation.estimate_id:
            citation.estimate = estimate_map[citation.estimate_id]
    Citation.objects.bulk_create(citations)
    history_record(
        version=draft,
        user=user,
        action=Action.CREATE,
        channel=channel,
        comment=f"Started from version {base.number}.",
        changes={"from_version": base.number},
    )
    return draft
