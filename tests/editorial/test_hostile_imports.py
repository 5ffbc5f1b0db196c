"""Hostile input: import bombs, forged confirmations, oversized bodies.

Each bomb (``tests/editorial/bombs.py``) is a small file that declares or inflates to far
more than it holds. It must be refused with its own message, write nothing, and leave the
importing process's peak memory under ``PEAK_BOUND_MIB``. The peak is measured in a process
of its own, through that process's own high-water mark: ``VmHWM``, the peak resident size of
its memory, which starts afresh in a new or forked process (the ``ru_maxrss`` of a child
started from this test process also counts this process's size at the moment of the fork).
Each bomb is imported in a process forked from one that has loaded Django once, so that its
peak starts from the size of a fresh ``manage.py import`` and Django loads only once.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.core.wsgi import get_wsgi_application
from django.urls import reverse

from archive.models import Incident, IncidentVersion, Place, Source
from editorial.models import HistoryEntry
from editorial.previews import previews_expire
from tests.editorial import bombs
from tests.editorial.bombs import MultipartBody, post_environ
from tests.editorial.test_admin_import import ESTIMATES, SOURCES, upload
from tests.factories import make_draft, make_source, make_user

ROOT = Path(__file__).resolve().parents[2]
PEAK_BOUND_MIB = 300

BOMBS = {
    "dimension.xlsx": lambda path: bombs.xlsx_declaring(path, "A1:XFD20000"),
    "whole-sheet.xlsx": lambda path: bombs.xlsx_declaring(path, "A1:XFD1048576"),
    "wide.xlsx": lambda path: bombs.xlsx_cell_at(path, "XFD2"),
    "shared-strings.xlsx": bombs.xlsx_huge_shared_strings,
    "deep.xlsx": bombs.xlsx_deeply_nested,
    "ratio.xlsx": bombs.xlsx_high_ratio,
    "empty-rows.csv": bombs.csv_of_empty_rows,
    "huge-cell.csv": bombs.csv_with_one_huge_cell,
    "wide.csv": bombs.csv_of_wide_rows,
}


def inflates(name: str, part: str) -> str:
    """The ratio refusal's message, with the sizes as a pattern."""
    return (
        re.escape(f"“{name}”: its part {part} would inflate from ")
        + r"\d+ KB to [\d.]+ MB, [\d,]+ times; the limit is 100 times\. "
        + re.escape(
            "Spreadsheet programs do not save workbooks like this: save it again, or as CSV "
            "(UTF-8)."
        )
    )


REFUSALS = {
    "dimension.xlsx": re.escape("Import refused: fix the rows above and run it again."),
    "whole-sheet.xlsx": re.escape(
        "“whole-sheet.xlsx” has more than 100,000 rows below its header; the limit is 100,000. "
        "Split it into smaller files."
    ),
    "wide.xlsx": re.escape(
        "“wide.xlsx”, row 2: a cell in column XFD, the 16,384th; the limit is 50 columns."
    ),
    "shared-strings.xlsx": inflates("shared-strings.xlsx", "xl/sharedStrings.xml"),
    "deep.xlsx": re.escape(
        "“deep.xlsx”: xl/worksheets/sheet1.xml nests its elements more than 64 deep; a "
        "workbook needs about ten. Save it again from a spreadsheet program, or as CSV (UTF-8)."
    ),
    "ratio.xlsx": inflates("ratio.xlsx", "xl/worksheets/sheet1.xml"),
    "empty-rows.csv": re.escape(
        "“empty-rows.csv” has more than 100,000 rows below its header; the limit is 100,000. "
        "Split it into smaller files."
    ),
    "huge-cell.csv": re.escape(
        "“huge-cell.csv”, row 2 holds more than 5,000,000 characters; a row holds at most 50 "
        "cells of 100,000 characters. Check for a missing closing quote."
    ),
    "wide.csv": re.escape("“wide.csv”, row 2: 1,000,001 cells; the limit is 50 columns."),
}
# The dimension bomb's two real cells make a file whose header is short: the sheet is read as
# those two cells, not as the 20,000 × 16,384 it declares.
HEADER_MISMATCH = (
    "The header row does not match: missing column `title`, `summary`, `date`, `date_text`, "
    "`categories`."
)


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {name: build(folder / name) for name, build in BOMBS.items()}


def nothing_written() -> bool:
    models = (Incident, IncidentVersion, HistoryEntry, Place, Source)
    return not any(model.objects.exists() for model in models)


@pytest.mark.django_db
@pytest.mark.parametrize("name", BOMBS)
def test_the_command_line_refuses_each_bomb_with_its_message_and_writes_nothing(bomb_files, name):
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            "editorial.resources.IncidentResource",
            str(bomb_files[name]),
            "--no-input",
            stdout=io.StringIO(),
            stderr=err,
        )
    assert re.fullmatch(REFUSALS[name], str(error.value)), str(error.value)
    if name == "dimension.xlsx":
        assert HEADER_MISMATCH in err.getvalue()
    assert nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize("name", BOMBS)
def test_the_admin_refuses_each_bomb_with_its_message_keeps_no_file_and_writes_nothing(
    client, bomb_files, name, import_previews
):
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    with bomb_files[name].open("rb") as file:
        response = client.post(
            reverse("admin:archive_incidentversion_import"),
            {"resource": 0, "format": 0 if name.endswith(".csv") else 1, "import_file": file},
        )
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    if name == "dimension.xlsx":
        assert response.context["import_errors"][0].startswith(HEADER_MISMATCH)
    else:
        (message,) = response.context["form"].errors["import_file"]
        assert re.fullmatch(REFUSALS[name], message), message
    assert not list(import_previews.iterdir())
    assert nothing_written()


# Peak memory, each in a process of its own ----------------------------------------------

OWN_PEAK = """
def own_peak_kib():
    from pathlib import Path
    import resource
    status = Path("/proc/self/status")
    if status.exists():
        line = next(l for l in status.read_text().splitlines() if l.startswith("VmHWM:"))
        return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

IMPORT_EACH_IN_A_PROCESS = (
    OWN_PEAK
    + """
import io, json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
import django
django.setup()
from django.core.management import CommandError, call_command

for path in sys.argv[2:]:
    pid = os.fork()
    if pid == 0:  # the import, in a process whose peak is its own
        quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        try:
            call_command("import", sys.argv[1], path, "--no-input", **quiet)
            refusal = ""
        except CommandError as error:
            refusal = str(error)
        report = {"file": path, "peak_kib": own_peak_kib(), "refusal": refusal}
        print(json.dumps(report), flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
"""
)


def run_python(script: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``script`` in a new Python process, on an empty database and temporary folder of
    its own."""
    temporary = tmp_path / "tmp"
    temporary.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "archive.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'child.sqlite3'}",
        "DJANGO_LOG_LEVEL": "ERROR",
        "DJANGO_IMPORT_PREVIEW_DIR": str(tmp_path / "child-previews"),
        "TMPDIR": str(temporary),
    }
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def peaks(bomb_files, tmp_path_factory) -> dict[str, dict]:
    """``manage.py import`` of each bomb, each in a process of its own: file name → its
    refusal and peak."""
    done = run_python(
        IMPORT_EACH_IN_A_PROCESS,
        "editorial.resources.IncidentResource",
        *map(str, bomb_files.values()),
        tmp_path=tmp_path_factory.mktemp("peaks"),
    )
    reports = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {Path(report["file"]).name: report for report in reports}


@pytest.mark.parametrize("name", BOMBS)
def test_each_bomb_is_refused_in_bounded_memory(peaks, name):
    measured = peaks[name]
    peak_mib = measured["peak_kib"] / 1024
    print(f"{name}: peak {peak_mib:.0f} MiB (bound {PEAK_BOUND_MIB} MiB)")
    assert re.fullmatch(REFUSALS[name], measured["refusal"]), measured
    assert peak_mib < PEAK_BOUND_MIB


ANONYMOUS_POST = (
    OWN_PEAK
    + """
import io, json, os, sys
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
import django
django.setup()
from django.core.wsgi import get_wsgi_application
from tests.editorial.bombs import MultipartBody, post_environ

temporary = Path(os.environ["TMPDIR"])
body = MultipartBody(200 * 1024 * 1024, watch=temporary)
statuses = []
response = get_wsgi_application()(post_environ(body), lambda status, _: statuses.append(status))
text = b"".join(response).decode()
response.close()
print(json.dumps({
    "peak_kib": own_peak_kib(),
    "status": statuses[0],
    "text": text,
    "read": body.read_bytes,
    "temporary_files_seen": body.files_seen,
    "temporary_files_left": len(list(temporary.rglob("*"))),
}))
"""
)


def test_an_anonymous_200_mb_post_is_answered_413_before_a_byte_is_read(tmp_path):
    done = run_python(ANONYMOUS_POST, tmp_path=tmp_path)
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    peak_mib = measured["peak_kib"] / 1024
    print(f"anonymous 200 MB POST: peak {peak_mib:.0f} MiB (bound {PEAK_BOUND_MIB} MiB)")
    assert measured["status"].startswith("413")
    assert measured["text"] == (
        "This request's body is 200 MB; the limit for a visitor who is not signed in is 64 KB.\n"
    )
    assert measured["read"] == 0
    assert measured["temporary_files_seen"] == measured["temporary_files_left"] == 0
    assert peak_mib < PEAK_BOUND_MIB


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, called as a server would, but keeping the test's database
    connection open (as the test client does): a request's start and end close it otherwise,
    and on PostgreSQL the next query inside the test's transaction fails."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_a_small_anonymous_post_still_reaches_the_csrf_check(wsgi_app):
    body = MultipartBody(10_000)
    statuses = []
    response = wsgi_app(post_environ(body), lambda s, h: statuses.append(s))
    response.close()
    assert statuses[0].startswith("403")  # the made-up token is refused, as it should be
    assert body.read_bytes == 10_000


@pytest.mark.django_db
def test_an_editors_body_larger_than_a_file_and_its_form_is_answered_413(
    client, settings, wsgi_app
):
    editor = make_user("editor", "Data editors")
    client.force_login(editor)
    body = MultipartBody(settings.MAX_BODY_BYTES + 1)
    environ = post_environ(body, reverse("admin:archive_source_import"))
    environ["HTTP_COOKIE"] = f"sessionid={client.session.session_key}"
    statuses = []
    response = wsgi_app(environ, lambda s, h: statuses.append(s))
    assert b"the limit is 22.5 MB" in b"".join(response)
    response.close()
    assert statuses[0].startswith("413")
    assert body.read_bytes == 0


@pytest.mark.django_db
def test_an_upload_is_cut_off_at_the_limit_as_its_bytes_arrive(client, settings, import_previews):
    """The handler counts the bytes themselves, not what the request declared."""
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(make_user("editor", "Data editors"))
    response = client.post(
        reverse("admin:archive_source_import"),
        {"resource": 0, "format": 0, "import_file": upload("sources.csv", SOURCES * 40)},
    )
    assert response.context["form"].errors["import_file"] == [
        "The file is larger than 1,000 bytes, the limit for an import. Split it into smaller files."
    ]
    assert not list(import_previews.iterdir())
    assert not Source.objects.exists()


# The confirm step -----------------------------------------------------------------------


def preview_sources(client) -> dict:
    """Upload the sources file for a preview; the confirm form's data."""
    response = client.post(
        reverse("admin:archive_source_import"),
        {"resource": 0, "format": 0, "import_file": upload("sources.csv", SOURCES)},
    )
    form = response.context["confirm_form"]
    return {name: field.initial for name, field in form.fields.items()} | form.initial


def confirm(client, data: dict, model: str = "source"):
    return client.post(reverse(f"admin:archive_{model}_process_import"), data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        {"import_file_name": "{foreign}", "original_file_name": "s.csv", "format": "0"},
        {"import_file_name": "no-such-file", "original_file_name": "s.csv", "format": "0"},
        {"token": "forged"},
        {"token": "{foreign}"},
    ],
)
def test_the_confirm_step_refuses_a_file_name_or_a_forged_token_and_deletes_nothing(
    client, tmp_path, import_previews, data
):
    foreign = tmp_path / "someone-elses.csv"
    foreign.write_text(SOURCES)
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    preview_sources(client)
    kept = sorted(import_previews.iterdir())
    data = {key: value.replace("{foreign}", str(foreign)) for key, value in data.items()}

    response = confirm(client, data)

    assert response.status_code == 400
    assert "Nothing was imported" in response.context["refusal"]
    assert foreign.read_text() == SOURCES
    assert sorted(import_previews.iterdir()) == kept
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_another_users_token_is_refused_and_their_preview_kept(client, import_previews):
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    data = preview_sources(client)
    client.force_login(make_user("other", "Data editors", "Contributors"))

    response = confirm(client, data)

    assert response.status_code == 400
    assert response.context["refusal"] == (
        "This preview was made by another user, in another session or for another kind of "
        "record. Nothing was imported: upload the file again."
    )
    assert len(list(import_previews.iterdir())) == 1
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_a_token_for_one_list_is_refused_by_another(client, import_previews):
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    response = confirm(client, preview_sources(client), model="place")
    assert response.status_code == 400
    assert len(list(import_previews.iterdir())) == 1
    assert not Source.objects.exists()


@pytest.mark.django_db
def test_a_confirmed_import_leaves_no_file_and_cannot_be_confirmed_twice(client, import_previews):
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    data = preview_sources(client)
    assert len(list(import_previews.iterdir())) == 1

    assert confirm(client, data).status_code == 302
    assert Source.objects.count() == 1
    assert not list(import_previews.iterdir())
    again = confirm(client, data)
    assert again.status_code == 400
    assert "has been imported already, or it has expired" in again.context["refusal"]


@pytest.mark.django_db
def test_a_preview_that_finds_errors_keeps_no_file(client, import_previews):
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    response = client.post(
        reverse("admin:archive_source_import"),
        {"resource": 0, "format": 0, "import_file": upload("s.csv", "key,title\nx,\n")},
    )
    assert response.context["import_errors"] == [
        "row 2, column `title`: This field cannot be blank."
    ]
    assert not list(import_previews.iterdir())


@pytest.mark.django_db
def test_a_confirm_that_fails_writes_nothing_and_keeps_no_file(client, import_previews):
    """The file imported in its preview, but its source has been renamed since."""
    source = make_source("naimark-1995")
    draft = make_draft(estimates=0)
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    preview = client.post(
        reverse("admin:archive_estimate_import"),
        {
            "resource": 0,
            "format": 0,
            "import_file": upload("e.csv", ESTIMATES.format(slug=draft.incident.slug)),
        },
    )
    data = preview.context["confirm_form"].initial
    Source.objects.filter(pk=source.pk).update(key="naimark-1995-renamed")

    done = confirm(client, data, model="estimate")

    assert done.status_code == 200
    assert done.context["refusal"] == (
        "Nothing was imported: the file no longer imports as its preview showed."
    )
    assert done.context["import_errors"][0] == (
        "row 2, column `source`: 'naimark-1995' is not a known source key; add it first or "
        "check the spelling"
    )
    assert not draft.estimates.exists()
    assert not list(import_previews.iterdir())


@pytest.mark.django_db
def test_previews_expire_with_their_files(client, import_previews, settings):
    client.force_login(make_user("editor", "Data editors", "Contributors"))
    data = preview_sources(client)
    (stored,) = import_previews.iterdir()
    an_hour_ago = time.time() - settings.IMPORT_PREVIEW_MAX_AGE - 1
    os.utime(stored, (an_hour_ago, an_hour_ago))

    assert client.get(reverse("admin:archive_place_import")).status_code == 200

    assert not stored.exists()
    response = confirm(client, data)
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_expiry_removes_only_old_previews_and_nothing_else(settings, import_previews):
    import_previews.mkdir()
    old, new = import_previews / f"{'a' * 22}.upload", import_previews / f"{'b' * 22}.upload"
    other = import_previews / "notes.txt"
    for path in (old, new, other):
        path.write_text("x")
    long_ago = time.time() - settings.IMPORT_PREVIEW_MAX_AGE - 1
    os.utime(old, (long_ago, long_ago))
    os.utime(other, (long_ago, long_ago))

    assert previews_expire() == 1
    assert sorted(import_previews.iterdir()) == sorted([new, other])


# Smaller variants, each limit on its own --------------------------------------------------


def refusal_of(path: Path) -> str:
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            "editorial.resources.SourceResource",
            str(path),
            "--no-input",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    return str(error.value)


def shared_strings(*texts: str) -> list[bytes]:
    items = "".join(f"<si><t>{text}</t></si>" for text in texts)
    return [f'<sst xmlns="{bombs.MAIN}">{items}</sst>'.encode()]


@pytest.mark.django_db
def test_more_shared_strings_than_the_limit_are_refused(tmp_path, settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 3
    row = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    path = bombs.write_xlsx(
        tmp_path / "s.xlsx", bombs.sheet(row), shared_strings("key", "a", "b", "c")
    )
    assert refusal_of(path) == (
        "“s.xlsx” holds more than 3 different texts (its shared strings); the limit is 3. "
        "Split it into smaller files, or save it as CSV (UTF-8)."
    )
    assert nothing_written()


@pytest.mark.django_db
def test_a_workbook_that_inflates_beyond_the_limit_is_refused_while_it_inflates(tmp_path, settings):
    settings.IMPORT_MAX_INFLATED_BYTES = 2000
    rows = "".join(f'<row r="{n}">{bombs.inline(f"A{n}", "key")}</row>' for n in range(1, 40))
    path = bombs.write_xlsx(tmp_path / "big.xlsx", bombs.sheet(rows))
    assert refusal_of(path) == (
        "“big.xlsx” would inflate to more than 2 KB, the limit for an XLSX file. Split it into "
        "smaller files, or save it as CSV (UTF-8) and import that."
    )


@pytest.mark.django_db
def test_a_document_type_and_its_entities_are_refused(tmp_path):
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
    path = bombs.write_xlsx(tmp_path / "laughs.xlsx", [laughs.encode(), *bombs.sheet(row)])
    assert refusal_of(path) == (
        "“laughs.xlsx”: xl/worksheets/sheet1.xml declares a document type, which workbooks "
        "never do and which could expand without end. Save it again from a spreadsheet "
        "program, or as CSV (UTF-8)."
    )


@pytest.mark.django_db
def test_a_zip_of_too_many_parts_is_refused_before_its_directory_is_read(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(1001):
            archive.writestr(f"p{number}", "")
    assert refusal_of(path) == (
        "“parts.xlsx” holds 1,001 parts; an XLSX workbook has a few dozen and at most 1,000 "
        "are read. Save it again from a spreadsheet program, or as CSV (UTF-8)."
    )


@pytest.mark.django_db
def test_a_long_cell_is_refused_with_its_row_and_column(tmp_path):
    for name, text in [
        ("quoted.csv", f'key,title\nk,"{"x" * 100_001}"\n'),
        ("unquoted.csv", f"key,title\nk,{'x' * 100_001}\n"),
        ("far.csv", f'key,title\nk,"{"x" * 200_000}"\n'),
    ]:
        path = tmp_path / name
        path.write_text(text)
        assert refusal_of(path) == (
            f"“{name}”, row 2, column `title`: a cell of more than 100,000 characters; the "
            "limit is 100,000 characters in a cell."
        )
    xlsx = bombs.write_xlsx(
        tmp_path / "long.xlsx",
        bombs.sheet(
            f'<row r="1">{bombs.inline("A1", "key")}{bombs.inline("B1", "title")}</row>'
            f'<row r="2">{bombs.inline("A2", "k")}{bombs.inline("B2", "x" * 100_001)}</row>'
        ),
    )
    assert refusal_of(xlsx) == (
        "“long.xlsx”, row 2, column `title`: a cell of more than 100,000 characters; the limit "
        "is 100,000 characters in a cell."
    )
    assert nothing_written()
