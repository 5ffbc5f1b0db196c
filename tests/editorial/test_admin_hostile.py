"""Every admin address answers hostile ids and values with 404 or a message, never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.editorial.admin_forms import version_post
from tests.factories import make_draft, make_user

HOSTILE_KEYS = ["abc", "0", "-1", "99999999999999999999", "1'--", "%00", "1.5"]
HOSTILE_INTS = ["0", "99999999999999999999"]


def admin_routes() -> list[str]:
    """Every admin URL pattern as a route with its parameters still in <...>."""
    routes = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                routes.append(route)

    walk(get_resolver().url_patterns, "/")
    return sorted({r for r in routes if r.startswith("/admin/") and "<" in r})


def filled(route: str, value: str) -> str:
    def one(match: re.Match) -> str:
        converter = match[1] or "str"
        if converter == "int":
            return value if value.isdecimal() else "0"
        return value

    return re.sub(r"<(?:(\w+):)?\w+>", one, route)


@pytest.mark.django_db
def test_the_admin_walk_with_hostile_ids_finds_no_server_error():
    make_draft()
    client = Client(raise_request_exception=False)
    client.force_login(make_user("root", is_superuser=True))
    routes = admin_routes()
    assert len(routes) > 40  # the walk really covers the admin
    errors = []
    for route in routes:
        for value in HOSTILE_KEYS:
            url = filled(route, value)
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status >= 500:
                    errors.append(f"{method.upper()} {url}: {status}")
    assert errors == []


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["places", "perpetrators", "victim_groups", "related", "context"])
@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1"])
def test_a_hostile_id_in_an_autocomplete_field_gets_the_fields_message(field, value):
    client = Client(raise_request_exception=False)
    client.force_login(make_user("root", is_superuser=True))
    response = client.post(
        reverse("admin:archive_incidentversion_add"), version_post(**{field: value})
    )
    assert response.status_code == 200
    assert "errorlist" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["abc", "99999999999999999999"])
def test_every_add_form_answers_hostile_relation_values_with_a_message(value):
    """Each registered model's add form, every relation field given a value that is no key."""
    from django.contrib import admin
    from django.db import models

    client = Client(raise_request_exception=False)
    client.force_login(make_user("root", is_superuser=True))
    errors = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        relations = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.ForeignKey | models.ManyToManyField) and f.editable
        ]
        if not relations:
            continue
        response = client.post(url, {name: value for name in relations})
        if response.status_code >= 500:
            errors.append(f"{url}: {response.status_code}")
    assert errors == []
