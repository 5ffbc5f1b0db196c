"""Frozen data releases: what a release holds, that it never changes, and what changed."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable

import frictionless
import pytest
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import IncidentVersion, Release, ReleaseError
from archive.releases import release_build
from editorial import services
from tests.factories import (
    make_actor,
    make_contributor,
    make_draft,
    make_estimate,
    make_published,
    make_published_figures,
    make_publisher,
    make_reviewer,
)

FILES = [
    "CHANGES.csv",
    "CITATION.cff",
    "README.md",
    "SHA256SUMS",
    "datapackage.json",
    "estimates.csv",
    "incidents.csv",
    "incidents.geojson",
    "incidents.json",
    "sources.csv",
]
MARKER = "SECRET-DRAFT-MARKER"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://archive.example.org"


@pytest.fixture(autouse=True)
def csv_field_size_limit():
    """frictionless raises the csv module's process-wide cell limit when it loads its CSV
    parser; the imports' refusals of long cells rely on the default, so it is put back."""
    limit = csv.field_size_limit()
    yield
    csv.field_size_limit(limit)


def make_release(name: str) -> Release:
    call_command("make_release", name, stdout=io.StringIO())
    return Release.objects.get(name=name)


def release_zip(name: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(storages["releases"].open(f"{name}.zip", "rb"))


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.TextIOWrapper(archive.open(name), "utf-8", newline="")))


def republish(version: IncidentVersion, note: str, change: Callable[[IncidentVersion], set[int]]):
    """A new version of ``version``'s incident, edited by ``change`` (which says which figures
    it changed), verified by a second person and published with the public ``note``."""
    author, reviewer = make_contributor(), make_reviewer()
    draft = services.version_start_draft(incident=version.incident, user=author)

    def apply(draft: IncidentVersion) -> services.EditMade:
        return services.EditMade(changes={}, changed_estimate_ids=frozenset(change(draft)))

    services.version_edit(
        version=draft, user=author, seen_lock_version=draft.lock_version, apply=apply
    )
    services.version_submit(version=draft, user=author)
    for estimate in draft.estimates.not_verified():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    return services.version_publish(version=draft, user=make_publisher(), note=note)


@pytest.mark.django_db
def test_a_release_holds_every_file_and_its_checksums_verify(release_storage):
    make_published("katyn", title="Katyn massacre")
    make_published("nemmersdorf")

    release = make_release("2026.1")

    stored = (release_storage / "2026.1.zip").read_bytes()
    assert release.size == len(stored)
    assert release.sha256 == hashlib.sha256(stored).hexdigest()
    assert (release.incidents, release.estimates, release.changes) == (2, 2, 2)
    archive = release_zip("2026.1")
    assert archive.namelist() == FILES
    sums = archive.read("SHA256SUMS").decode().splitlines()
    assert [line.split("  ")[1] for line in sums] == [n for n in FILES if n != "SHA256SUMS"]
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    assert "Katyn massacre" in archive.read("incidents.csv").decode()
    assert 'version: "2026.1"' in archive.read("CITATION.cff").decode()
    assert "CC BY-SA 4.0 (CC-BY-SA-4.0)" in archive.read("README.md").decode()
    assert 'license: "CC-BY-SA-4.0"' in archive.read("CITATION.cff").decode()


@pytest.mark.django_db
def test_the_release_files_are_the_live_open_data_files(client, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org"]
    make_published("katyn")
    make_release("2026.1")
    archive = release_zip("2026.1")
    for name in ["incidents.csv", "estimates.csv", "sources.csv", "incidents.json"]:
        live = client.get(f"/data/{name}", HTTP_HOST="archive.example.org", secure=True)
        assert archive.read(name) == b"".join(live.streaming_content), name


@pytest.mark.django_db
def test_two_builds_of_the_same_content_are_byte_identical(tmp_path):
    make_published("katyn")
    make_published_figures("kolyma", {"measure": "died", "low": 200, "best": None, "high": 3000})
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()

    one = release_build(name="2026.1", previous=None, folder=tmp_path / "one")
    two = release_build(name="2026.1", previous=None, folder=tmp_path / "two")

    assert one.path.read_bytes() == two.path.read_bytes()
    assert one.sha256 == two.sha256


@pytest.mark.django_db
def test_the_data_package_validates_and_describes_every_file(tmp_path):
    make_published("katyn")
    make_published_figures("kolyma", {"measure": "died", "low": 200, "best": None, "high": 3000})
    make_release("2026.1")
    release_zip("2026.1").extractall(tmp_path / "release")

    report = frictionless.validate(tmp_path / "release" / "datapackage.json")

    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])
    package = frictionless.Package(tmp_path / "release" / "datapackage.json")
    assert package.version == "2026.1"
    assert sorted(resource.path for resource in package.resources) == [
        "CHANGES.csv",
        "estimates.csv",
        "incidents.csv",
        "incidents.geojson",
        "incidents.json",
        "sources.csv",
    ]
    estimates = package.get_resource("estimates")
    assert estimates.schema.get_field("low").type == "integer"
    assert estimates.schema.get_field("verified").type == "boolean"
    assert package.licenses[0]["name"] == "CC-BY-SA-4.0"


@pytest.mark.django_db
def test_a_tampered_file_fails_its_checksum_in_the_data_package(tmp_path):
    make_published("katyn")
    make_release("2026.1")
    folder = tmp_path / "release"
    release_zip("2026.1").extractall(folder)
    sources = folder / "sources.csv"
    sources.write_text(sources.read_text().replace("Source", "Forged"))

    report = frictionless.validate(folder / "datapackage.json")

    assert not report.valid


@pytest.mark.django_db
def test_changes_lists_exactly_what_changed_between_two_releases():
    katyn = make_published_figures("katyn", {"measure": "killed", "best": 100, "as_written": "100"})
    beta = make_published_figures(
        "beta", {"measure": "deported", "best": 5000, "assessment": "accepted"}
    )
    gamma = make_published_figures("gamma", {"measure": "killed", "best": 7})
    delta = make_published("delta")
    quiet = make_published("quiet")
    make_release("2026.1")

    def correct_figure(draft: IncidentVersion) -> set[int]:
        estimate = draft.estimates.get(ref="katyn-1")
        estimate.best, estimate.as_written = 120, "about 120"
        estimate.save()
        return {estimate.pk}

    def reassess(draft: IncidentVersion) -> set[int]:
        estimate = draft.estimates.get(ref="beta-1")
        estimate.assessment, estimate.assessment_reason = "contested", "Counts transit camps."
        estimate.save()
        return set()

    def add_figure(draft: IncidentVersion) -> set[int]:
        source = draft.estimates.get().source  # a second figure from the same source
        added = make_estimate(
            draft, ref="gamma-2", best=9, as_written="9", claimant="A court", source=source
        )
        return {added.pk}

    republish(katyn, "The figure was misread; corrected to about 120.", correct_figure)
    republish(beta, "The deportation figure is now contested.", reassess)
    republish(gamma, "A court's figure added.", add_figure)
    services.version_withdraw(version=delta, user=make_publisher(), reason="Not sourced.")
    draft = services.version_start_draft(incident=quiet.incident, user=make_contributor())
    draft.estimates.update(as_written=f"{MARKER} figure")
    make_release("2026.2")

    rows = read_csv(release_zip("2026.2"), "CHANGES.csv")

    katyn_note = "The figure was misread; corrected to about 120."
    beta_note = "The deportation figure is now contested."
    gamma_note = "A court's figure added."
    assert [list(row.values()) for row in rows] == [
        ["beta", "", "incident corrected", "version", "1", "2", beta_note],
        ["beta", "beta-1", "estimate re-assessed", "assessment", "accepted", "contested",
         beta_note],
        ["beta", "beta-1", "estimate re-assessed", "assessment_reason", "",
         "Counts transit camps.", beta_note],
        ["delta", "", "incident withdrawn", "version", "1", "", "Not sourced."],
        ["gamma", "", "incident corrected", "version", "1", "2", gamma_note],
        ["gamma", "gamma-2", "estimate added", "", "", "killed: 9 (A court)", gamma_note],
        ["katyn", "", "incident corrected", "version", "1", "2", katyn_note],
        ["katyn", "katyn-1", "figure changed", "as_written", "100", "about 120", katyn_note],
        ["katyn", "katyn-1", "figure changed", "best", "100", "120", katyn_note],
    ]  # fmt: skip
    release = Release.objects.get(name="2026.2")
    assert release.changes == 9 and release.previous.name == "2026.1"
    assert list(release.change_rows.values_list("incident", "change", "new"))[5] == (
        "gamma",
        "estimate added",
        "killed: 9 (A court)",
    )


@pytest.mark.django_db
def test_the_first_release_lists_every_incident_as_added():
    make_published("katyn")
    make_published("beta")
    make_release("2026.1")
    rows = read_csv(release_zip("2026.1"), "CHANGES.csv")
    assert [(r["incident"], r["change"], r["new"]) for r in rows] == [
        ("beta", "incident added", "1"),
        ("katyn", "incident added", "1"),
    ]


@pytest.mark.django_db
def test_no_draft_reaches_a_release(tmp_path):
    public = make_published("public-one", title="A published incident")
    draft = services.version_start_draft(incident=public.incident, user=make_contributor())
    IncidentVersion.objects.filter(pk=draft.pk).update(title=f"{MARKER} new title")
    draft.estimates.update(as_written=f"{MARKER} changed figure")
    make_release("2026.1")
    hidden = make_draft(slug="hidden-draft", title=f"{MARKER} title")
    hidden.estimates.update(as_written=f"{MARKER} figure")
    make_release("2026.2")

    for name in ("2026.1", "2026.2"):
        archive = release_zip(name)
        for member in archive.namelist():
            text = archive.read(member).decode()
            assert MARKER not in text and "hidden-draft" not in text, (name, member)
        assert "A published incident" in archive.read("incidents.json").decode()


@pytest.mark.parametrize("name", ["2026", "v2026.1", "2026.0", "2026.01", "2026.1.zip", "1826.1"])
@pytest.mark.django_db
def test_make_release_refuses_a_name_that_is_not_a_year_and_a_number(name):
    make_published("katyn")
    with pytest.raises(CommandError) as refusal:
        call_command("make_release", name)
    assert str(refusal.value) == (
        f"“{name}” is not a release name: use the year and a number, like 2026.1."
    )
    assert not Release.objects.exists()


@pytest.mark.django_db
def test_make_release_refuses_a_name_already_made(release_storage):
    make_published("katyn")
    release = make_release("2026.1")
    make_published("beta")
    with pytest.raises(CommandError) as refusal:
        call_command("make_release", "2026.1")
    assert str(refusal.value) == (
        "Release 2026.1 already exists: a release is never made again or replaced; "
        "choose the next name."
    )
    stored = (release_storage / "2026.1.zip").read_bytes()
    assert hashlib.sha256(stored).hexdigest() == release.sha256


@pytest.mark.django_db
def test_make_release_refuses_when_nothing_is_published():
    with pytest.raises(CommandError) as refusal:
        call_command("make_release", "2026.1")
    assert str(refusal.value) == "Nothing is published yet: there is nothing to release."


@pytest.mark.django_db
def test_a_made_release_cannot_be_changed():
    make_published("katyn")
    release = make_release("2026.1")
    release.incidents = 5
    with pytest.raises(ReleaseError) as refusal:
        release.save()
    assert str(refusal.value) == "Release 2026.1 is frozen: it cannot be changed."
    assert Release.objects.get().incidents == 1


@pytest.mark.django_db
def test_a_doi_is_recorded_once():
    make_published("katyn")
    make_release("2026.1")
    out = io.StringIO()
    call_command("record_doi", "2026.1", "https://doi.org/10.5281/zenodo.1234567", stdout=out)
    assert out.getvalue() == "Release 2026.1: DOI 10.5281/zenodo.1234567 recorded.\n"
    with pytest.raises(CommandError) as refusal:
        call_command("record_doi", "2026.1", "10.5281/zenodo.7654321")
    assert str(refusal.value) == (
        "Release 2026.1 already has the DOI 10.5281/zenodo.1234567: a DOI is recorded once."
    )
    assert Release.objects.get().doi == "10.5281/zenodo.1234567"


@pytest.mark.django_db
def test_record_doi_refuses_what_is_not_a_doi_and_an_unknown_release():
    make_published("katyn")
    make_release("2026.1")
    with pytest.raises(CommandError) as refusal:
        call_command("record_doi", "2026.1", "zenodo 1234")
    assert (
        str(refusal.value) == "“zenodo 1234” is not a DOI: a DOI looks like 10.5281/zenodo.1234567."
    )
    with pytest.raises(CommandError) as refusal:
        call_command("record_doi", "2026.9", "10.5281/zenodo.1")
    assert str(refusal.value) == "There is no release 2026.9."
    assert Release.objects.get().doi == ""


@pytest.mark.django_db
def test_make_release_reads_the_same_number_of_queries_for_more_incidents(tmp_path):
    make_published("one")
    make_published("two")
    with CaptureQueriesContext(connection) as few:
        (tmp_path / "few").mkdir()
        release_build(name="2026.1", previous=None, folder=tmp_path / "few")
    army = make_actor("Red Army")
    for number in range(6):
        version = make_published_figures(
            f"more-{number}", {"measure": "killed", "best": number + 1}
        )
        version.perpetrators.add(make_actor(f"Unit {number}", parent=army))
    with CaptureQueriesContext(connection) as many:
        (tmp_path / "many").mkdir()
        release_build(name="2026.1", previous=None, folder=tmp_path / "many")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_making_a_release_after_another_reads_a_bounded_number_of_queries(
    django_assert_max_num_queries,
):
    for number in range(5):
        make_published(f"incident-{number}")
    make_release("2026.1")
    for number in range(5):
        make_published(f"later-{number}")
    with django_assert_max_num_queries(40):
        make_release("2026.2")
    assert Release.objects.get(name="2026.2").changes == 5


@pytest.mark.django_db
def test_the_data_page_lists_the_live_files_and_every_release(client):
    make_published("katyn")
    first = make_release("2026.1")
    make_published("beta")
    second = make_release("2026.2")
    call_command("record_doi", "2026.1", "10.5281/zenodo.1234567", stdout=io.StringIO())

    page = client.get("/data/")

    assert page.status_code == 200
    text = page.text
    for live in ["incidents.csv", "estimates.csv", "sources.csv", "incidents.json"]:
        assert f'href="/data/{live}"' in text
    assert text.index("Release 2026.2") < text.index("Release 2026.1")
    assert first.sha256 in text and second.sha256 in text
    assert 'href="https://doi.org/10.5281/zenodo.1234567"' in text
    assert "@misc{incident_archive_2026_1," in text
    assert "doi = {10.5281/zenodo.1234567}" in text
    assert "1 (since <a" in text  # the second release's one change


@pytest.mark.django_db
def test_a_release_page_lists_its_changes_in_pages(client, monkeypatch):
    from archive import release_views

    monkeypatch.setattr(release_views, "CHANGES_PER_PAGE", 2)
    for slug in ["alpha", "beta", "gamma"]:
        make_published(slug)
    release = make_release("2026.1")

    first = client.get("/data/releases/2026.1/")
    second = client.get("/data/releases/2026.1/?page=2")

    assert first.status_code == 200 and release.sha256 in first.text
    assert "<td>alpha</td>" in first.text and "<td>gamma</td>" not in first.text
    assert "<td>gamma</td>" in second.text and "Page 2 of 2" in second.text
    assert 'href="/data/releases/2026.1.zip"' in first.text


@pytest.mark.django_db
def test_a_release_zip_is_served_from_the_storage_with_its_checksum(client, release_storage):
    make_published("katyn")
    release = make_release("2026.1")

    response = client.get("/data/releases/2026.1.zip")

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Length"] == str(release.size) == str(len(body))
    assert response["ETag"] == f'"{release.sha256}"'
    assert body == (release_storage / "2026.1.zip").read_bytes()
    again = client.get("/data/releases/2026.1.zip", HTTP_IF_NONE_MATCH=f'"{release.sha256}"')
    assert again.status_code == 304


@pytest.mark.django_db
def test_an_unknown_release_answers_404(client):
    make_published("katyn")
    make_release("2026.1")
    assert client.get("/data/releases/2026.2/").status_code == 404
    assert client.get("/data/releases/2026.2.zip").status_code == 404
    assert client.get("/data/releases/latest/").status_code == 404


@pytest.mark.django_db
def test_a_doi_is_recorded_in_the_admin_by_someone_allowed_to(client):
    from django.contrib.auth.models import Permission

    from tests.factories import make_user

    make_published("katyn")
    release = make_release("2026.1")
    url = f"/admin/archive/release/{release.pk}/change/"
    publisher = make_publisher()
    client.force_login(publisher)
    assert client.post(url, {"doi": "10.5281/zenodo.1"}).status_code == 403

    recorder = make_user(None, "Publishers")
    recorder.user_permissions.add(Permission.objects.get(codename="record_release_doi"))
    client.force_login(recorder)
    refused = client.post(url, {"doi": "not a doi"})
    assert "“not a doi” is not a DOI: a DOI looks like 10.5281/zenodo.1234567." in refused.text
    client.post(url, {"doi": "https://doi.org/10.5281/zenodo.1234567"})
    assert Release.objects.get().doi == "10.5281/zenodo.1234567"
    client.post(url, {"doi": "10.5281/zenodo.7"})
    assert Release.objects.get().doi == "10.5281/zenodo.1234567"
    assert 'name="doi"' not in client.get(url).text


@pytest.mark.django_db
def test_the_next_release_refuses_a_previous_file_that_is_not_the_one_made(release_storage):
    make_published("katyn")
    make_release("2026.1")
    (release_storage / "2026.1.zip").write_bytes(b"not the release")
    with pytest.raises(CommandError) as refusal:
        call_command("make_release", "2026.2")
    assert str(refusal.value) == (
        "The stored file of release 2026.1 is not the file that was made (its SHA-256 "
        "differs): restore it before making another release."
    )
    (release_storage / "2026.1.zip").unlink()
    with pytest.raises(CommandError) as refusal:
        call_command("make_release", "2026.2")
    assert str(refusal.value) == (
        "The stored file of release 2026.1 (2026.1.zip) is missing: restore it before making "
        "another release."
    )
    assert list(Release.objects.values_list("name", flat=True)) == ["2026.1"]


@pytest.mark.django_db
def test_the_data_page_reads_the_same_queries_for_more_releases(client):
    make_published("katyn")
    make_release("2026.1")
    make_release("2026.2")
    with CaptureQueriesContext(connection) as two:
        client.get("/data/")
    make_release("2026.3")
    make_release("2026.4")
    with CaptureQueriesContext(connection) as four:
        client.get("/data/")
    assert len(four.captured_queries) == len(two.captured_queries)
