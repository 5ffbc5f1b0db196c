"""Repeated failed logins lock the username out for that address, however the client lies."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from tests.factories import make_contributor


def attempt(client: Client, password: str, forwarded_for: str = "") -> int:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "contributor", "password": password}, **extra
    )
    return response.status_code


@pytest.mark.django_db
def test_five_failures_lock_out_even_the_right_password(client, settings):
    make_contributor("contributor")
    for _ in range(4):
        assert attempt(client, "wrong") == 200
    assert attempt(client, "wrong") == 429  # the fifth failure locks
    assert attempt(client, "pw") == 429


@pytest.mark.django_db
def test_rotating_x_forwarded_for_does_not_reset_the_count(client):
    make_contributor("contributor")
    for n in range(5):
        attempt(client, "wrong", forwarded_for=f"203.0.113.{n}")
    assert attempt(client, "pw", forwarded_for="198.51.100.7") == 429


@pytest.mark.django_db
def test_a_good_login_before_the_limit_works_and_failures_are_logged(client, caplog):
    make_contributor("contributor")
    with caplog.at_level(logging.INFO, logger="axes"):
        attempt(client, "wrong")
    assert any("contributor" in record.getMessage() for record in caplog.records)
    assert attempt(client, "pw") == 302
