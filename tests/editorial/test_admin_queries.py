"""Every admin list page costs the same number of queries with 5 rows as with 50."""

from __future__ import annotations

import pytest
from django.contrib.admin import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import Context, Correction, Proceeding, VictimGroup
from editorial import services
from tests.factories import (
    make_actor,
    make_draft,
    make_place,
    make_published,
    make_source,
    make_user,
)


def grow_to(rows: int) -> None:
    """Add rows of every kind until each admin list has at least ``rows`` of them."""
    while VictimGroup.objects.count() < rows:
        n = VictimGroup.objects.count()
        parent = make_actor()
        make_actor(parent=parent)
        make_place(country="Poland", region="Galicia")
        VictimGroup.objects.create(name=f"Group {n}", slug=f"group-{n}")
        Context.objects.create(name=f"Context {n}", slug=f"context-{n}")
        source = make_source()
        Proceeding.objects.create(
            slug=f"trial-{n}", title=f"Trial {n}", court="Court", date="1995", source=source
        )
        draft = make_draft(context=Context.objects.last())
        draft.places.add(*list(draft.places.model.objects.all()[:1]))
        published = make_published()
        services.version_withdraw(version=published, user=make_user(None, "Publishers"), reason="x")


def changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


ADMIN_LISTS = sorted(
    f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" for model in site._registry
)


@pytest.mark.django_db
def test_every_admin_list_has_constant_queries(client):
    superuser = make_user("root", is_superuser=True)
    client.force_login(superuser)
    grow_to(5)
    small = {name: changelist_queries(client, reverse(name)) for name in ADMIN_LISTS}
    grow_to(50)
    assert Correction.objects.count() >= 50
    large = {name: changelist_queries(client, reverse(name)) for name in ADMIN_LISTS}
    assert large == small
