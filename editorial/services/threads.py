"""Discussions between a version's author and its reviewer, on a figure or on the version.

A thread is a row that says what it is about and whether it is resolved; every message is a
history entry naming it, so the discussion stays in the version's history. A reviewer's query
opens the figure's thread (``estimate_query``), the author's answers go into it, and verifying
the figure or withdrawing the query resolves it. An unresolved thread blocks approval."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from archive.models import Estimate, IncidentVersion, State
from editorial.models import VERSION_AS_A_WHOLE, Action, Channel, HistoryEntry, Thread
from editorial.notifications import notify_reply
from editorial.services.base import (
    WorkflowError,
    _figure_ids,
    _locked,
    acting_user,
    author_ids,
    figure_name,
    history_record,
    require_permission,
)
from editorial.workflow import REVIEW, SUBMIT

MESSAGE_MAX_LENGTH = 2000
# A discussion is held while the version is being written or reviewed.
DISCUSSED_STATES = (State.DRAFT, State.IN_REVIEW, State.CHANGES_REQUESTED)


def _require_party(version: IncidentVersion, user: AbstractBaseUser) -> None:
    """Its authors (who may submit) and reviewers (who did not write it) discuss a version."""
    require_permission(user, SUBMIT if user.pk in author_ids(version) else REVIEW)
    if version.state not in DISCUSSED_STATES:
        raise WorkflowError(
            gettext(
                "Discussions are held while a version is written or reviewed; this one is {state}."
            ).format(state=version.get_state_display())
        )


def _message(text: str) -> str:
    text = text.strip()
    if not text:
        raise WorkflowError(
            gettext("Write something: the other person reads it beside the figure.")
        )
    if len(text) > MESSAGE_MAX_LENGTH:
        raise WorkflowError(
            gettext("Keep a message under {limit} characters (it has {length}).").format(
                limit=MESSAGE_MAX_LENGTH, length=len(text)
            )
        )
    return text


def _ids(thread: Thread) -> dict[str, object]:
    about = _figure_ids(thread.estimate) if thread.estimate_id and thread.estimate else {}
    return {"thread": thread.pk, **about}


def stored_name(estimate: Estimate) -> str:
    """The figure's name as a thread keeps it: data, in the archive's language whatever the
    interface of the person who opened the thread speaks."""
    with translation.override(settings.LANGUAGE_CODE):
        return figure_name(estimate)


def thread_for_figure(*, estimate: Estimate, user: AbstractBaseUser) -> Thread:
    """The figure's open thread, opened by ``user`` if there is none. Called inside a service's
    transaction, with the version locked."""
    thread = Thread.objects.unresolved().filter(estimate=estimate).first()
    if thread is None:
        thread = Thread.objects.create(
            version_id=estimate.version_id,
            estimate=estimate,
            subject=stored_name(estimate),
            opened_by_id=user.pk,
        )
    return thread


def threads_resolve_figure(*, estimate: Estimate, user: AbstractBaseUser) -> list[int]:
    """Resolve the figure's open thread as its verification or a withdrawn query settles it;
    the entry that records that names the thread. Returns the ids resolved."""
    ids = list(Thread.objects.unresolved().filter(estimate=estimate).values_list("pk", flat=True))
    Thread.objects.filter(pk__in=ids).update(
        resolved_by=acting_user(user), resolved_at=timezone.now()
    )
    return ids


def thread_notify_reply(*, thread: Thread, user: AbstractBaseUser, text: str) -> None:
    """Tell everyone who took part in ``thread`` (its opener, whoever wrote in it) but ``user``
    that ``user`` wrote ``text`` in it."""
    writers = HistoryEntry.objects.filter(
        version_id=thread.version_id, changes__thread=thread.pk
    ).values("user_id")
    participants = User.objects.filter(Q(pk=thread.opened_by_id) | Q(pk__in=writers))
    notify_reply(
        version=thread.version,
        participants=participants,
        actor=user,
        subject=thread.subject_shown,
        text=text,
    )


@transaction.atomic
def thread_open(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    text: str,
    estimate: Estimate | None = None,
) -> Thread:
    """Start a discussion on ``estimate`` (one open thread per figure: a new message goes into
    it) or, without one, on the version."""
    version = _locked(version)
    _require_party(version, user)
    text = _message(text)
    existing = None
    if estimate is not None:
        estimate = Estimate.objects.get(pk=estimate.pk, version=version)
        existing = Thread.objects.unresolved().filter(estimate=estimate).first()
        thread = thread_for_figure(estimate=estimate, user=user)
    else:
        thread = Thread.objects.create(
            version=version, subject=VERSION_AS_A_WHOLE, opened_by_id=user.pk
        )
    history_record(
        version=version,
        user=user,
        action=Action.COMMENT,
        channel=Channel.ADMIN,
        comment=text,
        changes=_ids(thread),
    )
    if existing is not None:  # a message in a figure's open discussion is a reply in it
        thread_notify_reply(thread=thread, user=user, text=text)
    return thread


@transaction.atomic
def thread_reply(*, thread: Thread, user: AbstractBaseUser, text: str) -> HistoryEntry:
    version = _locked(thread.version)
    _require_party(version, user)
    thread = Thread.objects.select_related("estimate").get(pk=thread.pk)
    if thread.resolved_at is not None:
        raise WorkflowError(gettext("This discussion is resolved: start a new one."))
    text = _message(text)
    entry = history_record(
        version=version,
        user=user,
        action=Action.COMMENT,
        channel=Channel.ADMIN,
        comment=text,
        changes=_ids(thread),
    )
    thread_notify_reply(thread=thread, user=user, text=text)
    return entry


@transaction.atomic
def thread_resolve(*, thread: Thread, user: AbstractBaseUser, comment: str = "") -> Thread:
    """Close a discussion: the one who opened it, or a reviewer. A figure's thread opened by a
    query is resolved by verifying the figure or withdrawing the query instead."""
    version = _locked(thread.version)
    _require_party(version, user)
    thread = Thread.objects.select_related("estimate").get(pk=thread.pk)
    if thread.resolved_at is not None:
        raise WorkflowError(gettext("This discussion is already resolved."))
    if thread.estimate is not None and thread.estimate.query_note:
        raise WorkflowError(
            gettext(
                "{figure} has an open query: a reviewer verifies the figure or withdraws the "
                "query, and that resolves the discussion."
            ).format(figure=figure_name(thread.estimate))
        )
    is_reviewer = user.pk not in author_ids(version)
    if thread.opened_by_id != user.pk and not is_reviewer:
        raise WorkflowError(
            gettext("The reviewer, or whoever started the discussion, resolves it.")
        )
    thread.resolved_by, thread.resolved_at = acting_user(user), timezone.now()
    thread.save(update_fields=["resolved_by", "resolved_at"])
    history_record(
        version=version,
        user=user,
        action=Action.RESOLVE,
        channel=Channel.ADMIN,
        comment=comment.strip(),
        changes=_ids(thread),
    )
    return thread
