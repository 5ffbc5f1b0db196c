"""Proceedings: trials and rulings about incidents."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q, QuerySet
from django.db.models.deletion import Collector
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archive.models.dated import DateRangeMixin
from archive.models.incidents import Incident
from archive.models.records import DATA_PERMISSIONS
from archive.models.sources import Source


class ProceedingQuerySet(models.QuerySet["Proceeding"]):
    def get_by_natural_key(self, slug: str) -> Proceeding:
        return self.get(slug=slug)


class Proceeding(DateRangeMixin, models.Model):
    """A trial or ruling about incidents."""

    class InAbsentia(models.TextChoices):
        NOT_STATED = "", _("not stated")
        NO = "no", _("no")
        YES = "yes", _("yes")
        PARTIAL = "partial", _("some defendants")

    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    court = models.CharField(max_length=300)
    date = models.CharField(
        _("date (EDTF)"), max_length=100, help_text=_("e.g. 2019-03-27, 2003, 1995.")
    )
    date_text = models.CharField(_("date as written"), max_length=200, blank=True)
    date_earliest = models.DateField(editable=False)
    date_latest = models.DateField(editable=False)
    defendants = models.TextField(blank=True, help_text=_("One per line."))
    outcome = models.TextField(blank=True)
    in_absentia = models.CharField(
        max_length=10, choices=InAbsentia, default=InAbsentia.NOT_STATED, blank=True
    )
    appeal = models.TextField(blank=True)
    incidents = models.ManyToManyField(
        Incident, blank=True, related_name="proceedings", through="ProceedingIncident"
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="proceedings"
    )
    locator = models.CharField(max_length=200, blank=True)

    objects = ProceedingQuerySet.as_manager()

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["date_earliest", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_earliest__lte=F("date_latest")), name="proceeding_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


def protect_if_published(
    collector: Collector, field: models.Field, sub_objs: QuerySet[ProceedingIncident], using: str
) -> None:
    """``on_delete`` of a proceeding's links to incidents: a proceeding that a published
    incident's page shows is public and cannot be deleted; links to incidents nobody can read
    go with the proceeding."""
    shown = list(sub_objs.filter(incident__in=Incident.objects.published()))
    if shown:
        raise models.ProtectedError(
            gettext(
                "A published incident shows this proceeding: it cannot be deleted. Retire it "
                "through a reviewed change instead."
            ),
            set(shown),
        )
    models.CASCADE(collector, field, sub_objs, using)


class ProceedingIncident(models.Model):
    """A proceeding about an incident (the table Django made for the plain link before)."""

    proceeding = models.ForeignKey(Proceeding, on_delete=protect_if_published, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "archive_proceeding_incidents"
        unique_together = [("proceeding", "incident")]
        default_permissions = ()
        verbose_name = _("incident page showing this proceeding")

    def __str__(self) -> str:
        return str(self.incident)
