"""Sources: the publications figures and citations come from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from archive.models.figures import Citation, Estimate
from archive.models.incidents import IncidentVersion
from archive.models.records import DATA_PERMISSIONS

if TYPE_CHECKING:
    from archive.models.snapshots import Snapshot


class SourceQuerySet(models.QuerySet["Source"]):
    def published(self) -> SourceQuerySet:
        """Sources a published version cites, by a figure or by a citation (each once)."""
        published = IncidentVersion.objects.published()
        return self.filter(
            Q(pk__in=Estimate.objects.filter(version__in=published).values("source"))
            | Q(pk__in=Citation.objects.filter(version__in=published).values("source"))
        )

    def get_by_natural_key(self, key: str) -> Source:
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
    isbn = models.CharField(_("ISBN"), max_length=20, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    archived_url = models.URLField(_("archived URL"), max_length=1000, blank=True)
    language = models.CharField(max_length=10, blank=True, help_text=_("ISO 639-1, e.g. en."))
    never_third_parties = models.BooleanField(
        _("never send to third parties"),
        default=False,
        help_text=_(
            "Never ask a third-party archive (the Internet Archive) to save this URL: doing so "
            "tells them what the archive is looking at. The archive's own captures go on."
        ),
    )

    objects = SourceQuerySet.as_manager()

    # Set by snapshots.attach_copies() for the pages that show the archived copy.
    archived: Snapshot | None
    original_gone: bool

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
