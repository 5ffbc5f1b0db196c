"""A download from /data/ can be imported again: the columns only the open data has are read
and ignored, and an unchanged file changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from archive.models import IncidentVersion
from editorial.models import HistoryEntry
from tests.factories import make_published


def download(client, url: str) -> str:
    response = client.get(url)
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "resource", "extra"),
    [
        ("/data/incidents.csv", "IncidentResource", ["url", "version", "published_at"]),
        (
            "/data/estimates.csv",
            "EstimateResource",
            ["verified", "snapshot_url", "snapshot_sha256"],
        ),
    ],
)
def test_an_open_data_file_imports_back_unchanged(client, tmp_path, url, resource, extra):
    make_published("katyn", title="Katyn massacre")
    text = download(client, url)
    assert all(column in text.splitlines()[0].split(",") for column in extra)
    path = tmp_path / "download.csv"
    path.write_text(text)
    history = HistoryEntry.objects.count()
    out = io.StringIO()

    call_command("import", f"editorial.resources.{resource}", str(path), "--no-input", stdout=out)

    assert out.getvalue().startswith("Imported: 0 new, 0 updated, 1 unchanged ")
    assert IncidentVersion.objects.count() == 1  # no draft was opened
    assert HistoryEntry.objects.count() == history
