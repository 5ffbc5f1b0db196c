"""Reference records incidents name: categories, contexts, places, actors, victim groups."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from archive.models.states import State


class NamedQuerySet(models.QuerySet[Any]):
    def published(self) -> NamedQuerySet:
        """Records a published version names: reference records are public only through a
        published incident. One row per such version (``distinct()`` for one per record;
        ``Count("versions")`` after it counts the published versions only)."""
        return self.filter(versions__state=State.PUBLISHED)

    def get_by_natural_key(self, name: str) -> Any:
        return self.get(name=name)


class Category(models.Model):
    """A controlled list, shipped by a data migration."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class Context(models.Model):
    """The war, campaign or period an incident belongs to."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("archive:context", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.name,)


DATA_PERMISSIONS = ("add", "change", "delete", "view", "import", "export")


class Place(models.Model):
    class Precision(models.TextChoices):
        EXACT = "exact", _("exact")
        SETTLEMENT = "settlement", _("settlement")
        REGION = "region", _("region")
        COUNTRY = "country", _("country")

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    alternative_names = models.TextField(
        blank=True, help_text=_("Other names and spellings, one per line (Fântâna Albă, Katyń).")
    )
    country = models.CharField(max_length=100, blank=True, help_text=_("Modern country."))
    region = models.CharField(max_length=200, blank=True, help_text=_("Historical region."))
    latitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    longitude = models.DecimalField(max_digits=8, decimal_places=5, null=True, blank=True)
    coordinate_precision = models.CharField(max_length=20, choices=Precision, blank=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="place_coordinates_in_range_and_paired",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("archive:place", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.name,)

    def alternative_name_list(self) -> list[str]:
        return [name.strip() for name in self.alternative_names.splitlines() if name.strip()]

    def get_country_url(self) -> str:
        """The page of the modern country (``Place.country`` is plain text, its address the
        text slugified), or "" when the name makes no address."""
        slug = slugify(self.country)
        return reverse("archive:country", args=[slug]) if slug else ""


class Actor(models.Model):
    """Who committed it: an army, a police force, a unit, optionally inside a parent body."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="actor_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("archive:perpetrator", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.name,)


class VictimGroup(models.Model):
    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def natural_key(self) -> tuple[str]:
        return (self.name,)
