"""The open data keeps the original's columns and adds one per translated field and language
of the site, filled from published translations only; releases describe them."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import frictionless
import pytest
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.columns import INCIDENT_COLUMNS
from archive.models import IncidentVersion, Translation
from editorial import services
from tests.factories import (
    make_contributor,
    make_published,
    make_published_translation,
    make_publisher,
    make_reviewer,
    make_translation,
)

pytestmark = pytest.mark.django_db

LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("pl", "Polski"),
    ("ru", "Русский"),
    ("uk", "Українська"),
]
TRANSLATION_COLUMNS = [
    f"{field}_{code}"
    for code in ("de", "pl", "ru", "uk")
    for field in ("title", "summary", "description", "date_text")
]


@pytest.fixture(autouse=True)
def five_languages(settings):
    settings.LANGUAGES = LANGUAGES
    settings.SITE_URL = "https://archive.example.org"


@pytest.fixture(autouse=True)
def csv_field_size_limit():
    """frictionless raises the csv module's process-wide cell limit; put it back."""
    limit = csv.field_size_limit()
    yield
    csv.field_size_limit(limit)


@pytest.fixture
def katyn():
    version = make_published("katyn", title="Katyn massacre", summary="Officers were shot.")
    make_published_translation(
        version, "de", title="Massaker von Katyn", summary="Offiziere wurden erschossen."
    )
    make_published_translation(version, "pl", title="Zbrodnia katyńska")
    make_translation(version, "ru", title="Черновик, не для публики")
    make_published("other", title="Nemmersdorf massacre")
    return version


def correct(version, **fields: str) -> None:
    author, reviewer = make_contributor(), make_reviewer()
    draft = services.version_start_draft(incident=version.incident, user=author)
    services.version_edit(version=draft, user=author, seen_lock_version=0, fields=fields)
    services.version_submit(version=draft, user=author)
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Corrected.")


def read_csv(client, url: str) -> list[dict[str, str]]:
    body = b"".join(client.get(url).streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_incidents_csv_adds_a_column_per_translated_field_and_language(client, katyn):
    rows = {row["slug"]: row for row in read_csv(client, "/data/incidents.csv")}
    header = list(rows["katyn"])
    assert header[: len(INCIDENT_COLUMNS)] == INCIDENT_COLUMNS
    assert header[-len(TRANSLATION_COLUMNS) - 1 :] == [
        *TRANSLATION_COLUMNS,
        "translations_out_of_date",
    ]
    katyn_row = rows["katyn"]
    assert katyn_row["title"] == "Katyn massacre"  # the original column stays the original
    assert (katyn_row["title_de"], katyn_row["summary_de"]) == (
        "Massaker von Katyn",
        "Offiziere wurden erschossen.",
    )
    assert (katyn_row["title_pl"], katyn_row["summary_pl"]) == ("Zbrodnia katyńska", "")
    assert katyn_row["title_ru"] == ""  # a draft is never in the data
    assert katyn_row["translations_out_of_date"] == ""
    assert all(rows["other"][column] == "" for column in TRANSLATION_COLUMNS)


def test_a_corrected_original_names_its_out_of_date_translations(client, katyn):
    correct(katyn, summary="Polish officers were shot by the NKVD.")
    row = next(r for r in read_csv(client, "/data/incidents.csv") if r["slug"] == "katyn")
    assert row["translations_out_of_date"] == "de|pl"
    assert row["title_de"] == "Massaker von Katyn"  # still published, marked


def test_incidents_json_adds_the_same_keys(client, katyn):
    body = b"".join(client.get("/data/incidents.json").streaming_content).decode()
    items = {item["slug"]: item for item in json.loads(body)}
    assert items["katyn"]["title"] == "Katyn massacre"
    assert items["katyn"]["title_de"] == "Massaker von Katyn"
    assert items["katyn"]["title_ru"] == ""
    assert items["katyn"]["translations_out_of_date"] == ""
    assert set(TRANSLATION_COLUMNS) <= set(items["other"])


def test_a_release_describes_the_translation_columns_and_validates(tmp_path, katyn):
    call_command("make_release", "2026.1", stdout=io.StringIO())
    with zipfile.ZipFile(storages["releases"].open("2026.1.zip", "rb")) as archive:
        archive.extractall(tmp_path / "release")
    report = frictionless.validate(tmp_path / "release" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    package = frictionless.Package(tmp_path / "release" / "datapackage.json")
    fields = package.get_resource("incidents").schema
    assert fields.field_names[-len(TRANSLATION_COLUMNS) - 1 :] == [
        *TRANSLATION_COLUMNS,
        "translations_out_of_date",
    ]
    assert fields.get_field("title_de").description.startswith(
        "The title in Deutsch (de), from the published translation into that language"
    )
    assert fields.get_field("translations_out_of_date").description


def test_a_downloaded_file_imports_back_and_its_translation_columns_change_nothing(
    client, katyn, tmp_path
):
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"".join(client.get("/data/incidents.csv").streaming_content))
    translations = list(Translation.objects.values_list("pk", "state", "title"))
    out = io.StringIO()
    call_command(
        "import", "editorial.resources.IncidentResource", str(path), "--no-input", stdout=out
    )
    assert out.getvalue().startswith("Imported: 0 new, 0 updated, 2 unchanged ")
    assert IncidentVersion.objects.count() == 2  # no draft was opened
    assert list(Translation.objects.values_list("pk", "state", "title")) == translations


def test_the_data_files_read_the_same_queries_for_more_translated_incidents(client, katyn):
    """The translation columns come in one prefetch, not a query per incident."""

    def reading(url: str) -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            assert response.status_code == 200
            if response.streaming:
                b"".join(response.streaming_content)  # the rows are read while streaming
        return len(queries)

    urls = ["/data/incidents.csv", "/data/incidents.json"]
    before = [reading(url) for url in urls]
    for number in range(3):
        version = make_published(f"more-{number}", title=f"More {number}")
        make_published_translation(version, "de", title=f"Mehr {number}")
        make_published_translation(version, "uk", title=f"Більше {number}")
    assert [reading(url) for url in urls] == before
