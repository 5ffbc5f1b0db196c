"""Incident pages are rendered at publication and served as stored, never stale."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from archive import pages
from archive.models import Estimate, IncidentPage, State
from editorial import services
from tests.archive.test_caching import republish
from tests.factories import make_contributor, make_draft, make_published, make_publisher


def fetch(client, url: str) -> str:
    """A page cache miss every time: only the stored page may answer."""
    cache.clear()
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def published_with_related(slug: str, related) -> object:
    version = make_draft(slug=slug, title=f"Incident {slug}")
    version.related.add(related.incident)
    return make_published_from(version)


def make_published_from(version):
    from tests.factories import make_reviewer

    services.version_submit(version=version, user=version.created_by)
    reviewer = make_reviewer()
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(version=version, user=make_publisher())
    version.refresh_from_db()
    return version


@pytest.mark.django_db
def test_publishing_stores_the_page_and_a_reader_gets_it_in_one_query(client):
    version = make_published("katyn", title="Katyn massacre")
    stored = IncidentPage.objects.get(version=version)
    assert stored.build == pages.build()
    client.get("/about/")  # the publication generation is now in the shared cache
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/incidents/katyn/")
    assert response.status_code == 200
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert "Katyn massacre" in response.content.decode()


@pytest.mark.django_db
def test_the_stored_page_is_the_page_rendered_fresh(client):
    make_published("katyn", title="Katyn massacre", description="A *longer* account.")
    stored = fetch(client, "/incidents/katyn/")
    IncidentPage.objects.all().delete()
    fresh = fetch(client, "/incidents/katyn/")
    assert stored == fresh
    assert "<em>longer</em>" in stored


@pytest.mark.django_db
def test_the_citation_line_carries_the_readers_own_address(client):
    make_published("katyn")
    page = fetch(client, "/incidents/katyn/")
    assert "http://testserver/incidents/katyn/" in page
    assert pages.ORIGIN not in page
    secure = client.get("/incidents/katyn/", secure=True).content.decode()
    assert "https://testserver/incidents/katyn/" in secure


@pytest.mark.django_db
def test_a_missing_page_is_rendered_by_the_next_reader_and_kept(client):
    version = make_published("katyn")
    IncidentPage.objects.all().delete()
    assert "Incident katyn" in fetch(client, "/incidents/katyn/")
    assert IncidentPage.objects.filter(version=version).exists()


@pytest.mark.django_db
def test_a_page_rendered_before_a_publication_is_not_kept(client):
    """A reader that began before something was published may have rendered what was true
    before: its page is served once but not stored."""
    version = make_published("katyn")
    IncidentPage.objects.all().delete()
    before = pages.generation()
    make_published("other")
    pages.store_rendered(version, "<p>rendered before</p>", before)
    assert not IncidentPage.objects.filter(version=version).exists()
    pages.store_rendered(version, "<p>rendered now</p>", pages.generation())
    assert IncidentPage.objects.get(version=version).html == "<p>rendered now</p>"


@pytest.mark.django_db
def test_a_new_build_renders_every_page_again(client, monkeypatch):
    version = make_published("katyn")
    IncidentPage.objects.filter(version=version).update(html="<p>from an older build</p>")
    monkeypatch.setattr(pages, "build", lambda: "a-newer-build")
    assert "from an older build" not in fetch(client, "/incidents/katyn/")
    assert IncidentPage.objects.get(version=version).build == "a-newer-build"


@pytest.mark.django_db
def test_retitling_a_related_incident_refreshes_the_pages_that_list_it(client):
    related = make_published("bykivnia", title="Bykivnia graves")
    make_published("unrelated", title="Unrelated")
    published_with_related("katyn", related)
    assert "Bykivnia graves" in fetch(client, "/incidents/katyn/")
    unrelated_page = IncidentPage.objects.get(version__incident__slug="unrelated")
    republish(related, title="Bykivnia mass graves")
    assert "Bykivnia mass graves" in fetch(client, "/incidents/katyn/")
    assert IncidentPage.objects.get(version__incident__slug="unrelated") == unrelated_page


@pytest.mark.django_db
def test_withdrawing_or_renaming_a_related_incident_refreshes_the_pages_that_list_it(client):
    related = make_published("bykivnia", title="Bykivnia graves")
    second = make_published("kurapaty", title="Kurapaty")
    published_with_related("katyn", related)
    version = IncidentPage.objects.get(version__incident__slug="katyn").version
    version.related.add(second.incident)  # both listed; the page is stored again below
    IncidentPage.objects.all().delete()
    assert "/incidents/kurapaty/" in fetch(client, "/incidents/katyn/")
    services.incident_rename(incident=second.incident, user=make_superuser(), slug="kurapaty-1")
    page = fetch(client, "/incidents/katyn/")
    assert "/incidents/kurapaty-1/" in page and "/incidents/kurapaty/" not in page
    services.version_withdraw(version=related, user=make_publisher(), reason="Duplicate entry.")
    assert "Bykivnia graves" not in fetch(client, "/incidents/katyn/")


@pytest.mark.django_db
def test_editing_a_reference_record_forgets_only_the_pages_that_show_it(client):
    katyn = make_published("katyn")
    other = make_published("other")
    place = katyn.places.model.objects.create(name="Kozelsk", slug="kozelsk", country="Russia")
    katyn.places.add(place)
    IncidentPage.objects.all().delete()
    fetch(client, "/incidents/katyn/"), fetch(client, "/incidents/other/")
    place.name = "Kozelsk camp"
    place.save()
    assert not IncidentPage.objects.filter(version=katyn).exists()
    assert IncidentPage.objects.filter(version=other).exists()
    assert "Kozelsk camp" in fetch(client, "/incidents/katyn/")


@pytest.mark.django_db
def test_a_new_draft_leaves_the_stored_page_as_it_is(client):
    version = make_published("katyn", title="Katyn massacre")
    draft = services.version_start_draft(incident=version.incident, user=make_contributor())
    type(draft).objects.filter(pk=draft.pk).update(title="DRAFT-MARKER")
    assert draft.state == State.DRAFT
    page = fetch(client, "/incidents/katyn/")
    assert "Katyn massacre" in page and "DRAFT-MARKER" not in page


def make_superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("editor-in-chief", password="x")


@pytest.mark.django_db
def test_a_page_that_fails_to_render_does_not_stop_the_publication(client, monkeypatch, caplog):
    real = pages.render_page

    def broken(version):
        raise ValueError("Missing staticfiles manifest entry for 'css/site.css'")

    monkeypatch.setattr(pages, "render_page", broken)
    version = make_published("katyn", title="Katyn massacre")
    assert version.state == State.PUBLISHED
    assert not IncidentPage.objects.exists()
    assert "page of version" in caplog.text
    monkeypatch.setattr(pages, "render_page", real)
    assert "Katyn massacre" in fetch(client, "/incidents/katyn/")
    assert IncidentPage.objects.filter(version=version).exists()


@pytest.mark.django_db
def test_linking_a_proceeding_forgets_only_the_linked_incidents_pages(client):
    from archive.models import Proceeding

    katyn = make_published("katyn")
    other = make_published("other")
    proceeding = Proceeding.objects.create(
        slug="trial", title="The Katyn investigation", court="A court", date="1990"
    )
    assert IncidentPage.objects.filter(version=other).exists()
    proceeding.incidents.add(katyn.incident)
    assert not IncidentPage.objects.filter(version=katyn).exists()
    assert IncidentPage.objects.filter(version=other).exists()
    assert "The Katyn investigation" in fetch(client, "/incidents/katyn/")
    katyn.incident.proceedings.remove(proceeding)  # from the incident's side
    assert "The Katyn investigation" not in fetch(client, "/incidents/katyn/")


@pytest.mark.django_db
def test_a_superusers_delete_of_a_published_figure_leaves_no_page_showing_it(client):
    katyn = make_published("katyn", estimates=2)
    listing = published_with_related("bykivnia", katyn)
    estimate = katyn.estimates.order_by("pk").last()
    Estimate.objects.filter(pk=estimate.pk).update(as_written="GONE-MARKER")
    IncidentPage.objects.all().delete()
    assert "GONE-MARKER" in fetch(client, "/incidents/katyn/")
    estimate.delete()
    assert "GONE-MARKER" not in fetch(client, "/incidents/katyn/")
    assert "/incidents/katyn/" in fetch(client, "/incidents/bykivnia/")
    with pytest.raises(ProtectedError):  # an incident with versions and history stays
        katyn.incident.delete()
    assert listing.state == State.PUBLISHED


# The page's address in each language: the citation line and the hreflang links name them.
PREFIXES = ["", "/de", "/pl", "/ru", "/uk"]


@pytest.mark.django_db
def test_an_editor_cannot_type_the_origins_placeholder(client):
    """The placeholder for the reader's origin is filled in the citation line only: typed
    into a title it is escaped, in Markdown it is removed."""
    make_published(
        "katyn", title=f"Katyn {pages.ORIGIN}", description=f"An account. {pages.ORIGIN}"
    )
    page = fetch(client, "/incidents/katyn/")
    in_each_language = [f"http://testserver{prefix}/incidents/katyn/" for prefix in PREFIXES]
    assert page.count("http://testserver") == sum(page.count(url) for url in in_each_language)
    assert "Katyn &lt;!--origin:7f3c--&gt;" in page
    assert pages.ORIGIN not in page


@pytest.mark.django_db
def test_rendering_pages_at_publication_costs_the_same_queries_for_1_and_6_versions():
    one = [make_published(f"one-{n}") for n in range(1)]
    six = [make_published(f"six-{n}") for n in range(6)]
    counts = []
    for versions in (one, six):
        with CaptureQueriesContext(connection) as queries:
            pages.render_published([v.pk for v in versions])
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_on_sqlite_a_readers_store_does_not_wait_behind_a_writer():
    """SQLite ignores ``nowait``; the store runs with no busy timeout, then restores it."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL honours nowait (see the test above)")
    version = make_published("katyn")
    IncidentPage.objects.all().delete()

    def busy_timeout() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            return cursor.fetchone()[0]

    configured, seen = busy_timeout(), pages.generation()
    with CaptureQueriesContext(connection) as queries:
        pages.store_rendered(version, "<p>page</p>", seen)
    sql = [q["sql"] for q in queries]
    assert sql[1] == "PRAGMA busy_timeout = 0"
    assert any("archive_incidentpage" in s for s in sql[2:-1])  # written while not waiting
    assert sql[-1] == f"PRAGMA busy_timeout = {configured}" and busy_timeout() == configured
    assert IncidentPage.objects.filter(version=version).exists()


@pytest.mark.django_db
def test_deleting_a_drafts_figure_leaves_the_public_cache_alone():
    make_published("katyn")
    draft = make_draft(slug="bykivnia", estimates=2)
    before = pages.generation()
    draft.estimates.order_by("pk").last().delete()
    draft.citations.all().delete()
    assert pages.generation() == before
