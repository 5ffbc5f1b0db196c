"""Workflow transitions, imports and failed logins are logged as one JSON object per line."""

from __future__ import annotations

import io
import json
import logging
import runpy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils.module_loading import import_string

from editorial import services
from tests.factories import make_contributor, make_draft, make_reviewer

SETTINGS = Path(settings.BASE_DIR) / "archive" / "settings.py"
SOURCES = (
    "key,kind,authors,title,container,year,publisher,place,isbn,doi,url,archived_url,language\n"
    'overmans-2000,book,"Overmans, Rüdiger",Deutsche militärische Verluste,,2000,'
    "Oldenbourg,München,,,,,de\n"
)


def configured_formatter(name: str) -> logging.Formatter:
    """The formatter settings.LOGGING defines under ``name``, built as dictConfig builds it."""
    spec = dict(settings.LOGGING["formatters"][name])
    if "()" in spec:
        return import_string(spec.pop("()"))(**spec)
    return logging.Formatter(spec["format"])


@contextmanager
def log_lines(logger_name: str, formatter: str = "json") -> Iterator[list[str]]:
    """The lines ``logger_name`` writes through the project's formatter while the block runs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configured_formatter(formatter))
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    lines: list[str] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        # Split on the handler's terminator only: any other line break inside a value would
        # already be a second line to a log collector.
        lines.extend(stream.getvalue().removesuffix("\n").split("\n") if stream.getvalue() else [])


def events(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


def test_the_console_logs_json_unless_plain_is_asked_for(monkeypatch):
    monkeypatch.delenv("DJANGO_LOG_FORMAT", raising=False)
    assert runpy.run_path(str(SETTINGS))["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    monkeypatch.setenv("DJANGO_LOG_FORMAT", "plain")
    assert runpy.run_path(str(SETTINGS))["LOGGING"]["handlers"]["console"]["formatter"] == "plain"
    monkeypatch.setenv("DJANGO_LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_LOG_FORMAT"):
        runpy.run_path(str(SETTINGS))


@pytest.mark.django_db
def test_a_transition_is_one_json_line_with_its_fields(contributor):
    version = make_draft(contributor, "katyn-massacre")
    with log_lines("editorial.workflow") as lines:
        services.version_submit(version=version, user=contributor)

    [event] = events(lines)
    assert event["level"] == "INFO"
    assert event["logger"] == "editorial.workflow"
    assert event["timestamp"].endswith("+00:00")
    assert "katyn-massacre" in event["message"]
    assert {key: event[key] for key in ("event", "incident", "version", "from", "to", "user")} == {
        "event": "transition",
        "incident": "katyn-massacre",
        "version": 1,
        "from": "draft",
        "to": "in_review",
        "user": "contributor",
    }
    assert event["channel"] == "service"
    assert event["comment_length"] == 0


@pytest.mark.django_db
def test_a_comment_with_a_line_break_and_quotes_stays_out_of_the_log(contributor):
    """The comment is kept in the history; the log says only how long it was."""
    version = make_draft(contributor)
    services.version_submit(version=version, user=contributor)
    comment = 'The figure "XQ-MARKER" is not on p. 12.\n{"event": "transition", "to": "published"}'
    with log_lines("editorial.workflow") as lines:
        services.version_request_changes(version=version, user=make_reviewer(), comment=comment)

    [event] = events(lines)
    assert event["to"] == "changes_requested"
    assert event["comment_length"] == len(comment)
    assert "XQ-MARKER" not in lines[0]


@pytest.mark.django_db
def test_an_import_is_one_json_line_with_its_counts(tmp_path):
    path = tmp_path / "sources.csv"
    path.write_text(SOURCES)
    with log_lines("editorial.imports") as lines:
        call_command("import", "editorial.resources.SourceResource", str(path), "--no-input")
        call_command("import", "editorial.resources.SourceResource", str(path), "--no-input")
        call_command(
            "import", "editorial.resources.SourceResource", str(path), "--no-input", "--dry-run"
        )

    first, again, dry = events(lines)
    assert first["event"] == "import"
    assert first["logger"] == "editorial.imports"
    assert first["resource"] == "SourceResource"
    assert first["file"] == str(path)
    assert (first["rows"], first["new"], first["updated"], first["unchanged"]) == (1, 1, 0, 0)
    assert first["user"] is None  # the command line has no user
    assert first["dry_run"] is False
    assert (again["new"], again["unchanged"]) == (0, 1)
    assert dry["dry_run"] is True


@pytest.mark.django_db
def test_an_import_file_name_with_a_line_break_stays_one_line(tmp_path):
    path = tmp_path / 'sources "new"\n.csv'
    path.write_text(SOURCES)
    with log_lines("editorial.imports") as lines, log_lines("editorial.imports", "plain") as plain:
        call_command("import", "editorial.resources.SourceResource", str(path), "--no-input")

    [event] = events(lines)
    assert event["file"] == str(path)
    assert len(plain) == 1


def login(client, username: str, password: str) -> int:
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code


@pytest.mark.django_db
def test_a_failed_admin_login_is_one_json_line_with_username_and_address(client):
    make_contributor("contributor")
    with log_lines("editorial.logins") as lines:
        assert login(client, "contributor", "wrong") == 200

    [event] = events(lines)
    assert event["level"] == "WARNING"
    assert event["logger"] == "editorial.logins"
    assert {key: event[key] for key in ("event", "username", "ip")} == {
        "event": "login_failed",
        "username": "contributor",
        "ip": "127.0.0.1",
    }
    assert "password" not in lines[0]


@pytest.mark.django_db
def test_a_typed_username_cannot_forge_a_log_line(client):
    forged = 'x", "event": "login_ok"}\n{"event": "login_ok", "username": "admin'
    with (
        log_lines("editorial.logins") as lines,
        log_lines("editorial.logins", "plain") as plain,
    ):
        login(client, forged, "wrong")

    [event] = events(lines)
    assert event["event"] == "login_failed"
    assert event["username"] == forged
    assert len(plain) == 1


@pytest.mark.django_db
def test_a_lockout_is_logged_as_its_own_event(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    make_contributor("contributor")
    with log_lines("editorial.logins") as lines:
        login(client, "contributor", "wrong")
        assert login(client, "contributor", "wrong") == 429

    logged = {(event["event"], event["username"], event["ip"]) for event in events(lines)}
    assert logged == {
        ("login_failed", "contributor", "127.0.0.1"),
        ("login_locked_out", "contributor", "127.0.0.1"),
    }
