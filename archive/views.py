"""The public reading site. Every view starts from ``IncidentVersion.objects.published()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, pgettext
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from archive import pages
from archive.caching import filter_key, memoised, page_with_kept_count
from archive.filters import IncidentFilter, linked
from archive.models import (
    Actor,
    Category,
    Context,
    Correction,
    Estimate,
    IncidentAlias,
    IncidentVersion,
    IncidentVersionQuerySet,
    Place,
    Source,
    attach_copies,
)
from archive.timeline import TIMELINE_LIMIT, build_timeline
from archive.totals import totals

PAGE_SIZE = 50


def page_of[M: Model](request: HttpRequest, queryset: QuerySet[M]) -> Page[M]:
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    versions = IncidentVersion.objects.published().with_incident()
    recent = versions.listed().translated(language=get_language()).order_by("-published_at")[:8]
    categories = (
        Category.objects.published()
        .annotate(incident_count=Count("versions"))
        .order_by("-incident_count", "name")
    )
    return render(
        request,
        "archive/home.html",
        {
            "recent": recent,
            "categories": categories,
            "incident_count": versions.count(),
            "estimate_count": Estimate.objects.published().count(),
            "source_count": Source.objects.published().count(),
        },
    )


class Facet(TypedDict):
    key: str
    label: str
    count: int


def facets(versions: QuerySet[IncidentVersion]) -> dict[str, list[Facet]]:
    """How many of the matching incidents fall in each category, country and context."""
    matching = IncidentVersion.objects.filter(pk__in=versions.values("pk"))

    def count(slug: str, name: str) -> list[Facet]:
        rows = (
            matching.exclude(**{f"{slug}__isnull": True})
            .values(key=F(slug), label=F(name))
            .annotate(count=Count("pk", distinct=True))
            .order_by("-count", "label")
        )
        return list(rows)

    return {
        "category": count("categories__slug", "categories__name"),
        "country": [row for row in count("places__country", "places__country") if row["key"]],
        "context": count("context__slug", "context__name"),
    }


@require_safe
def incident_list(request: HttpRequest) -> HttpResponse:
    filterset = IncidentFilter(
        request.GET, queryset=IncidentVersion.objects.published().with_incident().listed()
    )
    active = active_filters(request, filterset)
    if not filterset.is_valid():
        context = {
            "filter": filterset,
            "page": None,
            "facets": {},
            "active_filters": active,
            **filter_choices(),
        }
        return render(request, "archive/incident_list.html", context, status=400)
    versions = filterset.qs
    query = request.GET.copy()
    query.pop("page", None)
    facet_key = filter_key(filterset)
    number = request.GET.get("page")
    return render(
        request,
        "archive/incident_list.html",
        {
            "filter": filterset,
            "page": page_with_kept_count(
                versions, PAGE_SIZE, number, get_language(), filterset.runs()
            ),
            # The counts depend on the filters only: every page of one search shares them.
            "facets": memoised("facets", lambda: facets(versions), facet_key),
            "totals": memoised("totals", lambda: totals(versions), facet_key),
            "query": query.urlencode(),
            "filtered": bool(active),
            "active_filters": active,
            **filter_choices(),
        },
    )


def active_filters(request: HttpRequest, filterset: IncidentFilter) -> int:
    """How many of the list's filters the request sets (the order is no filter)."""
    return sum(
        1 for name in filterset.filters if name != "ordering" and request.GET.get(name, "").strip()
    )


class FilterValues(TypedDict):
    all_categories: list[Category]
    all_countries: list[str]
    all_contexts: list[Context]


class FilterChoices(FilterValues):
    ordering_choices: list[tuple[str, str]]


def filter_choices() -> FilterChoices:
    # The values come from the database once per publication; their labels in each request's
    # language.
    values = memoised("filter-choices", _filter_choices)
    return {
        "all_categories": values["all_categories"],
        "all_countries": values["all_countries"],
        "all_contexts": values["all_contexts"],
        "ordering_choices": [
            ("date", gettext("date, earliest first")),
            ("-date", gettext("date, latest first")),
            ("title", pgettext("order by", "title")),
            ("-published", gettext("recently published")),
        ],
    }


def _filter_choices() -> FilterValues:
    """The values readers can pick from: only those that published incidents use."""
    return {
        "all_categories": list(Category.objects.published().distinct()),
        "all_countries": list(
            Place.objects.published()
            .exclude(country="")
            .values_list("country", flat=True)
            .distinct()
            .order_by("country")
        ),
        "all_contexts": list(Context.objects.published().distinct()),
    }


@require_safe
def incident_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The page stored when the version was published (one read), else rendered and kept."""
    html = pages.stored_page(slug)  # the page in the request's language
    if html is not None:
        return HttpResponse(html.replace(pages.ORIGIN, pages.origin(request)))
    seen_generation = pages.generation()
    version = (
        IncidentVersion.objects.published()
        .with_incident()
        .with_page_content(language=get_language())
        .translated(language=get_language())
        .filter(incident__slug=slug)
        .first()
    )
    if version is None:
        alias = IncidentAlias.objects.filter(slug=slug).select_related("incident").first()
        if alias is not None:
            return redirect(alias.incident.get_absolute_url(), permanent=True)
        withdrawn = (
            IncidentVersion.objects.withdrawn()
            .filter(incident__slug=slug)
            .order_by("-number")
            .first()
        )
        if withdrawn is None:
            raise Http404("No published incident at this address.")
        return render(request, "410.html", {"withdrawn": withdrawn}, status=410)
    html = pages.render_page(version)
    pages.store_rendered(version, html, seen_generation)
    return HttpResponse(html.replace(pages.ORIGIN, pages.origin(request)))


@require_safe
def source_list(request: HttpRequest) -> HttpResponse:
    sources = Source.objects.published()
    return render(request, "archive/source_list.html", {"page": page_of(request, sources)})


@require_safe
def source_detail(request: HttpRequest, key: str) -> HttpResponse:
    source = get_object_or_404(Source, key=key)
    citing = (
        IncidentVersion.objects.published()
        .with_incident()
        .filter(Q(estimates__source=source) | Q(citations__source=source))
        .listed()
        .distinct()
    )
    attach_copies([source])
    return _browse(request, source, citing, "archive/source_detail.html", with_totals=False)


@require_safe
def perpetrator_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = get_object_or_404(Actor, slug=slug)
    return _browse(
        request,
        actor,
        IncidentVersion.objects.published().with_incident().filter(perpetrators=actor),
    )


@require_safe
def place_detail(request: HttpRequest, slug: str) -> HttpResponse:
    place = get_object_or_404(Place, slug=slug)
    return _browse(
        request, place, IncidentVersion.objects.published().with_incident().filter(places=place)
    )


@require_safe
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    return _browse(
        request,
        category,
        IncidentVersion.objects.published().with_incident().filter(categories=category),
    )


@require_safe
def context_detail(request: HttpRequest, slug: str) -> HttpResponse:
    context = get_object_or_404(Context, slug=slug)
    return _browse(
        request,
        context,
        IncidentVersion.objects.published().with_incident().filter(context=context),
    )


@dataclass(frozen=True)
class Country:
    """A modern country as places name it: ``Place.country`` is plain text, so a country's
    page gathers every spelling of it that slugifies to the page's address."""

    name: str

    def __str__(self) -> str:
        return self.name

    @property
    def description(self) -> str:
        return f"Incidents at places that lie in present-day {self.name}."


@require_safe
def country_detail(request: HttpRequest, slug: str) -> HttpResponse:
    spellings = tuple(name for name in filter_choices()["all_countries"] if slugify(name) == slug)
    if not spellings:
        raise Http404("No published incident in this country.")
    versions = (
        IncidentVersion.objects.published()
        .with_incident()
        .filter(linked("places", place__country__in=spellings))
    )
    return _browse(request, Country(spellings[0]), versions)


def _browse(
    request: HttpRequest,
    subject: Model | Country,
    versions: IncidentVersionQuerySet,
    template: str = "archive/browse.html",
    *,
    with_totals: bool = True,
) -> HttpResponse:
    # Reference records are public only through a published incident. Like the incident
    # list, a page reads its keys and then its rows, and the count and totals are worked out
    # once per publication (every page of a category shares them).
    listed = versions.listed()
    page = page_with_kept_count(listed, PAGE_SIZE, request.GET.get("page"), get_language())
    if not page.paginator.count:
        return render(request, "404.html", status=404)
    context: dict[str, Any] = {"subject": subject, "page": page}
    if with_totals:
        context["totals"] = memoised(
            "totals", lambda: totals(versions), str(versions.order_by().query)
        )
    return render(request, template, context)


@require_safe
def corrections(request: HttpRequest) -> HttpResponse:
    entries = Correction.objects.with_public_incident().select_related("incident", "version")
    return render(request, "archive/corrections.html", {"page": page_of(request, entries)})


@require_safe
def timeline(request: HttpRequest) -> HttpResponse:
    filterset = IncidentFilter(
        request.GET, queryset=IncidentVersion.objects.published().with_incident()
    )
    if not filterset.is_valid():
        return render(request, "archive/timeline.html", {"filter": filterset}, status=400)
    versions = filterset.qs.translated(language=get_language()).order_by(
        "date_earliest", "date_latest", "title"
    )
    shown = list(versions[: TIMELINE_LIMIT + 1])
    return render(
        request,
        "archive/timeline.html",
        {
            "filter": filterset,
            "timeline": build_timeline(shown[:TIMELINE_LIMIT]),
            "truncated": len(shown) > TIMELINE_LIMIT,
            "limit": TIMELINE_LIMIT,
            **filter_choices(),
        },
    )


# Map tiles come from OpenStreetMap; everything else on the page stays same-origin.
TILE_HOST = "https://tile.openstreetmap.org"


@require_safe
@csp_override({**settings.SECURE_CSP, "img-src": [CSP.SELF, "data:", TILE_HOST]})
def place_map(request: HttpRequest) -> HttpResponse:
    places = (
        Place.objects.published()
        .annotate(incident_count=Count("versions", distinct=True))
        .order_by("country", "name")
    )
    return render(request, "archive/map.html", {"places": places, "tile_host": TILE_HOST})


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    licence = {"name": settings.DATA_LICENCE_NAME, "url": settings.DATA_LICENCE_URL}
    return render(request, "archive/about.html", {"licence": licence})


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri("/sitemap.xml")
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {sitemap}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 in the form the address speaks: JSON under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)
