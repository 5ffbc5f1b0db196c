"""Snapshots: preserved copies of the web pages sources cite (editorial.snapshots makes them)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archive.models.sources import Source


class Outcome(models.TextChoices):
    # A 2xx answer, stored.
    CAPTURED = "captured", _("captured")
    # An error answer (stored as it came), or none: timeout, connection, oversize body.
    FAILED = "failed", _("failed")
    # Never fetched: a scheme or an address the archive does not reach (the reason says which).
    REFUSED = "refused", _("refused")


class Trigger(models.TextChoices):
    SAVED = "saved", _("source saved")
    COMMAND = "command", _("archive_sources")
    LINK_CHECK = "link_check", _("check_links")
    ADMIN = "admin", _("capture now")


class SnapshotQuerySet(models.QuerySet["Snapshot"]):
    def newest_first(self) -> SnapshotQuerySet:
        return self.order_by("-captured_at", "-pk")

    def captured(self) -> SnapshotQuerySet:
        """Copies worth showing: a 2xx answer, stored."""
        return self.filter(outcome=Outcome.CAPTURED)

    def published(self) -> SnapshotQuerySet:
        """Copies of sources that a published version cites; every other copy stays private."""
        return self.captured().filter(source__in=Source.objects.published())

    def latest_copies(self, sources: SourceChoice) -> dict[int, Snapshot]:
        """Each source's newest captured copy of its current URL, by source id."""
        copies: dict[int, Snapshot] = {}
        rows = (
            self.captured()
            .filter(source__in=chosen(sources), url=models.F("source__url"))
            .select_related("source")
            .order_by("source_id", "-captured_at", "-pk")
        )
        for snapshot in rows:
            copies.setdefault(snapshot.source_id, snapshot)
        return copies


# Sources by id, or a query of them (read as a subquery: any number of sources).
type SourceChoice = Iterable[int] | models.QuerySet[Source]


def chosen(sources: SourceChoice) -> list[int] | models.QuerySet[Source]:
    return sources if isinstance(sources, models.QuerySet) else list(set(sources))


class Snapshot(models.Model):
    """One attempt to capture a source's URL. Immutable: a new capture is a new row."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="snapshots")
    url = models.URLField(_("URL fetched"), max_length=1000)
    final_url = models.URLField(
        _("final URL"), max_length=1000, blank=True, help_text=_("after redirects")
    )
    redirects = models.JSONField(
        default=list, blank=True, help_text=_("each hop: its URL and HTTP status")
    )
    http_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(
        null=True, blank=True, help_text=_("bytes of the body received")
    )
    sha256 = models.CharField(
        _("SHA-256"), max_length=64, blank=True, help_text=_("of the body received, as stored")
    )
    warc_file = models.CharField(
        _("WARC file"), max_length=300, blank=True, help_text=_("in the snapshots storage")
    )
    warc_sha256 = models.CharField(_("WARC SHA-256"), max_length=64, blank=True)
    captured_at = models.DateTimeField(default=timezone.now)
    software = models.CharField(max_length=100, help_text=_("the capturing software's version"))
    outcome = models.CharField(max_length=10, choices=Outcome)
    error = models.TextField(blank=True)
    trigger = models.CharField(max_length=12, choices=Trigger)
    attempt = models.PositiveSmallIntegerField(default=1)

    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-captured_at", "-pk"]
        permissions = [("capture_source", "Can capture a source's web page now")]
        default_permissions = ("view",)
        indexes = [models.Index(fields=["source", "-captured_at"], name="snapshot_source_newest")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.CAPTURED) | (~Q(sha256="") & ~Q(warc_file="")),
                name="snapshot_captured_is_stored",
            ),
            models.CheckConstraint(
                condition=Q(outcome=Outcome.CAPTURED) | ~Q(error=""),
                name="snapshot_failure_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.get_outcome_display()}, {self.captured_at:%Y-%m-%d %H:%M})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(gettext("A snapshot is never changed: capture again for a new one."))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("archive:snapshot", args=[self.source.key, self.pk])

    def get_warc_url(self) -> str:
        return reverse("archive:snapshot_warc", args=[self.source.key, self.pk])


# A link check that found no working original; two in a row and the original counts as gone.
GONE_AFTER = 2


def with_link_health(sources: models.QuerySet[Source]) -> models.QuerySet[Source]:
    """Sources with ``link_gone``: the last GONE_AFTER link checks of their URL failed."""
    checks = Snapshot.objects.filter(
        source=OuterRef("pk"), url=OuterRef("url"), trigger=Trigger.LINK_CHECK
    ).order_by("-captured_at", "-pk")
    failed = Q(url__gt="")
    annotations = {}
    for index in range(GONE_AFTER):
        name = f"check_{index}"
        annotations[name] = Subquery(checks.values("outcome")[index : index + 1])
        failed &= Q(**{name: Outcome.FAILED})
    return sources.annotate(**annotations).annotate(
        link_gone=models.Case(
            models.When(failed, then=models.Value(True)),
            default=models.Value(False),
            output_field=models.BooleanField(),
        )
    )


@dataclass(frozen=True)
class Copies:
    """The newest captured copy of each source, and the sources whose original is gone."""

    newest: dict[int, Snapshot]
    gone: frozenset[int]


def source_copies(sources: SourceChoice) -> Copies:
    """What the pages show beside these sources, in two queries."""
    ids = chosen(sources)
    query = ids if isinstance(ids, models.QuerySet) else Source.objects.filter(pk__in=ids)
    gone = (
        with_link_health(query)
        .filter(Q(link_gone=True))  # an annotation: Q, which the type checker reads as any
        .values_list("pk", flat=True)
    )
    return Copies(newest=Snapshot.objects.latest_copies(ids), gone=frozenset(gone))


def attach_copies(sources: Iterable[Source], copies: Copies | None = None) -> None:
    """Set ``archived`` (the newest captured copy, or None) and ``original_gone`` on each of
    ``sources``, from ``copies`` or from two queries."""
    sources = list(sources)
    if copies is None:
        copies = source_copies(source.pk for source in sources)
    for source in sources:
        source.archived = copies.newest.get(source.pk)
        source.original_gone = source.pk in copies.gone
