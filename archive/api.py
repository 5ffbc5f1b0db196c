"""Read-only JSON API and the open data files, all from published versions only."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet
from django.db.models.manager import BaseManager
from django.http import Http404, HttpRequest, JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from archive.caching import page_with_kept_count
from archive.changes import FeedRequestError, feed_page, parse_cursor, parse_since
from archive.columns import (
    ESTIMATE_COLUMNS,
    INCIDENT_COLUMNS,
    SOURCE_COLUMNS,
    TRANSLATIONS_OUT_OF_DATE,
    translation_columns,
)
from archive.filters import IncidentFilter
from archive.models import (
    ORIGINAL_LANGUAGE,
    Actor,
    Category,
    Copies,
    Estimate,
    IncidentVersion,
    IncidentVersionQuerySet,
    Place,
    Source,
    Translation,
    Verification,
    VictimGroup,
    source_copies,
    translation_languages,
)
from archive.serializers import incident_detail, incident_summary, translation_cells
from archive.spreadsheet import safe_cell
from archive.totals import totals

API_PAGE_SIZE = 50
CHUNK = 500

INCIDENT_DATA_COLUMNS = [*INCIDENT_COLUMNS, "url", "version", "published_at"]


def incident_data_columns() -> list[str]:
    """The incidents file's columns: the import's, what only the open data says, then the
    published translations' (one per field and language of the site; ``archive.columns``)."""
    return [*INCIDENT_DATA_COLUMNS, *translation_columns(), TRANSLATIONS_OUT_OF_DATE]


def with_published_translations(
    versions: IncidentVersionQuerySet,
) -> IncidentVersionQuerySet:
    """Each version's incident with its published translations (``published_translations``),
    for the open data's translation columns."""
    return versions.prefetch_related(
        Prefetch(
            "incident__translations",
            queryset=Translation.objects.published(),
            to_attr="published_translations",
        )
    )


# After the import's columns, what only the open data says: whether a reviewer verified the
# figure, and the archived copy of its source (address and SHA-256; empty when none).
ESTIMATE_DATA_COLUMNS = [*ESTIMATE_COLUMNS, "verified", "snapshot_url", "snapshot_sha256"]


def base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def requested_language(request: HttpRequest) -> str | None:
    """``?lang=``: the language to give the text in (the original when absent); ``None``
    for one the site does not have."""
    asked = request.GET.get("lang")
    if asked is None:
        return ORIGINAL_LANGUAGE
    codes = [ORIGINAL_LANGUAGE, *(code for code, _name in translation_languages())]
    return asked if asked in codes else None


def language_refused(request: HttpRequest) -> JsonResponse:
    codes = [ORIGINAL_LANGUAGE, *(code for code, _name in translation_languages())]
    message = gettext(
        "“%(asked)s” is not a language of this archive; ask for one of %(codes)s."
    ) % {
        "asked": request.GET.get("lang", "")[:20],
        "codes": ", ".join(codes),
    }
    return JsonResponse({"errors": {"lang": [{"message": message, "code": "invalid"}]}}, status=400)


@require_safe
def incident_list(request: HttpRequest) -> JsonResponse:
    language = requested_language(request)
    if language is None:
        return language_refused(request)
    filterset = IncidentFilter(
        request.GET, queryset=IncidentVersion.objects.published().with_incident().listed()
    )
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors.get_json_data()}, status=400)
    number = request.GET.get("page")
    page = page_with_kept_count(filterset.qs, API_PAGE_SIZE, number, language, filterset.runs())
    query = request.GET.copy()

    def link(number: int) -> str:
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    root = base_url(request)
    return JsonResponse(
        {
            "count": page.paginator.count,
            "next": link(page.next_page_number()) if page.has_next() else None,
            "previous": link(page.previous_page_number()) if page.has_previous() else None,
            "results": [incident_summary(version, root, language) for version in page.object_list],
        }
    )


@require_safe
def incident_item(request: HttpRequest, slug: str) -> JsonResponse:
    language = requested_language(request)
    if language is None:
        return language_refused(request)
    version = (
        IncidentVersion.objects.published()
        .with_incident()
        .with_page_content()
        .translated(language=language)
        .filter(incident__slug=slug)
        .first()
    )
    if version is None:
        raise Http404("No published incident at this address.")
    return JsonResponse(incident_detail(version, base_url(request), language=language))


@require_safe
def aggregates(request: HttpRequest) -> JsonResponse:
    """Per measure, the sum of the headlines of the incidents the list's filters match."""
    filterset = IncidentFilter(
        request.GET, queryset=IncidentVersion.objects.published().with_incident()
    )
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.errors.get_json_data()}, status=400)
    return JsonResponse(
        {
            "results": [
                {
                    "measure": total.measure,
                    "low": total.low,
                    "high": total.high,
                    "high_open": total.high_open,
                    "incidents_with": total.incidents_with,
                    "incidents_without": total.incidents_without,
                }
                for total in totals(filterset.qs)
            ]
        }
    )


@require_safe
def changes(request: HttpRequest) -> JsonResponse:
    """What became public, was corrected or was withdrawn, in the order it happened."""
    try:
        cursor = request.GET.get("cursor")
        after = parse_cursor(cursor) if cursor is not None else None
        since = request.GET.get("since")
        page = feed_page(since=parse_since(since) if since is not None else None, after=after)
    except FeedRequestError as error:
        return JsonResponse(
            {"errors": {error.field: [{"message": error.message, "code": "invalid"}]}}, status=400
        )

    def at_cursor(number: int | None) -> str:
        if number is None:  # nothing new: ask the same question again
            return request.build_absolute_uri()
        return request.build_absolute_uri(f"{request.path}?cursor={number}")

    return JsonResponse(
        {
            "results": [
                {
                    "slug": entry.incident.slug,
                    "change": entry.kind,
                    "at": entry.at.isoformat().replace("+00:00", "Z"),
                    "version": entry.version.number,
                }
                for entry in page.entries
            ],
            "next": at_cursor(page.last) if page.more else None,
            "poll": at_cursor(page.last if page.last is not None else after),
        }
    )


class Echo:
    def write(self, value: str) -> str:
        return value


def stream_csv(
    filename: str, header: list[str], rows: Iterable[list[object]]
) -> StreamingHttpResponse:
    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _names[M: (Place, Category, Actor, VictimGroup)](manager: BaseManager[M]) -> str:
    return "|".join(sorted(item.name for item in manager.all()))


def published_in_chunks(queryset: QuerySet[IncidentVersion]) -> Iterator[IncidentVersion]:
    # iterator() with a chunk size keeps memory flat while still prefetching per chunk.
    return queryset.order_by("pk").iterator(chunk_size=CHUNK)


@require_safe
def incidents_csv(request: HttpRequest) -> StreamingHttpResponse:
    root = base_url(request)
    versions = with_published_translations(
        IncidentVersion.objects.published()
        .with_incident()
        .prefetch_related("places", "categories", "perpetrators", "victim_groups")
        .with_published_related()
    )
    rows = (
        [
            v.incident.slug,
            v.title,
            v.summary,
            v.description,
            v.date,
            v.date_text,
            _names(v.places),
            _names(v.categories),
            _names(v.perpetrators),
            _names(v.victim_groups),
            v.context.name if v.context else "",
            "|".join(sorted(i.slug for i in v.published_related)),
            f"{root}{v.get_absolute_url()}",
            v.number,
            v.published_at.isoformat() if v.published_at else "",
            *translation_cells(v).values(),
        ]
        for v in published_in_chunks(versions)
    )
    return stream_csv("incidents.csv", incident_data_columns(), rows)


def estimate_cell(
    estimate: Estimate, column: str, copies: Copies | None = None, root: str = ""
) -> object:
    """One cell of the estimates file, by column name, so the order can never drift."""
    if column in {"snapshot_url", "snapshot_sha256"}:
        copy = copies.newest.get(estimate.source_id) if copies and estimate.source_id else None
        if copy is None:
            return ""
        return root + copy.get_absolute_url() if column == "snapshot_url" else copy.sha256
    if column == "incident":
        return estimate.version.incident.slug
    if column == "source":
        return estimate.source.key if estimate.source else ""
    if column == "verified":
        return estimate.verification == Verification.VERIFIED
    return getattr(estimate, column)


@require_safe
def estimates_csv(request: HttpRequest) -> StreamingHttpResponse:
    estimates = (
        Estimate.objects.published()
        .select_related("version__incident", "source")
        .order_by("pk")
        .iterator(chunk_size=CHUNK * 4)
    )
    copies, root = source_copies(Source.objects.published()), base_url(request)
    rows = (
        [estimate_cell(e, column, copies, root) for column in ESTIMATE_DATA_COLUMNS]
        for e in estimates
    )
    return stream_csv("estimates.csv", ESTIMATE_DATA_COLUMNS, rows)


@require_safe
def sources_csv(request: HttpRequest) -> StreamingHttpResponse:
    sources = Source.objects.published().order_by("key").iterator(chunk_size=CHUNK)
    rows = ([getattr(source, column) for column in SOURCE_COLUMNS] for source in sources)
    return stream_csv("sources.csv", SOURCE_COLUMNS, rows)


def stream_json(
    filename: str, content_type: str, head: str, items: Iterable[object], tail: str
) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        yield head
        for index, item in enumerate(items):
            yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
        yield "\n" + tail

    response = StreamingHttpResponse(chunks(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def incidents_json(request: HttpRequest) -> StreamingHttpResponse:
    root = base_url(request)
    versions = with_published_translations(
        IncidentVersion.objects.published().with_incident().with_page_content()
    )
    # The archived copies of every published source, read once for the whole file.
    copies = source_copies(Source.objects.published())
    items = (
        {**incident_detail(v, root, copies), **translation_cells(v)}
        for v in published_in_chunks(versions)
    )
    return stream_json("incidents.json", "application/json", "[", items, "]")


@require_safe
def incidents_geojson(request: HttpRequest) -> StreamingHttpResponse:
    root = base_url(request)
    versions = (
        IncidentVersion.objects.published().with_incident().prefetch_related("places", "categories")
    )

    def features() -> Iterator[dict[str, object]]:
        for version in published_in_chunks(versions):
            for place in version.places.all():
                if place.latitude is None or place.longitude is None:
                    continue
                yield {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [float(place.longitude), float(place.latitude)],
                    },
                    "properties": {
                        "incident": version.incident.slug,
                        "title": version.title,
                        "url": f"{root}{version.get_absolute_url()}",
                        "place": place.name,
                        "country": place.country,
                        "precision": place.coordinate_precision,
                        "date": version.date,
                        "date_text": version.date_text,
                        "categories": [c.name for c in version.categories.all()],
                    },
                }

    return stream_json(
        "incidents.geojson",
        "application/geo+json",
        '{"type": "FeatureCollection", "features": [',
        features(),
        "]}",
    )
