"""The domain: incidents and their versioned content, estimates, sources and reference records.

An ``Incident`` is a stable identity (slug). Its content lives in ``IncidentVersion`` rows, each
with its own estimates and citations; the version's ``state`` says where it stands in the
editorial workflow. The public site only ever starts from ``IncidentVersion.objects.published()``.
Workflow state is changed by ``editorial.services`` alone.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Container, Sequence
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from archive.dates import parse_date_range


class DateRangeMixin:
    """A model with an EDTF ``date`` and the sortable range derived from it, kept in step on
    every save (``update_fields`` naming ``date`` writes the range too) and checked by
    ``clean``. The derivation is ``archive.dates.parse_date_range``."""

    date: str
    date_earliest: datetime.date
    date_latest: datetime.date

    def save(self, *args: Any, **kwargs: Any) -> None:
        span = parse_date_range(self.date)
        self.date_earliest, self.date_latest = span.earliest, span.latest
        if kwargs.get("update_fields") is not None and "date" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "date_earliest", "date_latest"}
        super().save(*args, **kwargs)  # type: ignore[misc]

    def clean(self) -> None:
        super().clean()  # type: ignore[misc]
        try:
            parse_date_range(self.date)
        except ValidationError as error:
            raise ValidationError({"date": error}) from None


class NamedQuerySet(models.QuerySet):
    def published(self) -> NamedQuerySet:
        """Records a published version names: reference records are public only through a
        published incident. One row per such version (``distinct()`` for one per record;
        ``Count("versions")`` after it counts the published versions only)."""
        return self.filter(versions__state=State.PUBLISHED)

    def get_by_natural_key(self, name: str):
        return self.get(name=name)


class Category(models.Model):
    """A controlled list, shipped by a data migration."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    objects = NamedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

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


class SourceQuerySet(models.QuerySet):
    def published(self) -> SourceQuerySet:
        """Sources a published version cites, by a figure or by a citation (each once)."""
        published = IncidentVersion.objects.published()
        return self.filter(
            Q(pk__in=Estimate.objects.filter(version__in=published).values("source"))
            | Q(pk__in=Citation.objects.filter(version__in=published).values("source"))
        )

    def get_by_natural_key(self, key: str):
        return self.get(key=key)


class Source(models.Model):
    class Kind(models.TextChoices):
        BOOK = "book", _("book")
        CHAPTER = "chapter", _("chapter")
        ARTICLE = "article", _("article")
        REPORT = "report", _("report")
        ARCHIVAL_DOCUMENT = "archival_document", _("archival document")
        COURT_JUDGMENT = "court_judgment", _("court judgment")
        NEWS = "news", _("news")
        WEB_PAGE = "web_page", _("web page")
        FILM = "film", _("film")
        OTHER = "other", _("other")

    key = models.SlugField(
        max_length=100, unique=True, help_text=_("Stable key, e.g. naimark-1995.")
    )
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.BOOK)
    authors = models.CharField(
        max_length=500, blank=True, help_text=_("“Last, First”, several joined by “ and ”.")
    )
    title = models.CharField(max_length=500)
    container = models.CharField(
        max_length=500, blank=True, help_text=_("Journal, book or site it appears in.")
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    place = models.CharField(max_length=200, blank=True, help_text=_("Place of publication."))
    isbn = models.CharField("ISBN", max_length=20, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True)
    url = models.URLField("URL", max_length=1000, blank=True)
    archived_url = models.URLField("archived URL", max_length=1000, blank=True)
    language = models.CharField(max_length=10, blank=True, help_text=_("ISO 639-1, e.g. en."))

    objects = SourceQuerySet.as_manager()

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["authors", "year", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url="") | Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="source_url_is_web_address",
            ),
            models.CheckConstraint(
                condition=Q(archived_url="")
                | Q(archived_url__startswith="http://")
                | Q(archived_url__startswith="https://"),
                name="source_archived_url_is_web_address",
            ),
        ]

    def __str__(self) -> str:
        lead = self.authors.split(" and ")[0].split(",")[0] if self.authors else self.title
        return f"{lead} {self.year or 'n.d.'} — {self.title}" if self.authors else self.title

    def get_absolute_url(self) -> str:
        return reverse("archive:source", args=[self.key])

    def natural_key(self) -> tuple[str]:
        return (self.key,)


class IncidentQuerySet(models.QuerySet):
    def published(self) -> IncidentQuerySet:
        """Incidents the public can read: those with a published version (at most one)."""
        return self.filter(versions__state=State.PUBLISHED)

    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)


class Incident(models.Model):
    """The stable identity of an incident; its content lives in versions."""

    slug = models.SlugField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentQuerySet.as_manager()

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
        verbose_name_plural = "incident aliases"

    def __str__(self) -> str:
        return f"{self.slug} → {self.incident.slug}"


class State(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    CHANGES_REQUESTED = "changes_requested", _("changes requested")
    APPROVED = "approved", _("approved")
    PUBLISHED = "published", _("published")
    SUPERSEDED = "superseded", _("superseded")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATES = (State.DRAFT, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED)
EDITABLE_STATES = (State.DRAFT, State.CHANGES_REQUESTED)


class IncidentVersionQuerySet(models.QuerySet):
    def published(self) -> IncidentVersionQuerySet:
        """The versions the public reads: every public page starts from here."""
        return self.filter(state=State.PUBLISHED)

    def open(self) -> IncidentVersionQuerySet:
        return self.filter(state__in=OPEN_STATES)

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
            "date_earliest", "title"
        )

    def with_published_related(self) -> IncidentVersionQuerySet:
        """Each version's related incidents that the public can read, with their published
        titles, as ``published_related``: an unpublished or withdrawn incident is never named."""
        return self.prefetch_related(_published_related())

    def with_page_content(self) -> IncidentVersionQuerySet:
        """Everything the incident page shows, in a constant number of queries."""
        return self.prefetch_related(
            "places",
            "categories",
            "perpetrators",
            "victim_groups",
            "incident__proceedings",
            "incident__corrections",
            _published_related(),
            Prefetch(
                "estimates",
                queryset=Estimate.objects.select_related("source").prefetch_related(
                    Prefetch("citations", queryset=Citation.objects.select_related("source"))
                ),
            ),
            Prefetch(
                "citations",
                queryset=Citation.objects.filter(estimate__isnull=True).select_related("source"),
                to_attr="incident_citations",
            ),
        )

    def get_by_natural_key(self, slug: str, number: int):
        return self.get(incident__slug=slug, number=number)


def _published_related() -> Prefetch:
    return Prefetch(
        "related",
        queryset=Incident.objects.published()
        .annotate(title=F("versions__title"))
        .order_by("title"),
        to_attr="published_related",
    )


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
        "date (EDTF)",
        max_length=100,
        help_text=_("Extended Date/Time Format: 1940-04/1940-05, 1945-04~, 1941/1942."),
    )
    date_text = models.CharField(
        "date as written", max_length=200, help_text=_("e.g. “April and May 1940”.")
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
            models.Index(fields=["state", "date_earliest"], name="version_state_date"),
            models.Index(fields=["state", "published_at"], name="version_state_published"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.number}, {self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()

    def natural_key(self) -> tuple[str, int]:
        return (self.incident.slug, self.number)

    natural_key.dependencies = ["archive.incident"]

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


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
        verbose_name = "version naming this place"


class VersionCategory(VersionLink):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionLink.Meta):
        db_table = "archive_incidentversion_categories"
        unique_together = [("incidentversion", "category")]
        verbose_name = "version in this category"


class VersionPerpetrator(VersionLink):
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionLink.Meta):
        db_table = "archive_incidentversion_perpetrators"
        unique_together = [("incidentversion", "actor")]
        verbose_name = "version naming this perpetrator"


class VersionVictimGroup(VersionLink):
    victimgroup = models.ForeignKey(VictimGroup, on_delete=models.PROTECT, related_name="+")

    class Meta(VersionLink.Meta):
        db_table = "archive_incidentversion_victim_groups"
        unique_together = [("incidentversion", "victimgroup")]
        verbose_name = "version naming this victim group"


class Measure(models.TextChoices):
    KILLED = "killed", _("killed")
    # Deaths of any cause where the source does not say the victims were killed: hunger,
    # disease, cold, transport. Deaths in camps and prisons are ``died_in_custody``.
    DIED = "died", _("died")
    DIED_IN_CUSTODY = "died_in_custody", _("died in custody")
    DEPORTED = "deported", _("deported")
    RAPED = "raped", _("raped")
    INJURED = "injured", _("injured")
    MISSING = "missing", _("missing")
    CAPTURED = "captured", _("captured")
    AFFECTED = "affected", _("affected")


class Qualifier(models.TextChoices):
    EXACT = "exact", _("exact")
    ABOUT = "about", _("about")
    AT_LEAST = "at_least", _("at least")
    OVER = "over", _("over")
    AT_MOST = "at_most", _("at most")
    UP_TO = "up_to", _("up to")
    # "nearly 1,000", "almost 780,000": a little below the figure, how far not said.
    ALMOST = "almost", _("almost")


class Per(models.TextChoices):
    """The period of a rate (“10 girls each day”): a rate is never summed or compared with a
    count."""

    DAY = "day", _("day")
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


class Assessment(models.TextChoices):
    PREFERRED = "preferred", _("preferred")
    ACCEPTED = "accepted", _("accepted")
    CONTESTED = "contested", _("contested")
    REJECTED = "rejected", _("rejected")


class ClaimantPosition(models.TextChoices):
    PERPETRATOR_STATE = "perpetrator_state", _("the perpetrator state's own records")
    VICTIM_SIDE = "victim_side", _("the victims' side or their state")
    INDEPENDENT_SCHOLARSHIP = "independent_scholarship", _("independent scholarship")
    COURT = "court", _("a court")
    INTERNATIONAL_BODY = "international_body", _("an international body")
    JOURNALISM = "journalism", _("journalism")
    WITNESS = "witness", _("a witness")
    UNKNOWN = "unknown", _("not stated")


class Verification(models.TextChoices):
    UNVERIFIED = "unverified", _("unverified")
    VERIFIED = "verified", _("verified")
    QUERIED = "queried", _("queried")


class EstimateQuerySet(models.QuerySet):
    def published(self) -> EstimateQuerySet:
        """The figures of published versions."""
        return self.filter(version__state=State.PUBLISHED)

    def not_verified(self) -> EstimateQuerySet:
        return self.exclude(verification=Verification.VERIFIED)

    def get_by_natural_key(self, slug: str, number: int, ref: str):
        return self.get(version__incident__slug=slug, version__number=number, ref=ref)


class Estimate(models.Model):
    """One published figure for one measure of one incident, as one claimant gives it."""

    version = models.ForeignKey(IncidentVersion, on_delete=models.CASCADE, related_name="estimates")
    ref = models.SlugField(
        max_length=100, help_text=_("Stable key that follows the estimate from version to version.")
    )
    measure = models.CharField(max_length=20, choices=Measure, default=Measure.KILLED)
    low = models.BigIntegerField(null=True, blank=True)
    best = models.BigIntegerField(null=True, blank=True)
    high = models.BigIntegerField(null=True, blank=True)
    qualifier = models.CharField(max_length=10, choices=Qualifier, default=Qualifier.EXACT)
    as_written = models.CharField(
        "figure as written", max_length=200, help_text=_("e.g. “about 1.0 million”, “44–3,000”.")
    )
    claimant = models.CharField(
        max_length=300, help_text=_("Who gives the figure, e.g. Soviet archives.")
    )
    claimant_position = models.CharField(
        max_length=30, choices=ClaimantPosition, default=ClaimantPosition.UNKNOWN
    )
    claim_year = models.PositiveSmallIntegerField(null=True, blank=True)
    assessment = models.CharField(max_length=10, choices=Assessment, default=Assessment.ACCEPTED)
    assessment_reason = models.TextField(
        blank=True, help_text=_("Required when the estimate is contested or rejected.")
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="estimates",
        help_text=_("Where the figure is published."),
    )
    locator = models.CharField(max_length=200, blank=True, help_text=_("e.g. pp. 70–71."))
    quote = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    # What the figure counts (archive/estimates.py draws the consequences: only figures that
    # count the same thing can disagree, and only whole counts make a headline or a total).
    scope = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "When the figure counts only some of the victims: a group, a period or a place "
            "(“girls”, “1930–1931”). Empty: all the victims of this measure."
        ),
    )
    part_of = models.SlugField(
        "part of",
        max_length=100,
        blank=True,
        help_text=_(
            "The ref of the figure of this incident that this one breaks down (the 20 girls "
            "of the 360 shot)."
        ),
    )
    share_low = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a proportion: the lowest percentage (one third is 33.33)."),
    )
    share_high = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a proportion: the highest percentage."),
    )
    share_of = models.SlugField(
        "share of",
        max_length=100,
        blank=True,
        help_text=_("The ref of the figure of this incident that the percentage is taken of."),
    )
    per = models.CharField(
        max_length=5,
        choices=Per,
        blank=True,
        help_text=_("For a rate (“10 each day”): the period. Rates are never summed."),
    )

    verification = models.CharField(
        max_length=12, choices=Verification, default=Verification.UNVERIFIED, editable=False
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    query_note = models.TextField(blank=True, editable=False)

    objects = EstimateQuerySet.as_manager()

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["version", "measure", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "ref"], name="estimate_ref_unique_in_version"
            ),
            models.CheckConstraint(condition=Q(low__gte=0), name="estimate_low_non_negative"),
            models.CheckConstraint(condition=Q(best__gte=0), name="estimate_best_non_negative"),
            models.CheckConstraint(condition=Q(high__gte=0), name="estimate_high_non_negative"),
            models.CheckConstraint(condition=Q(low__lte=F("best")), name="estimate_low_le_best"),
            models.CheckConstraint(condition=Q(best__lte=F("high")), name="estimate_best_le_high"),
            models.CheckConstraint(condition=Q(low__lte=F("high")), name="estimate_low_le_high"),
            models.CheckConstraint(
                condition=Q(low__isnull=False)
                | Q(best__isnull=False)
                | Q(high__isnull=False)
                | Q(share_low__isnull=False)
                | Q(share_high__isnull=False),
                name="estimate_has_a_figure",
            ),
            # A share is a percentage of another figure: the count it implies is arithmetic,
            # never stored as if a source had given it.
            models.CheckConstraint(
                condition=(
                    Q(share_low__isnull=True, share_high__isnull=True, share_of="")
                    | (
                        (Q(share_low__isnull=False) | Q(share_high__isnull=False))
                        & ~Q(share_of="")
                        & Q(low__isnull=True, best__isnull=True, high__isnull=True)
                        & Q(part_of="", per="")
                    )
                ),
                name="estimate_share_is_a_share",
            ),
            models.CheckConstraint(
                condition=Q(share_low__gte=0, share_low__lte=100) | Q(share_low__isnull=True),
                name="estimate_share_low_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(share_high__gte=0, share_high__lte=100) | Q(share_high__isnull=True),
                name="estimate_share_high_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(share_low__lte=F("share_high")),
                name="estimate_share_low_le_high",
            ),
            models.CheckConstraint(
                condition=~Q(part_of=F("ref")) & ~Q(share_of=F("ref")),
                name="estimate_not_related_to_itself",
            ),
            models.CheckConstraint(
                condition=Q(assessment__in=[Assessment.PREFERRED, Assessment.ACCEPTED])
                | ~Q(assessment_reason=""),
                name="estimate_doubt_has_a_reason",
            ),
            models.CheckConstraint(
                condition=~Q(verification=Verification.VERIFIED)
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="estimate_verified_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        # Plain values, not translated labels: imports print thousands of these.
        return f"{self.as_written} {self.measure.replace('_', ' ')} ({self.claimant})"

    def clean(self) -> None:
        """Say what is wrong with the figures and how to write them instead."""
        errors: dict[str, str] = {}
        figures = {"low": self.low, "best": self.best, "high": self.high}
        for name, value in figures.items():
            if value is not None and value < 0:
                errors[name] = (
                    f"{value} is negative. Figures count people: enter 0 or more, and put any "
                    "wording in “figure as written”."
                )
        shares = {"share_low": self.share_low, "share_high": self.share_high}
        is_share = any(value is not None for value in shares.values())
        if all(value is None for value in figures.values()) and not is_share:
            errors["best"] = (
                "Enter at least one figure: best for a single number, low and high for a range "
                "(“44–3,000” is low 44, high 3000), low alone for “over 20,000”; or a share "
                "low/high in percent with the figure it is a share of."
            )
        for name, value in shares.items():
            if value is not None and not 0 <= value <= 100:
                errors[name] = (
                    f"{value} % is not a share: enter a percentage from 0 to 100 "
                    "(one third is 33.33)."
                )
        if (
            not errors.keys() & shares.keys()
            and self.share_low is not None
            and self.share_high is not None
            and self.share_low > self.share_high
        ):
            errors["share_low"] = (
                f"Share low ({self.share_low} %) is above share high ({self.share_high} %): "
                "swap them."
            )
        if is_share and not self.share_of:
            errors["share_of"] = (
                "Say which figure of this incident the percentage is taken of: its ref."
            )
        if self.share_of and not is_share:
            errors["share_low"] = (
                "Enter the percentage (share low and/or high), or clear “share of”."
            )
        if is_share and any(value is not None for value in figures.values()):
            errors.setdefault(
                "best",
                "A share is given as a percentage: leave low, best and high empty. The page "
                "shows the count it implies as derived arithmetic, not as the source's figure.",
            )
        if is_share and (self.part_of or self.per):
            errors["share_of"] = (
                "A share cannot also be a part or a rate: enter one of part of, share or per."
            )
        if self.ref and self.ref in (self.part_of, self.share_of):
            field = "part_of" if self.part_of == self.ref else "share_of"
            errors[field] = "A figure cannot be a part or a share of itself."
        pairs = [("low", "best"), ("best", "high"), ("low", "high")]
        for smaller, larger in pairs:
            a, b = figures[smaller], figures[larger]
            if a is not None and b is not None and a > b and smaller not in errors:
                errors[smaller] = (
                    f"{smaller.capitalize()} ({a:,}) is above {larger} ({b:,}). "
                    f"Low ≤ best ≤ high: swap them, or check for a mistyped digit."
                )
        if (
            self.assessment in (Assessment.CONTESTED, Assessment.REJECTED)
            and not (self.assessment_reason or "").strip()
        ):
            errors["assessment_reason"] = (
                f"Say why this estimate is {self.assessment}: readers see the reason beside it."
            )
        if errors:
            raise ValidationError(errors)

    def natural_key(self) -> tuple[str, int, str]:
        return (*self.version.natural_key(), self.ref)

    natural_key.dependencies = ["archive.incidentversion"]


def estimate_ref(
    *,
    incident: str,
    measure: str,
    claim: Sequence[str] | None = None,
    taken: Container[str] = frozenset(),
) -> str:
    """The ref of a figure entered without one: the incident's slug, the measure, then

    - with ``claim`` (what identifies it: measure, claimant, as written, source, locator), a
      digest of it, so that an import read again finds the same figure (katyn-killed-1f0e2c9a);
    - else the first number no other figure of the version has ``taken`` (katyn-killed-1), for
      a figure typed into the admin or generated.
    """
    stem = slugify(f"{incident}-{measure or 'figure'}")[:REF_STEM_LENGTH]
    if claim is not None:
        return f"{stem}-{hashlib.blake2s('|'.join(claim).encode()).hexdigest()[:8]}"
    number = 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


# Room for the number or the digest after the stem, within the ref's 100 characters.
REF_STEM_LENGTH = 90


class Citation(models.Model):
    """Links a version (and optionally one of its estimates) to a source."""

    version = models.ForeignKey(IncidentVersion, on_delete=models.CASCADE, related_name="citations")
    estimate = models.ForeignKey(
        Estimate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="citations",
        help_text=_("Leave empty for a citation of the incident as a whole."),
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    locator = models.CharField(max_length=200, blank=True, help_text=_("e.g. pp. 70–71."))
    quote = models.TextField(blank=True)
    note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["version", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.source.key}, {self.locator}" if self.locator else self.source.key


class Headline(models.Model):
    """The numbers of one measure's headline of a published version
    (``archive.estimates.headlines``), kept at publication so that totals across incidents are
    one SQL sum. Only what a total adds is kept: the page and the API word the headline from
    the figures each time. A change to the headline rule needs a data migration that derives
    these rows again (as 0013 does)."""

    version = models.ForeignKey(IncidentVersion, on_delete=models.CASCADE, related_name="headlines")
    measure = models.CharField(max_length=20, choices=Measure)
    low = models.BigIntegerField(null=True, blank=True)
    high = models.BigIntegerField(null=True, blank=True)
    high_open = models.BooleanField(default=False)

    class Meta:
        default_permissions = ()
        ordering = ["version", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["version", "measure"], name="headline_one_per_measure"),
            models.CheckConstraint(condition=Q(low__lte=F("high")), name="headline_low_le_high"),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.low}–{'…' if self.high_open else self.high}"


class ProceedingQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug: str):
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
        "date (EDTF)", max_length=100, help_text=_("e.g. 2019-03-27, 2003, 1995.")
    )
    date_text = models.CharField("date as written", max_length=200, blank=True)
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


def protect_if_published(collector, field, sub_objs, using) -> None:
    """``on_delete`` of a proceeding's links to incidents: a proceeding that a published
    incident's page shows is public and cannot be deleted; links to incidents nobody can read
    go with the proceeding."""
    shown = list(sub_objs.filter(incident__in=Incident.objects.published()))
    if shown:
        raise models.ProtectedError(
            "A published incident shows this proceeding: it cannot be deleted. Retire it "
            "through a reviewed change instead.",
            shown,
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
        verbose_name = "incident page showing this proceeding"

    def __str__(self) -> str:
        return str(self.incident)


class Publication(models.Model):
    """One row: how many times published content has changed, and when it last did."""

    generation = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="publication_single_row")]

    def __str__(self) -> str:
        return f"generation {self.generation} at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class IncidentPageQuerySet(models.QuerySet):
    def published(self) -> IncidentPageQuerySet:
        """The stored pages of published versions."""
        return self.filter(version__state=State.PUBLISHED)


class IncidentPage(models.Model):
    """A published version's page, rendered when it is published and served as it is.

    A published version never changes, so its page changes only when something it shows
    does: a reference record (source, place, actor…), a related incident's title, or the code
    and templates that render it (``build``). Those changes delete the rows they affect, and
    a missing or outdated row is rendered again by the next reader (``archive.pages``).
    """

    version = models.OneToOneField(
        IncidentVersion, primary_key=True, on_delete=models.CASCADE, related_name="page"
    )
    html = models.TextField()
    build = models.CharField(max_length=32)
    rendered_at = models.DateTimeField(default=timezone.now)

    objects = IncidentPageQuerySet.as_manager()

    def __str__(self) -> str:
        return f"page of version {self.version_id} ({self.build})"


class CorrectionQuerySet(models.QuerySet):
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

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.incident.slug} on {self.created_at:%Y-%m-%d}"
