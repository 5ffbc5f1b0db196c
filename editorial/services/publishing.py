"""Publishing: the check that says what a publication will do, publishing now or on schedule,
withdrawing, and the scheduled publications that are due."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from archive import pages
from archive.caching import publication_changed
from archive.models import (
    Correction,
    IncidentVersion,
    PublicChange,
    State,
)
from archive.search import index_version
from archive.totals import derive_figures
from editorial.models import Action, Channel, HistoryEntry
from editorial.notifications import notify_published
from editorial.services.base import (
    WorkflowError,
    _locked,
    _transition,
    authors_of,
    figure_name,
    history_record,
    logger,
    require_permission,
)
from editorial.services.translations import translations_publish_with
from editorial.workflow import PUBLISH


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
            gettext("Only an approved version can be scheduled.")
            if scheduled
            else gettext("A version that is {state} cannot become published.").format(
                state=version.get_state_display()
            )
        )
    published = IncidentVersion.objects.published().filter(incident_id=version.incident_id)
    previous = (published.select_for_update() if lock else published).first()
    note = note.strip()
    if previous and not note:
        raise WorkflowError(
            gettext(
                "This replaces the published version: say in a sentence what changed, for the "
                "public corrections log."
            )
        )
    pending = list(version.estimates.not_verified())
    if pending:
        raise WorkflowError(
            gettext(
                "An estimate of this version is not verified; it cannot be published: {figures}."
            ).format(figures=", ".join(figure_name(estimate) for estimate in pending))
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
    translations_publish_with(version=version, user=user, channel=channel)
    index_version(version)
    derive_figures([version.pk])
    version.published_at, version.publish_at, version.public_note = now, None, note
    version.save(update_fields=["published_at", "publish_at", "public_note", "updated_at"])
    _transition(version, State.PUBLISHED, user, note, channel)
    publication_changed()
    PublicChange.objects.create(
        incident_id=version.incident_id,
        version=version,
        kind=PublicChange.Kind.CORRECTED if previous else PublicChange.Kind.PUBLISHED,
        at=timezone.now(),
    )
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
    notify_published(version=version, authors=authors_of(version), actor=user)
    return version


@transaction.atomic
def version_withdraw(
    *,
    version: IncidentVersion,
    user: AbstractBaseUser,
    reason: str,
    channel: Channel = Channel.SERVICE,
) -> IncidentVersion:
    version = _transition(_locked(version), State.WITHDRAWN, user, reason, channel)
    publication_changed()
    PublicChange.objects.create(
        incident_id=version.incident_id,
        version=version,
        kind=PublicChange.Kind.WITHDRAWN,
        at=timezone.now(),
    )
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
