"""Deployment hardening: headers on every kind of response, safe start-up, error pages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_published, make_user

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7#kP2!vQ9zL4mN8rT1wY6uE3oA5sD0fG7hJ2kL9zX4cV8bN1mQ6",
    "DJANGO_ALLOWED_HOSTS": "archive.example.org",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the site refuses to start" in (
        result.stderr
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/incidents/katyn/",
        "/api/incidents/",
        "/api/incidents/katyn/",
        "/admin/login/",
        "/admin/",
        "/no-such-page/",
    ],
)
def test_security_headers_on_public_admin_and_api_responses(client, url):
    make_published("katyn")
    if url == "/admin/":
        client.force_login(make_user("root", is_superuser=True))
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_public_templates_have_no_inline_script_or_style():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert ' style="' not in text and " on" + "click=" not in text, template


@pytest.mark.django_db
def test_404_and_500_pages_reveal_nothing(client, settings):
    settings.DEBUG = False
    missing = client.get("/incidents/no-such-thing/")
    assert missing.status_code == 404 and b"Not found" in missing.content
    assert b"Traceback" not in missing.content and b"SECRET_KEY" not in missing.content

    from django.test import Client

    crashing = Client(raise_request_exception=False)
    from unittest import mock

    with mock.patch("archive.pages.render_markdown", side_effect=RuntimeError("boom")):
        make_published("boom")
        response = crashing.get("/incidents/boom/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"boom" not in response.content and b"Traceback" not in response.content


def test_a_sqlite_urls_own_options_are_kept_beside_the_defaults():
    from archive.settings import database

    options = database("sqlite:////tmp/archive.sqlite3?timeout=20")["OPTIONS"]
    assert options["timeout"] == 20 and options["transaction_mode"] == "IMMEDIATE"
