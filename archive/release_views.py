"""The open data page (/data/) and the frozen releases' pages and files."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from archive.models import RELEASE_NAME, Release
from archive.releases import DATA_FILES, bibtex, licence, release_storage

CHANGES_PER_PAGE = 100


class ReleaseName:
    """A release's name in an address (``<release:name>``)."""

    regex = RELEASE_NAME.pattern

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


# The live files, by their URL names, in the order /data/ lists them.
LIVE_FILES = [
    ("incidents.csv", "archive:data_incidents_csv"),
    ("estimates.csv", "archive:data_estimates_csv"),
    ("sources.csv", "archive:data_sources_csv"),
    ("incidents.json", "archive:data_incidents_json"),
    ("incidents.geojson", "archive:data_incidents_geojson"),
]


def release_bibtex(release: Release) -> str:
    return bibtex(
        name=release.name, content_at=release.content_at, doi=release.doi, sha256=release.sha256
    )


@require_safe
def data_index(request: HttpRequest) -> HttpResponse:
    live = [(name, url, gettext(DATA_FILES[name][1])) for name, url in LIVE_FILES]
    releases = [
        (release, release_bibtex(release))
        for release in Release.objects.newest_first().select_related("previous")
    ]
    return render(
        request,
        "archive/data.html",
        {"live": live, "releases": releases, "license": licence()},
    )


@require_safe
def release_detail(request: HttpRequest, name: str) -> HttpResponse:
    release = get_object_or_404(Release.objects.select_related("previous"), name=name)
    changes = Paginator(release.change_rows.order_by("number"), CHANGES_PER_PAGE)
    return render(
        request,
        "archive/release.html",
        {
            "release": release,
            "bibtex": release_bibtex(release),
            "page": changes.get_page(request.GET.get("page")),
        },
    )


@require_safe
def release_zip(request: HttpRequest, name: str) -> HttpResponse | FileResponse:
    release = get_object_or_404(Release, name=name)
    etag = f'"{release.sha256}"'
    if etag in request.headers.get("If-None-Match", ""):
        unchanged = HttpResponse(status=304)
        unchanged["ETag"] = etag
        return unchanged
    storage = release_storage()
    if not storage.exists(release.file_name):
        raise Http404("This release's file is not available.")
    response = FileResponse(
        storage.open(release.file_name, "rb"),
        as_attachment=True,
        filename=release.file_name,
        content_type="application/zip",
    )
    response["Content-Length"] = str(release.size)
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
