"""Import and export in the admin: their own permissions, a dry-run preview, then confirm."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from archive.models import Source
from editorial.models import HistoryEntry
from tests.factories import make_contributor, make_draft, make_source, make_user

SOURCES = (
    "key,kind,authors,title,container,year,publisher,place,isbn,doi,url,archived_url,language\n"
    'naimark-1995,book,"Naimark, Norman M.",The Russians in Germany,,1995,'
    "Harvard University Press,,,,,,en\n"
)


def upload(name: str, content: str | bytes) -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.mark.django_db
def test_data_editor_previews_then_confirms_an_import(client):
    editor = make_user("editor", "Data editors", "Contributors")
    client.force_login(editor)
    url = reverse("admin:archive_source_import")

    preview = client.post(
        url, {"resource": 0, "format": 0, "import_file": upload("sources.csv", SOURCES)}
    )

    assert preview.status_code == 200
    assert "1 rows: <strong>1 new</strong>, <strong>0 changed</strong>, 0 unchanged" in preview.text
    assert '<h3 id="import-new">New rows (1)</h3>' in preview.text
    assert 'style="' not in preview.text  # the policy would block it
    assert not Source.objects.exists()  # the preview is a dry run
    confirm_form = preview.context["confirm_form"]
    data = {name: field.initial for name, field in confirm_form.fields.items()}
    data.update(confirm_form.initial)
    done = client.post(reverse("admin:archive_source_process_import"), data)
    assert done.status_code == 302
    assert Source.objects.get().title == "The Russians in Germany"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("sources.yaml", "- key: x", "is not a CSV or XLSX file"),
        ("sources.csv", b"caf\xe9,x\n", "is not UTF-8 text"),
        ("sources.html", "<html></html>", "is not a CSV or XLSX file"),
    ],
)
def test_admin_refuses_bad_uploads(client, name, content, message):
    client.force_login(make_user("editor", "Data editors"))
    response = client.post(
        reverse("admin:archive_source_import"),
        {"resource": 0, "format": 0, "import_file": upload(name, content)},
    )
    assert message in response.text
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_admin_preview_lists_row_errors_and_offers_no_confirm(client):
    client.force_login(make_user("editor", "Data editors"))
    bad = SOURCES + "second,book,,A title,,19x5,,,,,,,en\n"
    response = client.post(
        reverse("admin:archive_source_import"),
        {"resource": 0, "format": 0, "import_file": upload("s.csv", bad)},
    )
    assert "row 3, column `year`: &#x27;19x5&#x27; is not a year" in response.text
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Source.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", ["source", "place", "actor", "incidentversion", "estimate", "citation", "proceeding"]
)
def test_import_and_export_need_their_own_permission(client, model):
    client.force_login(make_contributor("contributor"))
    assert client.get(reverse(f"admin:archive_{model}_import")).status_code == 403
    assert client.get(reverse(f"admin:archive_{model}_export")).status_code == 403
    client.force_login(make_user("editor", "Data editors"))
    assert client.get(reverse(f"admin:archive_{model}_import")).status_code == 200
    assert client.get(reverse(f"admin:archive_{model}_export")).status_code == 200


@pytest.mark.django_db
def test_admin_import_records_who_imported(client):
    from tests.editorial.test_import import INCIDENT_HEADER, INCIDENT_ROW

    editor = make_user("editor", "Data editors", "Contributors")
    client.force_login(editor)
    preview = client.post(
        reverse("admin:archive_incidentversion_import"),
        {
            "resource": 0,
            "format": 0,
            "import_file": upload("i.csv", INCIDENT_HEADER + INCIDENT_ROW),
        },
    )
    confirm_form = preview.context["confirm_form"]
    data = {name: field.initial for name, field in confirm_form.fields.items()}
    data.update(confirm_form.initial)
    client.post(reverse("admin:archive_incidentversion_process_import"), data)
    entry = HistoryEntry.objects.get(incident__slug="katyn-massacre", action="import")
    created = HistoryEntry.objects.get(incident__slug="katyn-massacre", action="create")
    assert (created.user, created.channel) == (editor, "import")  # the import created it
    assert (entry.user, entry.action, entry.channel) == (editor, "import", "import")
    assert not re.search(r"Traceback", preview.text)


ESTIMATES = (
    "ref,incident,measure,low,best,high,qualifier,as_written,claimant,"
    "claim_year,assessment,assessment_reason,source,locator,quote\n"
    'k-1,{slug},killed,,21857,,exact,"21,857",NKVD records,1940,,,naimark-1995,p. 5,\n'
    "k-2,{slug},killed,,22000,,about,about 22000,<script>alert(1)</script>,,,,naimark-1995,,\n"
)


@pytest.mark.django_db
def test_the_estimates_preview_lists_every_row_then_confirm_writes_them(client):
    """Estimates skip the library's per-row diff; the preview still says what each row of the
    file will write, and escapes what the file says."""
    make_source("naimark-1995")
    draft = make_draft(estimates=0)
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    data = ESTIMATES.format(slug=draft.incident.slug)

    preview = client.post(
        reverse("admin:archive_estimate_import"),
        {"resource": 0, "format": 0, "import_file": upload("estimates.csv", data)},
    )

    assert preview.status_code == 200
    text = preview.text
    assert (
        "2 rows: <strong>2 new</strong>, <strong>0 changed</strong>, 0 unchanged, 0 errors." in text
    )
    assert (
        f"<tr><td>2</td><td>{draft.incident.slug} · k-1: 21,857 killed (NKVD records)</td></tr>"
        in text
    )
    assert "about 22000 killed (&lt;script&gt;alert(1)&lt;/script&gt;)" in text
    assert "<script>alert" not in text
    assert not draft.estimates.exists()  # the preview is a dry run

    confirm_form = preview.context["confirm_form"]
    fields = {name: field.initial for name, field in confirm_form.fields.items()}
    done = client.post(
        reverse("admin:archive_estimate_process_import"), fields | confirm_form.initial
    )
    assert done.status_code == 302
    assert sorted(draft.estimates.values_list("ref", "best")) == [("k-1", 21857), ("k-2", 22000)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra_row", "message"),
    [
        (
            "late,book,,A title,,1995,,,,,,,en,extra\n",
            "“s.csv”, row 3: 14 cells, but the header has 13 columns; check for a stray comma "
            "or a missing header.",
        ),
        (
            f"late,book,,{'x' * 100_001},,1995,,,,,,,en\n",
            "“s.csv”, row 3, column `title`: a cell of more than 100,000 characters; the limit "
            "is 100,000 characters in a cell.",
        ),
    ],
)
def test_admin_csv_errors_name_the_row_as_the_command_line_does(
    client, tmp_path, extra_row, message
):
    client.force_login(make_user("editor", "Data editors"))
    response = client.post(
        reverse("admin:archive_source_import"),
        {"resource": 0, "format": 0, "import_file": upload("s.csv", SOURCES + extra_row)},
    )
    assert response.context["form"].errors["import_file"] == [message]
    path = tmp_path / "s.csv"
    path.write_text(SOURCES + extra_row)
    with pytest.raises(CommandError) as error:
        call_command("import", "editorial.resources.SourceResource", str(path), "--no-input")
    assert str(error.value) == message
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_the_format_is_read_from_the_file_name_and_never_asked_for(client):
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    url = reverse("admin:archive_source_import")
    assert 'name="format"' not in client.get(url).text
    response = client.post(url, {"resource": 0, "import_file": upload("sources.csv", SOURCES)})
    assert "1 rows: <strong>1 new</strong>" in response.text
    refused = client.post(url, {"resource": 0, "import_file": upload("sources.xlsx", SOURCES)})
    assert refused.context["form"].errors["import_file"] == [
        "“sources.xlsx” is not an XLSX workbook."
    ]


@pytest.mark.django_db
def test_a_long_preview_lists_its_first_rows_and_counts_them_all(client, monkeypatch):
    monkeypatch.setattr("editorial.admin_imports.PREVIEW_ROWS", 1)
    make_source("naimark-1995")
    draft = make_draft(estimates=0)
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    data = ESTIMATES.format(slug=draft.incident.slug)

    preview = client.post(
        reverse("admin:archive_estimate_import"),
        {"resource": 0, "format": 0, "import_file": upload("estimates.csv", data)},
    )

    assert "2 rows: <strong>2 new</strong>" in preview.text
    assert "The first 1 of them are listed." in preview.text
    assert preview.text.count(f"<td>{draft.incident.slug} · k-") == 1


@pytest.mark.django_db
def test_the_admin_preview_refuses_a_part_that_breaks_down_no_figure_and_writes_nothing(client):
    make_source("naimark-1995")
    draft = make_draft(estimates=0)
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    data = (
        ESTIMATES.splitlines()[0] + ",scope,part_of,share_low,share_high,share_of,per\n"
        f"girls,{draft.incident.slug},killed,,20,,,20 girls,c,,,,naimark-1995,,,girls,nowhere,,,,\n"
    )
    preview = client.post(
        reverse("admin:archive_estimate_import"),
        {"resource": 0, "format": 0, "import_file": upload("estimates.csv", data)},
    )
    assert preview.status_code == 200
    assert (
        "row 2, column `part_of`: “nowhere” is not a figure of this incident: a part breaks "
        "down a figure of the same incident (give the ref of that figure)."
    ) in preview.text.replace("&quot;", '"')
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert not draft.estimates.exists()
