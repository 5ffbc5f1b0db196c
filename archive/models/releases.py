"""Frozen, citable releases of the open data (archive.releases builds them)."""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A year and a number: 2026.1, 2026.12. Strict, because the name is part of a citation, a file
# name and an address.
RELEASE_NAME = re.compile(r"(?:19|20)\d\d\.[1-9]\d{0,2}")
# What a DOI looks like (the prefix 10.NNNN, a slash, a suffix without spaces).
DOI = re.compile(r"10\.\d{4,9}/\S+")


class ReleaseError(ValueError):
    """A release that cannot be made or changed, with the reason for the person who asked."""


class ReleaseQuerySet(models.QuerySet):
    def newest_first(self) -> ReleaseQuerySet:
        return self.order_by("-created_at", "-pk")


class Release(models.Model):
    """One frozen release: ``releases/<name>.zip`` in the "releases" storage.

    Never changed once made, except that a DOI may be recorded once (``release_record_doi``).
    """

    name = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The publication generation frozen, and when published content last changed before it.
    generation = models.PositiveBigIntegerField()
    content_at = models.DateTimeField()
    size = models.PositiveBigIntegerField(help_text=_("bytes of the zip file"))
    sha256 = models.CharField(max_length=64)
    incidents = models.PositiveIntegerField()
    estimates = models.PositiveIntegerField()
    sources = models.PositiveIntegerField()
    changes = models.PositiveIntegerField(help_text=_("rows of CHANGES.csv"))
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    doi = models.CharField(max_length=200, blank=True)

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("record_release_doi", "Can record the DOI of a release")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Immutable: a saved release may only gain a DOI it did not have.
        if self.pk is not None:
            stored = Release.objects.get(pk=self.pk)
            changed = [
                field.attname
                for field in self._meta.concrete_fields
                if getattr(stored, field.attname) != getattr(self, field.attname)
            ]
            if changed and (changed != ["doi"] or stored.doi):
                raise ReleaseError(
                    gettext("Release {name} is frozen: it cannot be changed.").format(
                        name=stored.name
                    )
                )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("archive:release", args=[self.name])

    @property
    def file_name(self) -> str:
        return f"{self.name}.zip"

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""


class ReleaseChange(models.Model):
    """One row of a release's CHANGES.csv, kept to list on the release's page."""

    class Kind(models.TextChoices):
        INCIDENT_ADDED = "incident added", _("incident added")
        INCIDENT_WITHDRAWN = "incident withdrawn", _("incident withdrawn")
        INCIDENT_CORRECTED = "incident corrected", _("incident corrected")
        ESTIMATE_ADDED = "estimate added", _("estimate added")
        ESTIMATE_REMOVED = "estimate removed", _("estimate removed")
        ESTIMATE_REASSESSED = "estimate re-assessed", _("estimate re-assessed")
        FIGURE_CHANGED = "figure changed", _("figure changed")
        ESTIMATE_CORRECTED = "estimate corrected", _("estimate corrected")

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="change_rows")
    number = models.PositiveIntegerField()
    incident = models.CharField(max_length=255)
    estimate = models.CharField(max_length=255, blank=True)
    change = models.CharField(max_length=24, choices=Kind)
    field = models.CharField(max_length=64, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["release", "number"]
        constraints = [
            models.UniqueConstraint(fields=["release", "number"], name="release_change_number")
        ]

    def __str__(self) -> str:
        return f"{self.release_id}: {self.change} {self.incident} {self.estimate}".strip()
