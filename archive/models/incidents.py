"""Incidents (stable identities with their addresses) and their versioned content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Exists, F, FilteredRelation, OuterRef, Prefetch, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from archive.models.dated import DateRangeMixin
from archive.models.figures import Citation, Estimate
from archive.models.languages import ORIGINAL_LANGUAGE, base_language
from archive.models.records import DATA_PERMISSIONS, Actor, Category, Context, Place, VictimGroup
from archive.models.states import EDITABLE_STATES, OPEN_STATES, State

if TYPE_CHECKING:
    from archive.models.translations import Translation


class IncidentQuerySet(models.QuerySet["Incident"]):
    def published(self) -> IncidentQuerySet:
        """Incidents the public can read: those with a published version (at most one)."""
        return self.filter(versions__state=State.PUBLISHED)

    def get_by_natural_key(self, slug: str) -> Incident:
        return self.get(slug=slug)


class Incident(models.Model):
    """The stable identity of an incident; its content lives in versions."""

    slug = models.SlugField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentQuerySet.as_manager()
    # Set by the open data's prefetch (``api.with_published_translations``).
    published_translations: list[Translation]

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("archive:incident", args=[self.slug])

    def natural_key(self) -> tuple[str]:
        return (self.slug,)


class IncidentAlias(models.Model):
    """A slug an incident had before; its address redirects (301) to the current one."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="aliases")
    slug = models.SlugField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("incident aliases")

    def __str__(self) -> str:
        return f"{self.slug} → {self.incident.slug}"


class IncidentVersionQuerySet(models.QuerySet["IncidentVersion"]):
    def published(self) -> IncidentVersionQuerySet:
        """The versions the public reads: every public page starts from here."""
        return self.filter(state=State.PUBLISHED)

    def open(self) -> IncidentVersionQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def current(self) -> IncidentVersionQuerySet:
        """One version per incident, the one editors work from: its open version, else its
        published one (what an import edits, and so what a re-importable export holds)."""
        opened = self.model.objects.filter(incident=OuterRef("incident"), state__in=OPEN_STATES)
        return self.filter(Q(state__in=OPEN_STATES) | (Q(state=State.PUBLISHED) & ~Exists(opened)))

    def in_draft(self) -> IncidentVersionQuerySet:
        return self.filter(state=State.DRAFT)

    def sent_back(self) -> IncidentVersionQuerySet:
        return self.filter(state=State.CHANGES_REQUESTED)

    def awaiting_review(self) -> IncidentVersionQuerySet:
        return self.filter(state=State.IN_REVIEW)

    def approved(self) -> IncidentVersionQuerySet:
        return self.filter(state=State.APPROVED)

    def withdrawn(self) -> IncidentVersionQuerySet:
        return self.filter(state=State.WITHDRAWN)

    def with_incident(self) -> IncidentVersionQuerySet:
        """With the incident (the address) and the context joined, as every page shows them."""
        return self.select_related("incident", "context")

    def listed(self) -> IncidentVersionQuerySet:
        """What a list row shows, fetched in a constant number of queries, in date order."""
        return self.prefetch_related("places", "categories", "perpetrators").order_by(
            "date_earliest", "title", "pk"
        )

    def translated(self, *, language: str) -> IncidentVersionQuerySet:
        """With the incident's published translation into ``language`` joined (at most one):
        ``translated_title``, ``translated_summary``, ``translated_description``,
        ``translated_date_text`` and ``translated_digest``, each ``None`` without one. A join,
        not a query: a translated page costs the queries of the original's. The original
        language joins nothing."""
        language = base_language(language)
        if language == ORIGINAL_LANGUAGE:
            return self
        return self.annotate(
            published_translation=FilteredRelation(
                "incident__translations",
                condition=Q(
                    incident__translations__language=language,
                    incident__translations__state=State.PUBLISHED,
                ),
            ),
            translated_title=F("published_translation__title"),
            translated_summary=F("published_translation__summary"),
            translated_description=F("published_translation__description"),
            translated_date_text=F("published_translation__date_text"),
            translated_digest=F("published_translation__original_digest"),
        )

    def with_published_related(self) -> IncidentVersionQuerySet:
        """Each version's related incidents that the public can read, with their published
        titles, as ``published_related``: an unpublished or withdrawn incident is never named."""
        return self.prefetch_related(_published_related())

    def with_page_content(self, *, language: str = ORIGINAL_LANGUAGE) -> IncidentVersionQuerySet:
        """Everything the incident page shows, in a constant number of queries; the related
        incidents' titles with their published translations into ``language`` joined (see
        ``_published_related``)."""
        return self.prefetch_related(
            "places",
            "categories",
            # Each perpetrator is named with its parent organisation.
            Prefetch("perpetrators", queryset=Actor.objects.select_related("parent")),
            "victim_groups",
            "incident__proceedings",
            "incident__corrections",
            _published_related(language),
            Prefetch(
                "estimates",
                # Who verified a figure: its provenance names their role (never the name).
                queryset=Estimate.objects.select_related("source", "verified_by").prefetch_related(
                    Prefetch("citations", queryset=Citation.objects.select_related("source")),
                    "verified_by__groups",
                ),
            ),
            Prefetch(
                "citations",
                queryset=Citation.objects.filter(estimate__isnull=True).select_related("source"),
                to_attr="incident_citations",
            ),
        )

    def get_by_natural_key(self, slug: str, number: int) -> IncidentVersion:
        return self.get(incident__slug=slug, number=number)


def _published_related(language: str = ORIGINAL_LANGUAGE) -> Prefetch:
    """The related incidents the public can read, each with its published ``title`` and, in
    another language than the original, the ``translated_title`` of its published translation
    into it (``None`` without one): a join, not a query. In the order of the titles shown."""
    queryset = Incident.objects.published().annotate(title=F("versions__title"))
    language = base_language(language)
    if language == ORIGINAL_LANGUAGE:
        return Prefetch("related", queryset=queryset.order_by("title"), to_attr="published_related")
    queryset = queryset.annotate(
        published_translation=FilteredRelation(
            "translations",
            condition=Q(translations__language=language, translations__state=State.PUBLISHED),
        ),
        translated_title=F("published_translation__title"),
    ).order_by(Coalesce(NullIf(F("translated_title"), Value("")), F("title")))
    return Prefetch("related", queryset=queryset, to_attr="published_related")


class IncidentVersion(DateRangeMixin, models.Model):
    """One version of an incident's content, with its estimates and citations."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(editable=False)
    state = models.CharField(max_length=20, choices=State, default=State.DRAFT, editable=False)
    # Optimistic lock: every save of the content bumps it; a save based on an older value is
    # refused instead of overwriting somebody else's work.
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    title = models.CharField(max_length=300)
    summary = models.TextField(help_text=_("One or two sentences for lists and previews."))
    description = models.TextField(
        blank=True, help_text=_("Markdown. Links and emphasis are kept; scripts are removed.")
    )
    date = models.CharField(
        _("date (EDTF)"),
        max_length=100,
        help_text=_("Extended Date/Time Format: 1940-04/1940-05, 1945-04~, 1941/1942."),
    )
    date_text = models.CharField(
        _("date as written"), max_length=200, help_text=_("e.g. “April and May 1940”.")
    )
    date_earliest = models.DateField(editable=False)
    date_latest = models.DateField(editable=False)
    # Through explicit link models, so that no record a version names can be deleted.
    places = models.ManyToManyField(
        Place, blank=True, related_name="versions", through="VersionPlace"
    )
    categories = models.ManyToManyField(
        Category, related_name="versions", through="VersionCategory"
    )
    perpetrators = models.ManyToManyField(
        Actor, blank=True, related_name="versions", through="VersionPerpetrator"
    )
    victim_groups = models.ManyToManyField(
        VictimGroup, blank=True, related_name="versions", through="VersionVictimGroup"
    )
    context = models.ForeignKey(
        Context, null=True, blank=True, on_delete=models.PROTECT, related_name="versions"
    )
    related = models.ManyToManyField(
        Incident, blank=True, related_name="related_from", help_text=_("Related incidents.")
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    publish_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("Scheduled publication time.")
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    public_note = models.TextField(
        blank=True,
        editable=False,
        help_text=_("Correction note or withdrawal reason shown to the public."),
    )
    # Derived when the version is published (published content never changes afterwards).
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    has_conflict = models.BooleanField(
        default=False, editable=False, help_text=_("Its estimates of one measure disagree.")
    )

    objects = IncidentVersionQuerySet.as_manager()
    # Set by the prefetches of with_page_content() and with_published_related().
    incident_citations: list[Citation]
    published_related: list[Incident]

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["incident", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "number"], name="version_number_unique"),
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(state__in=OPEN_STATES),
                name="one_open_version_per_incident",
            ),
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(state=State.PUBLISHED),
                name="one_published_version_per_incident",
            ),
            models.CheckConstraint(
                condition=Q(date_earliest__lte=F("date_latest")), name="version_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(state__in=State.values), name="version_state_known"),
        ]
        permissions = [
            ("submit_version", "Can submit a version for review"),
            ("review_version", "Can verify estimates, approve or send back a version"),
            ("publish_version", "Can publish, schedule and withdraw a version"),
        ]
        indexes = [
            # The public list's order, with the columns its filters read (PostgreSQL keeps
            # them in the index, SQLite leaves them out): a page of the list, however deep
            # and however filtered by date, context or conflict, is found in the index alone.
            models.Index(
                fields=["state", "date_earliest", "title", "id"],
                include=["date_latest", "has_conflict", "context"],
                name="version_listing",
            ),
            models.Index(fields=["state", "published_at"], name="version_state_published"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number}, {self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()

    def natural_key(self) -> tuple[str, int]:
        return (self.incident.slug, self.number)

    natural_key.dependencies = ["archive.incident"]  # type: ignore[attr-defined]

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def cited_source_ids(self) -> set[int]:
        """The sources its figures and citations name; from ``with_page_content()``, no query."""
        ids = {citation.source_id for citation in self.incident_citations}
        for estimate in self.estimates.all():
            if estimate.source_id:
                ids.add(estimate.source_id)
            ids |= {citation.source_id for citation in estimate.citations.all()}
        return ids


class VersionLink(models.Model):
    """A version naming a reference record. Versions are history: what one said stays as it
    was, published, superseded, withdrawn or draft, so the record it names cannot be deleted
    (``PROTECT``, superusers included) while the version keeps it. The tables, columns and
    unique pairs (``unique_together``, as Django named them) are those Django created for the
    plain many-to-many fields these links replaced."""

    incidentversion = models.ForeignKey(IncidentVersion, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.incidentversion)


class VersionPlace(VersionLink):
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionLink.Meta):
        db_table = "archive_incidentversion_places"
        unique_together = [("incidentversion", "place")]
        verbose_name = _("version naming this place")


class VersionCategory(VersionLink):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionLink.Meta):
        db_table = "archive_incidentversion_categories"
        unique_together = [("incidentversion", "category")]
        verbose_name = _("version in this category")


class VersionPerpetrator(VersionLink):
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionLink.Meta):
        db_table = "archive_incidentversion_perpetrators"
        unique_together = [("incidentversion", "actor")]
        verbose_name = _("version naming this perpetrator")


class VersionVictimGroup(VersionLink):
    victimgroup = models.ForeignKey(VictimGroup, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionLink.Meta):
        db_table = "archive_incidentversion_victim_groups"
        unique_together = [("incidentversion", "victimgroup")]
        verbose_name = _("version naming this victim group")
