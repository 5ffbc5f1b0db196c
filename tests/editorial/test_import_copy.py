"""New figures of an import go in through COPY on PostgreSQL and through ``bulk_create``
elsewhere: the same rows, the same refusals, the same ids for what comes after."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import Citation, Estimate, Incident
from editorial.copy_rows import copy_supported
from editorial.figure_resources import EstimateResource
from tests.editorial.test_import import (
    INCIDENT_HEADER,
    INCIDENT_ROW,
    RELATED_HEADER,
    errors_of,
    run_import,
)
from tests.factories import make_source

pytestmark = pytest.mark.django_db

# Ranges, shares with decimals, parts, rates, doubts, NULLs, and text that COPY's own format
# escapes (tab, backslash, newline, quotes) or that is not ASCII.
ROWS = [
    "shot,katyn-massacre,killed,,360,,,360,NKVD,1940,,,naimark-1995,p. 5,,,,,,,",
    'range,katyn-massacre,killed,44,,3000,,"44–3,000",Memorial,,contested,'
    '"Counts only\tthe \\\\ named, \\N dead",naimark-1995,pp. 70–71,"""Shot""\nat night",,,,,,',
    "girls,katyn-massacre,killed,,20,,,20 girls,c,,,,naimark-1995,,,girls,shot,,,,",
    'pows,katyn-massacre,captured,,320000,,about,"320,000",Łódź archive,2001,preferred,,'
    "naimark-1995,,,,,,,,",
    "third,katyn-massacre,killed,,,,at_least,one third,c,,,,naimark-1995,,,,,33.33%,50,pows,",
    "daily,katyn-massacre,raped,,10,,,10 each day,c,,,,naimark-1995,,,girls,,,,,Day",
    "over,katyn-massacre,missing,20000,,,over,over 20000,c,,rejected,Too high.,,,,,,,,,",
]


@pytest.fixture
def katyn_source(db):
    return make_source("naimark-1995")


@pytest.fixture
def katyn(tmp_path, db):
    run_import(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW)
    return Incident.objects.get(slug="katyn-massacre")


def related_file(*rows: str) -> str:
    return RELATED_HEADER + "".join(row + "\n" for row in rows)


def stored_rows() -> dict[str, dict[str, object]]:
    """Every concrete field of every figure but its id, by ref."""
    names = [f.attname for f in Estimate._meta.concrete_fields if not f.primary_key]
    return {row["ref"]: row for row in Estimate.objects.values(*names)}


def test_copy_writes_the_rows_bulk_create_writes(tmp_path, katyn, katyn_source, monkeypatch):
    with CaptureQueriesContext(connection) as captured:
        output = run_import(tmp_path, "EstimateResource", related_file(*ROWS))
    assert "Imported: 7 new" in output
    # On PostgreSQL the ids were taken from the sequence for the COPY; elsewhere no COPY.
    took_ids = any("nextval(pg_get_serial_sequence" in q["sql"] for q in captured)
    assert took_ids == copy_supported()
    copied = stored_rows()
    assert copied["range"]["assessment_reason"] == "Counts only\tthe \\\\ named, \\N dead"
    assert copied["range"]["quote"] == '"Shot"\nat night'
    assert copied["pows"]["claimant"] == "Łódź archive"
    assert copied["over"]["source_id"] is None

    Estimate.objects.all().delete()
    monkeypatch.setattr(EstimateResource, "use_copy", False)
    with CaptureQueriesContext(connection) as captured:
        assert "Imported: 7 new" in run_import(tmp_path, "EstimateResource", related_file(*ROWS))
    assert not any("nextval(pg_get_serial_sequence" in q["sql"] for q in captured)
    assert stored_rows() == copied


def test_a_row_the_database_refuses_rolls_the_import_back_with_the_same_message(
    tmp_path, katyn, katyn_source, monkeypatch
):
    """The model's ``clean`` says what is wrong first; with it out of the way, the database's
    CHECK constraint is the last guard, through COPY as through INSERT."""
    monkeypatch.setattr(Estimate, "clean", lambda self: None)
    bad = related_file(ROWS[0], "bad,katyn-massacre,killed,500,100,,,500-100,c,,,,naimark-1995,,")

    def refusal(*, use_copy: bool) -> str:
        monkeypatch.setattr(EstimateResource, "use_copy", use_copy)
        output = errors_of(tmp_path, "EstimateResource", bad)
        assert not Estimate.objects.exists()  # the good row before it was rolled back too
        # The failing row's id is the next in the sequence, whichever way it was written.
        return re.sub(r"Failing row contains \(\d+, ", "Failing row contains (ID, ", output)

    through_insert = refusal(use_copy=False)
    through_copy = refusal(use_copy=True)
    assert through_copy == through_insert
    if connection.vendor == "postgresql":
        version = katyn.versions.get()
        assert through_copy == (
            "\nNothing was imported:\n"
            'new row for relation "archive_estimate" violates check constraint '
            '"estimate_low_le_best"\n'
            "DETAIL:  Failing row contains (ID, bad, killed, 500, 100, null, exact, 500-100, c, "
            "unknown, null, accepted, , , , 0, unverified, null, , null, "
            f"{version.pk}, {katyn_source.pk}, , , , null, null, ).\n"
        )
    else:
        assert through_copy == (
            "\nNothing was imported:\nCHECK constraint failed: estimate_low_le_best\n"
        )


def test_ids_come_from_the_sequence_and_later_rows_find_the_figures(tmp_path, katyn, katyn_source):
    # A part before its whole: the relation check after the file reads the copied rows.
    parts = related_file(
        "girls,katyn-massacre,killed,,400,,,400 girls,c,,,,naimark-1995,,,girls,shot,,,,",
        "shot,katyn-massacre,killed,,360,,,360,c,,,,naimark-1995,,,,,,,,",
    )
    output = errors_of(tmp_path, "EstimateResource", parts)
    assert "row 2, column `part_of`: This part (400 girls) is more than its whole “shot”" in output
    assert not Estimate.objects.exists()

    assert "Imported: 7 new" in run_import(tmp_path, "EstimateResource", related_file(*ROWS))
    ids = sorted(Estimate.objects.values_list("pk", flat=True))
    assert ids == list(range(ids[0], ids[0] + 7))  # one batch from the sequence, in order
    # The sequence has moved past them: a figure added afterwards takes the next free id.
    later = Estimate.objects.create(
        version=Estimate.objects.get(ref="shot").version,
        ref="later",
        best=1,
        as_written="1",
        claimant="c",
    )
    assert later.pk > ids[-1]

    citations = (
        "incident,source,locator,quote,note,estimate\n"
        "katyn-massacre,naimark-1995,p. 5,,,shot\n"
        "katyn-massacre,naimark-1995,p. 9,,,third\n"
    )
    assert "Imported: 2 new" in run_import(tmp_path, "CitationResource", citations)
    cited = dict(Citation.objects.values_list("locator", "estimate_id"))
    by_ref = dict(Estimate.objects.values_list("ref", "pk"))
    assert cited == {"p. 5": by_ref["shot"], "p. 9": by_ref["third"]}


def test_the_query_count_does_not_grow_with_the_rows(tmp_path, katyn, katyn_source):
    def queries(first: int, count: int) -> int:
        rows = [
            f"k-{n},katyn-massacre,killed,,{n},,,{n},c,,,,naimark-1995,,,,,,,,"
            for n in range(first, first + count)
        ]
        with CaptureQueriesContext(connection) as captured:
            output = run_import(tmp_path, "EstimateResource", related_file(*rows))
        assert f"Imported: {count} new" in output
        return len(captured)

    assert queries(1, 3) == queries(100, 60)
