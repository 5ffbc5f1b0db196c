"""What publishing leaves behind: the publication counter, stored pages, the corrections log."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archive.models.incidents import Incident, IncidentVersion
from archive.models.states import State


class Publication(models.Model):
    """One row: how many times published content has changed, and when it last did."""

    generation = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="publication_single_row")]

    def __str__(self) -> str:
        return f"generation {self.generation} at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class IncidentPageQuerySet(models.QuerySet["IncidentPage"]):
    def published(self) -> IncidentPageQuerySet:
        """The stored pages of published versions."""
        return self.filter(version__state=State.PUBLISHED)


class IncidentPage(models.Model):
    """A published version's page, rendered when it is published and served as it is.

    A published version never changes, so its page changes only when something it shows
    does: a reference record (source, place, actor…), a related incident's title, or the code
    and templates that render it (``build``). Those changes delete the rows they affect, and
    a missing or outdated row is rendered again by the next reader (``archive.pages``).

    One page per language of the interface: publishing stores the original language's, and
    the first reader of each other language renders and stores that one.
    """

    version = models.ForeignKey(IncidentVersion, on_delete=models.CASCADE, related_name="pages")
    language = models.CharField(max_length=8)
    html = models.TextField()
    build = models.CharField(max_length=32)
    rendered_at = models.DateTimeField(default=timezone.now)

    objects = IncidentPageQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language"], name="incident_page_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return gettext("page of version {version} in {language} ({build})").format(
            version=self.version_id, language=self.language, build=self.build
        )


class CorrectionQuerySet(models.QuerySet["Correction"]):
    def with_public_incident(self) -> CorrectionQuerySet:
        """Each entry says whether its incident has a published version to link to: a
        withdrawn incident's entries stay in the log, without its address."""
        published = IncidentVersion.objects.published().filter(incident=models.OuterRef("incident"))
        return self.annotate(incident_is_public=models.Exists(published))


class Correction(models.Model):
    """A public entry: a published incident changed or withdrawn, in the publisher's words."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("correction")
        WITHDRAWAL = "withdrawal", _("withdrawal")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="corrections")
    version = models.ForeignKey(IncidentVersion, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind)
    note = models.TextField()
    created_at = models.DateTimeField()

    objects = CorrectionQuerySet.as_manager()
    incident_is_public: bool  # annotated by CorrectionQuerySet.with_public_incident()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.incident.slug} on {self.created_at:%Y-%m-%d}"


class PublicChangeQuerySet(models.QuerySet):
    def feed(self) -> PublicChangeQuerySet:
        """In the order they became public, each with what a mirror needs to fetch it."""
        return (
            self.select_related("incident", "version")
            .only("kind", "at", "incident__slug", "version__number")
            .order_by("pk")
        )


class ChangeKind(models.TextChoices):
    PUBLISHED = "published", _("published")
    CORRECTED = "corrected", _("corrected")
    WITHDRAWN = "withdrawn", _("withdrawn")


class PublicChange(models.Model):
    """One entry of the public change feed: an incident published, corrected or withdrawn.

    Written by the publishing services after they take the publication counter's row lock
    (``archive.caching.publication_changed``), so the entries' numbers follow the order their
    transactions commit in and a reader's cursor (the last number it saw) never skips one
    that commits later. Entries are never changed or deleted; a withdrawal is an entry too."""

    Kind = ChangeKind

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(IncidentVersion, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind)
    at = models.DateTimeField(db_index=True)

    objects = PublicChangeQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChangeKind.values),
                name="public_change_kind_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident.slug} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"
