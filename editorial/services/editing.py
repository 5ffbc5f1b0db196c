"""Creating and editing content: a new incident, an edit of a draft, a new draft of a
published incident, a new address; and the one way a figure is sent back to be verified."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from archive import pages
from archive.caching import publication_changed
from archive.models import (
    EDITABLE_STATES,
    Citation,
    Estimate,
    Incident,
    IncidentAlias,
    IncidentVersion,
    State,
    Verification,
)
from editorial.models import Action, Channel, HistoryEntry
from editorial.services.base import (
    EditConflict,
    WorkflowError,
    _locked,
    acting_user,
    history_record,
    require_permission,
)


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
    version.created_by = acting_user(user)
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
        who = last.user.get_username() if last and last.user else gettext("someone else")
        raise EditConflict(
            (
                gettext(
                    "{who} saved this version at {time}, after you opened it. Your changes have "
                    "not been saved and are still in the form below: open the version in a new "
                    "tab to see what changed, then apply your changes there."
                )
                if last
                else gettext(
                    "{who} saved this version, after you opened it. Your changes have not been "
                    "saved and are still in the form below: open the version in a new tab to "
                    "see what changed, then apply your changes there."
                )
            ).format(who=who, time=f"{last.at:%H:%M:%S %Z}" if last else "")
        )
    return current


# What the last transition did to a version, said to the editor whose save it refused: by
# someone else ({who}: a username or "Someone"), and by the editor themselves.
MOVED_ON = {
    State.IN_REVIEW: (
        gettext_noop("{who} submitted this version for review at {time}, after you opened it"),
        gettext_noop("You submitted this version for review at {time}, after you opened it"),
    ),
    State.APPROVED: (
        gettext_noop("{who} approved this version at {time}, after you opened it"),
        gettext_noop("You approved this version at {time}, after you opened it"),
    ),
    State.PUBLISHED: (
        gettext_noop("{who} published this version at {time}, after you opened it"),
        gettext_noop("You published this version at {time}, after you opened it"),
    ),
    State.SUPERSEDED: (
        gettext_noop(
            "{who} replaced this version with a newer publication at {time}, after you opened it"
        ),
        gettext_noop(
            "You replaced this version with a newer publication at {time}, after you opened it"
        ),
    ),
    State.WITHDRAWN: (
        gettext_noop("{who} withdrew this version at {time}, after you opened it"),
        gettext_noop("You withdrew this version at {time}, after you opened it"),
    ),
}
MADE_IT = (
    gettext_noop("{who} made this version {state} at {time}, after you opened it"),
    gettext_noop("You made this version {state} at {time}, after you opened it"),
)


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
        kept = gettext(
            "it can no longer be edited. Your changes have not been saved and are still in the "
            "form below: copy them, ask a reviewer to send it back for changes, then apply them."
        )
    else:
        kept = gettext(
            "it can no longer be edited. Your changes have not been saved and are still in the "
            "form below: copy them, start a new draft of the incident and apply them there."
        )
    state = version.get_state_display()
    if last is None:
        return gettext("This version is {state}: {kept}").format(state=state, kept=kept)
    by_other, by_you = MOVED_ON.get(State(version.state), MADE_IT)
    if last.user is None:
        who, did = gettext("Someone"), by_other
    elif user is not None and last.user_id == user.pk:
        who, did = "", by_you
    else:
        who, did = last.user.get_username(), by_other
    happened = gettext(did).format(
        who=who, state=state, time=f"{timezone.localtime(last.at):%H:%M %Z}"
    )
    # Translators: what happened to the version, then what the editor can do; as
    # "Anna approved this version at 10:02 CET, after you opened it: it can no longer...".
    return gettext("{happened}: {kept}").format(happened=happened, kept=kept)


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
        raise WorkflowError(
            gettext("“{slug}” is the address of “{title}”: choose another slug.").format(
                slug=slug, title=_title(holder)
            )
        )
    alias = IncidentAlias.objects.filter(slug=slug).select_related("incident").first()
    if alias is not None and (incident is None or alias.incident_id != incident.pk):
        raise WorkflowError(
            gettext(
                "“{slug}” was the address of “{title}” and still leads there: choose another slug."
            ).format(slug=slug, title=_title(alias.incident))
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
def version_start_draft(
    *,
    incident: Incident,
    user: AbstractBaseUser | None,
    from_version: IncidentVersion | None = None,
    trusted: bool = False,
    channel: Channel = Channel.SERVICE,
    changes: dict[str, Any] | None = None,
) -> IncidentVersion:
    """A new draft copied from ``from_version`` (default: the published one). History is kept:
    reverting is starting a draft from an old version, never rewriting one. ``changes``: more
    for the history entry to keep (a reader submission's reference)."""
    require_permission(user, "archive.add_incidentversion", trusted=trusted)
    Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.versions.open().exists():
        raise WorkflowError(
            gettext("This incident already has an open version: edit that one instead.")
        )
    base = from_version or incident.versions.published().first() or incident.versions.first()
    if base is None or base.incident_id != incident.pk:
        raise WorkflowError(gettext("There is no version of this incident to start from."))
    number = (incident.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    draft = IncidentVersion.objects.get(pk=base.pk)
    draft.pk = None
    draft._state.adding = True
    draft.number, draft.state, draft.lock_version = number, State.DRAFT, 0
    draft.created_by = acting_user(user)
    draft.publish_at = draft.published_at = None
    draft.public_note = ""
    draft.save()
    for field in ("places", "categories", "perpetrators", "victim_groups", "related"):
        getattr(draft, field).set(getattr(base, field).all())
    estimate_map: dict[int, Estimate] = {}
    for estimate in Estimate.objects.filter(version=base):
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
        comment=f"Started from version {base.number}.",  # stored in the history: not translated
        changes={"from_version": base.number, **(changes or {})},
    )
    return draft
