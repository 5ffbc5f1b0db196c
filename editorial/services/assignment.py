"""Who reviews a version: the reviewer a contributor asks for when submitting, or one who takes
the version from the queue. Four eyes holds: nobody reviews what they wrote or edited."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Permission, User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext

from archive.models import IncidentVersion, State
from editorial.models import Action, Channel, ReviewAssignment
from editorial.notifications import notify_assigned
from editorial.services.base import (
    WorkflowError,
    _locked,
    author_ids,
    history_record,
    require_permission,
)
from editorial.workflow import REVIEW, SUBMIT


def reviewers() -> QuerySet[User]:
    """Everyone who may review, through a group or their own permissions."""
    app_label, codename = REVIEW.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
        .distinct()
        .order_by("username")
    )


def eligible_reviewers(*, version: IncidentVersion, user: AbstractBaseUser) -> QuerySet[User]:
    """Whom ``user`` may ask to review ``version``: reviewers other than themselves and the
    version's authors."""
    return reviewers().exclude(pk__in={user.pk, *author_ids(version)})


def _check_reviewer(
    version: IncidentVersion, reviewer: AbstractBaseUser, asker: AbstractBaseUser
) -> None:
    name = reviewer.get_username()
    if reviewer.pk == asker.pk:
        raise WorkflowError(gettext("You cannot ask yourself to review: choose another reviewer."))
    if not (isinstance(reviewer, User) and reviewer.is_active and reviewer.has_perm(REVIEW)):
        raise WorkflowError(
            gettext("{name} is not a reviewer: choose one of the reviewers listed.").format(
                name=name
            )
        )
    if reviewer.pk in author_ids(version):
        raise WorkflowError(
            gettext(
                "{name} wrote or edited this version, so cannot review it: choose another reviewer."
            ).format(name=name)
        )


def _assign(
    version: IncidentVersion, reviewer: User, by: AbstractBaseUser, action: Action
) -> ReviewAssignment:
    previous = ReviewAssignment.objects.filter(version=version).select_related("reviewer").first()
    assignment, _created = ReviewAssignment.objects.update_or_create(
        version=version, defaults={"reviewer": reviewer, "assigned_by_id": by.pk}
    )
    changes = {"reviewer": reviewer.get_username(), "reviewer_id": reviewer.pk}
    if previous is not None and previous.reviewer_id != reviewer.pk:
        changes["previous_reviewer"] = previous.reviewer.get_username()
    history_record(version=version, user=by, action=action, channel=Channel.ADMIN, changes=changes)
    if action == Action.ASSIGN:
        notify_assigned(version=version, reviewer=reviewer, actor=by)
    return assignment


@transaction.atomic
def version_assign(
    *, version: IncidentVersion, user: AbstractBaseUser, reviewer: User
) -> ReviewAssignment:
    """The author asks ``reviewer`` to review ``version``, which is in review."""
    version = _locked(version)
    require_permission(user, SUBMIT)
    if version.state != State.IN_REVIEW:
        raise WorkflowError(
            gettext("A reviewer is asked for when the version is submitted for review.")
        )
    _check_reviewer(version, reviewer, user)
    return _assign(version, reviewer, user, Action.ASSIGN)


@transaction.atomic
def version_take(*, version: IncidentVersion, user: AbstractBaseUser) -> ReviewAssignment:
    """A reviewer takes a version in review from the queue. One asked for by its author, or
    taken by another reviewer, stays theirs."""
    version = _locked(version)
    require_permission(user, REVIEW)
    if version.state != State.IN_REVIEW:
        raise WorkflowError(
            gettext("Only a version in review can be taken; this one is {state}.").format(
                state=version.get_state_display()
            )
        )
    current = ReviewAssignment.objects.filter(version=version).select_related("reviewer").first()
    if current is not None:
        if current.reviewer_id == user.pk:
            raise WorkflowError(gettext("This version is already yours to review."))
        raise WorkflowError(
            gettext("{username} reviews this version: ask them before taking it.").format(
                username=current.reviewer.get_username()
            )
        )
    if user.pk in author_ids(version):
        raise WorkflowError(
            gettext(
                "You cannot review a version you wrote or edited: leave it for another reviewer."
            )
        )
    assert isinstance(user, User)
    return _assign(version, user, user, Action.TAKE)
