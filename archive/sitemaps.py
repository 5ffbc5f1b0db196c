from __future__ import annotations

import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from archive.models import IncidentVersion


class InEveryLanguage(Sitemap):
    """Each page once per language, each entry naming the page's other languages (hreflang
    alternates, English as x-default): Django's sitemap i18n."""

    i18n = True
    alternates = True
    x_default = True


class IncidentSitemap(InEveryLanguage):
    changefreq = "monthly"
    limit = 10_000  # entries: a page of the sitemap names 2,000 incidents in 5 languages

    def items(self) -> QuerySet[IncidentVersion]:
        return (
            IncidentVersion.objects.published()
            .select_related("incident")
            .only("incident__slug", "published_at")
            .order_by("pk")
        )

    def location(self, version: IncidentVersion) -> str:
        return version.get_absolute_url()

    def lastmod(self, version: IncidentVersion) -> datetime.datetime | None:
        return version.published_at


class PageSitemap(InEveryLanguage):
    changefreq = "weekly"

    def items(self) -> list[str]:
        return [
            "archive:home",
            "archive:incident_list",
            "archive:source_list",
            "archive:corrections",
            "archive:about",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


SITEMAPS = {"incidents": IncidentSitemap, "pages": PageSitemap}
