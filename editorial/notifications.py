"""Email to editors when something waits for them or happened to their work.

A service decides who is told (``notify``), inside its transaction; the messages are queued
through Django's tasks framework only once that transaction commits, and the worker
(``manage.py db_worker``) sends them, so no request waits for a mail server and a rolled-back
change tells nobody. Each user may turn each kind off (admin → My notifications). Sent with
Django's email backend: the console in development and the demo, SMTP in production
(docs/deployment.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, Group, User
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from archive.models import IncidentVersion, ReaderSubmission
from editorial.models import NotificationKind, NotificationOptOut

SUBJECT_PREFIX = "[Incident Archive] "


def in_archive_language[**P](compose: Callable[P, None]) -> Callable[P, None]:
    """Write the message in the archive's language (settings.LANGUAGE_CODE), not in whatever
    language the interface of the person who acted speaks: the recipients have not chosen one."""

    @functools.wraps(compose)
    def composed(*args: P.args, **kwargs: P.kwargs) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            compose(*args, **kwargs)

    return composed


def admin_url(name: str, *args: object) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def addresses(
    kind: NotificationKind, users: Iterable[User], *, actor: AbstractBaseUser | None
) -> list[str]:
    """The addresses of ``users`` who want ``kind``: not the person who acted, not anyone
    without an address or an active account."""
    candidates = {
        user.pk: user
        for user in users
        if user.is_active and user.email and (actor is None or user.pk != actor.pk)
    }
    opted_out = set(
        NotificationOptOut.objects.filter(user_id__in=candidates, kind=kind).values_list(
            "user_id", flat=True
        )
    )
    return sorted({user.email for pk, user in candidates.items() if pk not in opted_out})


def notify(
    kind: NotificationKind,
    users: Iterable[User],
    *,
    actor: AbstractBaseUser | None,
    subject: str,
    body: str,
    extra: Iterable[str] = (),
) -> None:
    """Queue ``kind`` for ``users`` (and the configured ``extra`` addresses) once the current
    transaction commits."""
    recipients = sorted({*addresses(kind, users, actor=actor), *extra})
    if recipients:
        transaction.on_commit(
            lambda: send_notification.enqueue(str(kind), recipients, SUBJECT_PREFIX + subject, body)
        )


@task
def send_notification(kind: str, recipients: list[str], subject: str, body: str) -> int:
    """One message to each recipient (nobody sees the others' addresses); returns how many
    were sent."""
    with translation.override(settings.LANGUAGE_CODE):
        footer = (
            "\n\n--\n"
            # Translators: {reason} is a kind of notification as the settings page lists it,
            # e.g. "a reviewer is asked to review my version".
            + gettext("You receive this because {reason}. Turn it off: {url}").format(
                reason=NotificationKind(kind).label, url=admin_url("admin:notification_settings")
            )
            + "\n"
        )
    messages = [
        EmailMessage(subject=subject, body=body + footer, to=[address]) for address in recipients
    ]
    with mailers.default as connection:
        return connection.send_messages(messages) or 0


def _version_line(version: IncidentVersion) -> str:
    return gettext("“{title}” (version {number} of {slug})").format(
        title=version.title, number=version.number, slug=version.incident.slug
    )


@in_archive_language
def notify_assigned(*, version: IncidentVersion, reviewer: User, actor: AbstractBaseUser) -> None:
    notify(
        NotificationKind.ASSIGNED,
        [reviewer],
        actor=actor,
        subject=gettext("Please review: {title}").format(title=version.title),
        body=gettext("{actor} asks you to review {version}.\n\nReview it: {url}").format(
            actor=actor.get_username(),
            version=_version_line(version),
            url=admin_url("admin:version_review", version.pk),
        ),
    )


@in_archive_language
def notify_sent_back(
    *, version: IncidentVersion, authors: Iterable[User], actor: AbstractBaseUser, reason: str
) -> None:
    notify(
        NotificationKind.SENT_BACK,
        authors,
        actor=actor,
        subject=gettext("Sent back to you: {title}").format(title=version.title),
        body=gettext(
            "{actor} sent {version} back for changes:\n\n{reason}\n\nOpen it: {url}"
        ).format(
            actor=actor.get_username(),
            version=_version_line(version),
            reason=reason,
            url=admin_url("admin:archive_incidentversion_change", version.pk),
        ),
    )


@in_archive_language
def notify_reply(
    *,
    version: IncidentVersion,
    participants: Iterable[User],
    actor: AbstractBaseUser,
    subject: str,
    text: str,
) -> None:
    notify(
        NotificationKind.REPLY,
        participants,
        actor=actor,
        subject=gettext("A reply about {subject}").format(subject=subject),
        body=gettext(
            "{actor} wrote in the discussion of {subject}, {version}:\n\n{text}\n\nRead it: {url}"
        ).format(
            actor=actor.get_username(),
            subject=subject,
            version=_version_line(version),
            text=text,
            url=admin_url("admin:version_review", version.pk) + "#discussions",
        ),
    )


@in_archive_language
def notify_approved(
    *, version: IncidentVersion, authors: Iterable[User], actor: AbstractBaseUser
) -> None:
    notify(
        NotificationKind.APPROVED,
        authors,
        actor=actor,
        subject=gettext("Approved: {title}").format(title=version.title),
        body=gettext("{actor} approved {version}; a publisher can now publish it.\n\n{url}").format(
            actor=actor.get_username(),
            version=_version_line(version),
            url=admin_url("admin:archive_incidentversion_change", version.pk),
        ),
    )


@in_archive_language
def notify_published(
    *, version: IncidentVersion, authors: Iterable[User], actor: AbstractBaseUser
) -> None:
    public = f"{settings.SITE_URL}{version.incident.get_absolute_url()}"
    notify(
        NotificationKind.PUBLISHED,
        authors,
        actor=actor,
        subject=gettext("Published: {title}").format(title=version.title),
        body=gettext("{actor} published {version}.\n\n{url}").format(
            actor=actor.get_username(), version=_version_line(version), url=public
        ),
    )


@in_archive_language
def notify_submission(*, submission: ReaderSubmission) -> None:
    """To the configured addresses (NOTIFY_SUBMISSIONS_TO) if any, else to the Data editors.
    What the reader wrote and who they are stay in the admin: the message names the reference
    and the incident only."""
    configured = list(settings.NOTIFY_SUBMISSIONS_TO)
    editors = (
        []
        if configured
        else User.objects.filter(groups__in=Group.objects.filter(name="Data editors")).distinct()
    )
    url = admin_url("admin:archive_readersubmission_change", submission.pk)
    body = (
        # Translators: {kind} is the kind of submission as the admin lists them (a report of a
        # new incident, a correction); {reference} its reference, such as R-2026-0001.
        gettext("A reader sent {kind} about “{slug}”: {reference}.\n\nRead it: {url}")
        if submission.incident
        else gettext("A reader sent {kind}: {reference}.\n\nRead it: {url}")
    )
    notify(
        NotificationKind.SUBMISSION,
        editors,
        actor=None,
        extra=configured,
        subject=gettext("Reader submission {reference}").format(reference=submission.reference),
        body=body.format(
            kind=submission.get_kind_display(),
            slug=submission.incident.slug if submission.incident else "",
            reference=submission.reference,
            url=url,
        ),
    )


def submission_received_notify(
    sender: object, submission: ReaderSubmission, **kwargs: object
) -> None:
    """Receiver of ``archive.submissions.submission_received``; connected in
    ``EditorialConfig.ready``."""
    notify_submission(submission=submission)


def wanted_kinds(user: User) -> set[NotificationKind]:
    off = set(NotificationOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return {kind for kind in NotificationKind if kind not in off}


@transaction.atomic
def preferences_set(*, user: User, wanted: Iterable[str]) -> None:
    """Keep every kind in ``wanted`` coming and turn the others off for ``user``."""
    keep = {NotificationKind(kind) for kind in wanted}
    NotificationOptOut.objects.filter(user=user, kind__in=keep).delete()
    for kind in set(NotificationKind) - keep:
        NotificationOptOut.objects.get_or_create(user=user, kind=kind)
