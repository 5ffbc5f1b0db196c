"""What every service shares: the refusals, the permission check, the history record,
the row lock and the one function that moves a version between states."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, User
from django.db.models import F
from django.utils.translation import gettext

from archive.models import (
    Estimate,
    IncidentVersion,
    State,
)
from editorial.models import Action, Channel, HistoryEntry
from editorial.workflow import COMMENT_REQUIRED, permission_for

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
        user=acting_user(user),
        action=action,
        channel=channel,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        changes=changes or {},
    )


def versions_record_import(
    *,
    versions: Iterable[tuple[int, int]],
    user: AbstractBaseUser | None,
    changes: dict[str, Any],
    channel: Channel | None = None,
) -> None:
    """An import wrote to these (version, incident) drafts: each one's lock moves on, so a
    form an editor opened before it is refused on saving instead of overwriting the import,
    and each gets one import entry in its history. A statement per thousand versions.
    ``channel`` defaults to the admin's import for a user, else the command line."""
    who = acting_user(user)
    channel = channel or (Channel.IMPORT if who else Channel.COMMAND)
    for batch in itertools.batched(versions, 1000, strict=False):
        IncidentVersion.objects.filter(pk__in=[version_id for version_id, _ in batch]).update(
            lock_version=F("lock_version") + 1
        )
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


def authors_of(version: IncidentVersion) -> list[User]:
    """The accounts of ``author_ids``, for telling them what happened to their version."""
    return list(User.objects.filter(pk__in=author_ids(version)))


def acting_user(user: AbstractBaseUser | None) -> User | None:
    """The account a history entry, a version or a verification names: nobody for an operator
    at the command line."""
    return user if isinstance(user, User) and user.is_authenticated else None


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
        or not isinstance(user, PermissionsMixin)
        or not user.has_perm(permission)
    ):
        raise PermissionRefused(gettext("You do not have permission to do this."))


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
        raise WorkflowError(
            gettext("A version that is {state} cannot become {target}.").format(
                state=source.label, target=target.label
            )
        )
    require_permission(user, permission)
    comment = comment.strip()
    if (source, target) in COMMENT_REQUIRED and not comment:
        raise WorkflowError(
            gettext("Say why in the comment: it is shown to the author or the public.")
        )
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


def _require_not_author(version: IncidentVersion, user: AbstractBaseUser, refusal: str) -> None:
    """Four eyes: ``refusal`` says what an author of ``version`` may not do to it."""
    if user.pk in author_ids(version):
        raise WorkflowError(refusal)


def figure_name(estimate: Estimate) -> str:
    """A figure as an editor recognises it in a message: “300” killed, Soviet archives (ref)."""
    return (
        f"“{estimate.as_written}” {estimate.get_measure_display()}, {estimate.claimant} "
        f"({estimate.ref})"
    )


def _figure_ids(estimate: Estimate) -> dict[str, Any]:
    # The ref for readers of the history; the id because an author may change the ref.
    return {"estimate": estimate.ref, "estimate_id": estimate.pk}
