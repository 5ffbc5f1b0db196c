"""Frozen, citable releases of the open data: ``release_make`` freezes what is published now
into ``<NAME>.zip`` in the "releases" storage and records it as a ``Release``.

The data files come from the same views that serve the live /data/ files, asked for by a
request addressed to ``settings.SITE_URL``, so a release holds exactly what /data/ served at
that moment. Every file is written to a temporary file first and copied into the zip in
chunks: memory stays flat however large the archive. Nothing in a release depends on the
clock: entry times are the moment published content last changed, entries are sorted and
compressed alike, so the same published content gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from archive import api
from archive.cite import _bibtex_escape
from archive.columns import TRANSLATIONS_OUT_OF_DATE
from archive.models import (
    DOI,
    RELEASE_NAME,
    TRANSLATED_FIELDS,
    Assessment,
    Measure,
    Per,
    Publication,
    Qualifier,
    Release,
    ReleaseChange,
    ReleaseError,
    translation_languages,
)
from archive.release_changes import CHANGE_COLUMNS, Comparison, as_row, read_incidents
from archive.spreadsheet import restore, safe_cell

CHUNK = 1 << 16
CHANGE_BATCH = 2000
DATA_FILES = {
    # name in the zip: (the live file's view, what it holds)
    # The texts are English in a release's files; /data/ shows them in the reader's language.
    "incidents.csv": (api.incidents_csv, gettext_noop("One row per published incident.")),
    "estimates.csv": (
        api.estimates_csv,
        gettext_noop("One row per figure of a published incident."),
    ),
    "sources.csv": (api.sources_csv, gettext_noop("The sources that published incidents cite.")),
    "incidents.json": (
        api.incidents_json,
        gettext_noop(
            "Every published incident with its figures, citations, sources and proceedings, "
            "as the JSON API gives one incident."
        ),
    ),
    "incidents.geojson": (
        api.incidents_geojson,
        gettext_noop("One point per place of a published incident that has coordinates."),
    ),
}
CHANGES_TEXT = "What changed since the previous release, figure by figure."

# The types of the CSV files' columns; every column not named here is text.
COLUMN_TYPES: dict[str, dict[str, dict[str, Any]]] = {
    "incidents.csv": {
        "slug": {"constraints": {"required": True, "unique": True}},
        "url": {"format": "uri"},
        "version": {"type": "integer"},
        "published_at": {"type": "datetime", "format": "any"},
    },
    "estimates.csv": {
        "ref": {"constraints": {"required": True, "unique": True}},
        "measure": {"constraints": {"enum": Measure.values}},
        "low": {"type": "integer"},
        "best": {"type": "integer"},
        "high": {"type": "integer"},
        "qualifier": {"constraints": {"enum": Qualifier.values}},
        "claim_year": {"type": "integer"},
        "assessment": {"constraints": {"enum": Assessment.values}},
        "share_low": {"type": "number"},
        "share_high": {"type": "number"},
        "per": {"constraints": {"enum": Per.values}},
        "verified": {"type": "boolean"},
    },
    "sources.csv": {
        "key": {"constraints": {"required": True, "unique": True}},
        "year": {"type": "integer"},
    },
    "CHANGES.csv": {
        "incident": {"constraints": {"required": True}},
        "change": {"constraints": {"required": True, "enum": ReleaseChange.Kind.values}},
    },
}


class ReleaseRequest(HttpRequest):
    """A GET of a live data file as a reader at ``settings.SITE_URL`` would make it."""

    def __init__(self, site_url: str) -> None:
        super().__init__()
        parts = urlsplit(site_url)
        self.method = "GET"
        self.site_scheme, self.site_host = parts.scheme or "https", parts.netloc

    def _get_scheme(self) -> str:
        return self.site_scheme

    def get_host(self) -> str:
        return self.site_host


@dataclass
class Built:
    """A release built in a temporary folder, not yet recorded."""

    path: Path
    changes_path: Path
    size: int
    sha256: str
    generation: int
    content_at: datetime.datetime
    incidents: int
    estimates: int
    sources: int
    changes: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_response(response: HttpResponseBase, path: Path) -> None:
    assert isinstance(response, StreamingHttpResponse) and response.status_code == 200
    with path.open("wb") as out:
        for chunk in response:
            out.write(chunk)


def count_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as data:
        return sum(1 for _ in csv.reader(data)) - 1


def count_incidents(path: Path) -> int:
    with path.open(encoding="utf-8") as data:
        return sum(1 for _ in read_incidents(data))


def publication_state() -> tuple[int, datetime.datetime] | None:
    return Publication.objects.filter(pk=1).values_list("generation", "changed_at").first()


def release_build(*, name: str, previous: Release | None, folder: Path) -> Built:
    """Build release ``name`` from what is published now into ``folder``; record nothing."""
    state = publication_state()
    if state is None:
        raise ReleaseError("Nothing is published yet: there is nothing to release.")
    generation, content_at = state
    files = folder / "files"
    files.mkdir()
    request = ReleaseRequest(settings.SITE_URL)
    for file_name, (view, _) in DATA_FILES.items():
        write_response(view(request), files / file_name)
    incidents = count_incidents(files / "incidents.json")
    if incidents == 0:
        raise ReleaseError("Nothing is published yet: there is nothing to release.")
    changes = write_changes(
        previous=previous,
        current=files / "incidents.json",
        content_at=content_at,
        out=files / "CHANGES.csv",
        folder=folder,
    )
    (files / "CITATION.cff").write_text(citation_cff(name=name, content_at=content_at))
    (files / "datapackage.json").write_text(
        datapackage(name=name, content_at=content_at, files=files)
    )
    (files / "README.md").write_text(
        readme(name=name, content_at=content_at, incidents=incidents, previous=previous)
    )
    sums = "".join(
        f"{file_sha256(path)}  {path.name}\n" for path in sorted(files.iterdir(), key=entry_key)
    )
    (files / "SHA256SUMS").write_text(sums)
    zip_path = folder / f"{name}.zip"
    write_zip(files=files, out=zip_path, at=content_at)
    if publication_state() != state:
        raise ReleaseError(
            "Published content changed while the release was being built: make it again."
        )
    return Built(
        path=zip_path,
        changes_path=files / "CHANGES.csv",
        size=zip_path.stat().st_size,
        sha256=file_sha256(zip_path),
        generation=generation,
        content_at=content_at,
        incidents=incidents,
        estimates=count_rows(files / "estimates.csv"),
        sources=count_rows(files / "sources.csv"),
        changes=changes,
    )


def entry_key(path: Path) -> str:
    return path.name


def write_zip(*, files: Path, out: Path, at: datetime.datetime) -> None:
    """Every file of ``files`` in name order, each stamped ``at`` (UTC) and deflated alike."""
    utc = at.astimezone(datetime.UTC)
    stamp = (max(utc.year, 1980), utc.month, utc.day, utc.hour, utc.minute, utc.second)
    with zipfile.ZipFile(out, "w") as archive:
        for path in sorted(files.iterdir(), key=entry_key):
            entry = zipfile.ZipInfo(path.name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.compress_level = 6
            entry.create_system = 3
            entry.external_attr = 0o100644 << 16
            entry.file_size = path.stat().st_size
            with path.open("rb") as data, archive.open(entry, "w") as target:
                shutil.copyfileobj(data, target, CHUNK)


def write_changes(
    *,
    previous: Release | None,
    current: Path,
    content_at: datetime.datetime,
    out: Path,
    folder: Path,
) -> int:
    """CHANGES.csv: the previous release's incidents against these; returns its rows."""
    comparison = Comparison(folder / "compare.sqlite3")
    try:
        if previous is not None:
            with open_release(previous) as archive, archive.open("incidents.json") as frozen:
                comparison.load(Comparison.OLD, read_incidents(io.TextIOWrapper(frozen, "utf-8")))
            comparison.load_notes(previous.content_at)
        with current.open(encoding="utf-8") as data:
            comparison.load(Comparison.NEW, read_incidents(data))
        rows = 0
        with out.open("w", newline="", encoding="utf-8") as target:
            writer = csv.writer(target)
            writer.writerow(CHANGE_COLUMNS)
            for change in comparison.changes():
                writer.writerow([safe_cell(value) for value in as_row(change)])
                rows += 1
        return rows
    finally:
        comparison.close()


def release_storage() -> Storage:
    return storages["releases"]


def open_release(release: Release) -> zipfile.ZipFile:
    """A made release's zip, read from the storage, refused if it is not the file made."""
    storage = release_storage()
    if not storage.exists(release.file_name):
        raise ReleaseError(
            f"The stored file of release {release.name} ({release.file_name}) is missing: "
            "restore it before making another release."
        )
    digest = hashlib.sha256()
    with storage.open(release.file_name, "rb") as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != release.sha256:
        raise ReleaseError(
            f"The stored file of release {release.name} is not the file that was made "
            f"(its SHA-256 differs): restore it before making another release."
        )
    return zipfile.ZipFile(storage.open(release.file_name, "rb"))


def schema(file_name: str, header: list[str]) -> dict[str, Any]:
    types = COLUMN_TYPES.get(file_name, {})
    described = translation_descriptions() if file_name == "incidents.csv" else {}
    fields = [
        {
            "name": column,
            "type": "string",
            **types.get(column, {}),
            **({"description": described[column]} if column in described else {}),
        }
        for column in header
    ]
    return {"fields": fields, "missingValues": [""]}


def translation_descriptions() -> dict[str, str]:
    """What the incidents file's translation columns hold, for the data package's readers."""
    labels = {
        "title": "title",
        "summary": "summary",
        "description": "description (Markdown)",
        "date_text": "date as written",
    }
    described = {
        f"{field}_{code}": f"The {labels[field]} in {name} ({code}), from the published "
        "translation into that language; empty where there is none. Figures, source names "
        "and quotes are never translated."
        for code, name in translation_languages()
        for field in TRANSLATED_FIELDS
    }
    described[TRANSLATIONS_OUT_OF_DATE] = (
        "The languages (|-separated codes) whose published translation was made before the "
        "original was corrected: it may not say what the original says now."
    )
    return described


def csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as data:
        return next(csv.reader(data))


def datapackage(*, name: str, content_at: datetime.datetime, files: Path) -> str:
    """A Frictionless Data Package describing every data file of the release."""
    resources = []
    descriptions = {
        **{file_name: text for file_name, (_, text) in DATA_FILES.items()},
        "CHANGES.csv": CHANGES_TEXT,
    }
    for file_name, description in sorted(descriptions.items()):
        path = files / file_name
        stem, extension = file_name.rsplit(".", 1)
        resource: dict[str, Any] = {
            "name": f"{stem.lower()}-{extension}" if extension != "csv" else stem.lower(),
            "path": file_name,
            "description": description,
            "format": extension,
            "encoding": "utf-8",
            "bytes": path.stat().st_size,
            "hash": f"sha256:{file_sha256(path)}",
        }
        if extension == "csv":
            resource |= {
                "profile": "tabular-data-resource",
                "mediatype": "text/csv",
                "schema": schema(file_name, csv_header(path)),
            }
        else:
            resource["mediatype"] = {
                "json": "application/json",
                "geojson": "application/geo+json",
            }[extension]
        resources.append(resource)
    package = {
        "profile": "data-package",
        "name": slugify(settings.SITE_NAME) or "incident-archive",
        "title": f"{settings.SITE_NAME}, data release {name}",
        "version": name,
        "created": iso(content_at),
        "homepage": release_url(name),
        "licenses": [licence()],
        "resources": resources,
    }
    return json.dumps(package, ensure_ascii=False, indent=2) + "\n"


def licence() -> dict[str, str]:
    """The data's licence (``DATA_LICENCE_NAME``, ``DATA_LICENCE_URL``) as a data package
    names it: an identifier (the SPDX form of "CC BY-SA 4.0" is CC-BY-SA-4.0), a title and
    its address."""
    return {
        "name": "-".join(settings.DATA_LICENCE_NAME.split()),
        "title": settings.DATA_LICENCE_NAME,
        "path": settings.DATA_LICENCE_URL,
    }


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def release_url(name: str) -> str:
    return f"{settings.SITE_URL}/data/releases/{name}/"


def citation_cff(*, name: str, content_at: datetime.datetime) -> str:
    def quoted(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    lines = [
        "cff-version: 1.2.0",
        'message: "If you use this data, please cite this release as below."',
        "type: dataset",
        f"title: {quoted(f'{settings.SITE_NAME}, data release {name}')}",
        f"version: {quoted(name)}",
        f"date-released: {content_at.astimezone(datetime.UTC):%Y-%m-%d}",
        "authors:",
        f"  - name: {quoted(settings.SITE_NAME)}",
        f"license: {quoted(licence()['name'])}",
        f"url: {quoted(release_url(name))}",
        f"repository-artifact: {quoted(f'{settings.SITE_URL}/data/releases/{name}.zip')}",
    ]
    return "\n".join(lines) + "\n"


def bibtex(*, name: str, content_at: datetime.datetime, doi: str = "", sha256: str = "") -> str:
    """A BibTeX entry for release ``name``; with its DOI once one is recorded."""
    key = f"{slugify(settings.SITE_NAME).replace('-', '_') or 'archive'}_{name.replace('.', '_')}"
    fields = [
        ("title", f"{settings.SITE_NAME}, data release {name}"),
        ("author", f"{{{settings.SITE_NAME}}}"),
        ("year", f"{content_at.astimezone(datetime.UTC).year}"),
        ("version", name),
        ("url", release_url(name)),
        ("doi", doi),
        ("note", f"SHA-256 of {name}.zip: {sha256}" if sha256 else ""),
    ]
    body = ",\n".join(
        f"  {field} = {{{value if field == 'author' else _bibtex_escape(value)}}}"
        for field, value in fields
        if value
    )
    return f"@misc{{{key},\n{body}\n}}\n"


def readme(
    *, name: str, content_at: datetime.datetime, incidents: int, previous: Release | None
) -> str:
    return render_to_string(
        "archive/release_readme.md",
        {
            "name": name,
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "content_at": iso(content_at),
            "incidents": incidents,
            "previous": previous.name if previous else "",
            "license": licence(),
            "bibtex": bibtex(name=name, content_at=content_at),
            "files": {file_name: text for file_name, (_, text) in DATA_FILES.items()},
            "changes_text": CHANGES_TEXT,
        },
    )


def change_rows(path: Path) -> Iterator[list[str]]:
    with path.open(newline="", encoding="utf-8") as data:
        reader = csv.reader(data)
        next(reader)
        for row in reader:
            yield [restore(value) for value in row]


def release_make(*, name: str) -> Release:
    """Freeze what is published now as release ``name`` and record it."""
    if not RELEASE_NAME.fullmatch(name):
        raise ReleaseError(
            f"“{name}” is not a release name: use the year and a number, like 2026.1."
        )
    if Release.objects.filter(name=name).exists():
        raise ReleaseError(
            f"Release {name} already exists: a release is never made again or replaced; "
            "choose the next name."
        )
    storage = release_storage()
    file_name = f"{name}.zip"
    if storage.exists(file_name):
        raise ReleaseError(
            f"{file_name} is already in the release storage but no release records it: "
            "move it away first."
        )
    previous = Release.objects.newest_first().first()
    with TemporaryDirectory(prefix="release-") as folder:
        built = release_build(name=name, previous=previous, folder=Path(folder))
        with transaction.atomic():
            release = Release.objects.create(
                name=name,
                generation=built.generation,
                content_at=built.content_at,
                size=built.size,
                sha256=built.sha256,
                incidents=built.incidents,
                estimates=built.estimates,
                sources=built.sources,
                changes=built.changes,
                previous=previous,
            )
            batch: list[ReleaseChange] = []
            for number, row in enumerate(change_rows(built.changes_path), start=1):
                fields = dict(zip(CHANGE_COLUMNS, row, strict=True))
                batch.append(ReleaseChange(release=release, number=number, **fields))
                if len(batch) == CHANGE_BATCH:
                    ReleaseChange.objects.bulk_create(batch)
                    batch = []
            ReleaseChange.objects.bulk_create(batch)
            with built.path.open("rb") as data:
                saved = storage.save(file_name, File(data))
            if saved != file_name:
                storage.delete(saved)
                raise ReleaseError(f"{file_name} appeared in the release storage meanwhile.")
    return release


def clean_doi(doi: str) -> str:
    """A DOI as recorded (``10.5281/zenodo.1234567``), from it or its https://doi.org/ form."""
    doi = doi.strip().removeprefix("https://doi.org/").removeprefix("doi:")
    if not DOI.fullmatch(doi):
        raise ReleaseError(f"“{doi}” is not a DOI: a DOI looks like 10.5281/zenodo.1234567.")
    return doi


def release_record_doi(*, release: Release, doi: str) -> Release:
    """Record the DOI minted for ``release`` (once; a release is otherwise frozen)."""
    doi = clean_doi(doi)
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.doi:
            raise ReleaseError(
                f"Release {release.name} already has the DOI {release.doi}: a DOI is recorded once."
            )
        release.doi = doi
        release.save(update_fields=["doi"])
    return release
