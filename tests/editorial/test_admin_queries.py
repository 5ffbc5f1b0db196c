"""Every admin list page costs the same number of queries with 5 rows as with 50."""

from __future__ import annotations

import pytest
from django.contrib.admin import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from archive.models import Context, Correction, IncidentVersion, Proceeding, VictimGroup
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


def grow_incidents_to(count: int, editor) -> None:
    """Published incidents of two figures each, every other one with a draft open."""
    from tests.editorial.test_bulk_round_trip import draft_beside_published
    from tests.factories import make_published_figures

    while (n := IncidentVersion.objects.values("incident").distinct().count()) < count:
        if n % 2:
            draft_beside_published(f"incident-{n}", editor)
        else:
            make_published_figures(f"incident-{n}", {"best": 10}, {"best": 20})


def export_queries(client, model: str, resource: int) -> tuple[int, int]:
    """Queries of an admin export, and the rows it wrote."""
    url = reverse(f"admin:archive_{model}_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update({"format": "0", "resource": str(resource)})
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 200
    return len(queries), response.content.decode().count("\n") - 1


EXPORTS = [("estimate", 0), ("citation", 0), ("incidentversion", 0), ("incidentversion", 1)]


@pytest.mark.django_db
def test_the_admin_exports_cost_the_same_queries_for_5_or_50_incidents(client):
    editor = make_user("editor", "Data editors", "Contributors")
    client.force_login(editor)
    grow_incidents_to(5, editor)
    small = {export: export_queries(client, *export) for export in EXPORTS}
    grow_incidents_to(50, editor)
    large = {export: export_queries(client, *export) for export in EXPORTS}
    assert {k: q for k, (q, _) in large.items()} == {k: q for k, (q, _) in small.items()}
    assert large[("incidentversion", 0)][1] == 50  # one row per incident
    assert large[("estimate", 0)][1] == 100  # one row per figure


@pytest.mark.django_db
def test_the_import_preview_costs_the_same_queries_for_5_or_50_incidents(client):
    from tests.editorial.test_bulk_round_trip import export_rows, preview

    editor = make_user("editor", "Data editors", "Contributors")
    client.force_login(editor)

    def preview_queries() -> int:
        rows = export_rows(client, "estimate")
        rows[0]["best"] = "11"  # one row changes, the rest do not
        with CaptureQueriesContext(connection) as queries:
            response = preview(client, "estimate", rows)
        assert "<strong>1 changed</strong>" in response.text
        return len(queries)

    grow_incidents_to(5, editor)
    small = preview_queries()
    grow_incidents_to(50, editor)
    assert preview_queries() == small


@pytest.mark.django_db
def test_the_dashboards_cost_the_same_queries_for_more_work_waiting(client):
    """Queues with their assignees, waiting times and reader submissions: no query per item."""
    from tests.factories import make_contributor, make_reviewer, make_submission

    author, reviewer = make_contributor("author"), make_reviewer("reviewer")
    data_editor = make_user("data", "Data editors", "Contributors")

    def add_work(n: int) -> None:
        for _ in range(n):
            draft = make_draft(author)
            services.version_submit(version=draft, user=author)
            services.version_assign(version=draft, user=author, reviewer=reviewer)
            sent_back = make_draft(author)
            services.version_submit(version=sent_back, user=author)
            services.version_request_changes(version=sent_back, user=reviewer, comment="x")
            make_submission(make_published().incident)
            make_submission(title="A massacre nobody has entered")

    def dashboards() -> list[int]:
        found = []
        for user in (author, reviewer, data_editor):
            client.force_login(user)
            client.get(reverse("admin:index"))  # sessions and caches warmed
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("admin:index")).status_code == 200
            found.append(len(queries))
        return found

    add_work(1)
    few = dashboards()
    add_work(5)
    assert dashboards() == few
