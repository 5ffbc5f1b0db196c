"""The public site never shows anything but published versions."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from archive.models import Context, IncidentVersion, Place, Proceeding, Snapshot, Source
from editorial import services
from tests.crawl import body_text, in_every_language
from tests.factories import (
    make_actor,
    make_contributor,
    make_draft,
    make_place,
    make_published,
    make_published_translation,
    make_reviewer,
    make_snapshot,
    make_source,
    make_submission,
    make_user,
)

MARKER = "SECRET-DRAFT-MARKER"


def marked_draft(slug: str, author) -> IncidentVersion:
    """A draft whose every text and reference record carries the marker."""
    secret_war = Context.objects.get_or_create(name=f"{MARKER} war", slug="secret-war")[0]
    version = make_draft(
        author,
        slug,
        title=f"{MARKER} title",
        summary=f"{MARKER} summary",
        description=f"{MARKER} description",
        date_text=f"{MARKER} date",
        context=secret_war,
    )
    version.places.add(make_place(f"{MARKER} place {slug}", country=f"{MARKER} land"))
    version.perpetrators.add(make_actor(f"{MARKER} actor {slug}"))
    estimate = version.estimates.get()
    estimate.as_written = f"{MARKER} figure"
    estimate.claimant = f"{MARKER} claimant"
    estimate.source = make_source(
        f"secret-{slug}", title=f"{MARKER} source", url=f"https://example.org/{slug}"
    )
    estimate.save()
    make_snapshot(estimate.source, f"<p>{MARKER} archived copy</p>".encode())
    return version


@pytest.fixture
def archive_with_drafts(db):
    author, reviewer = make_contributor(), make_reviewer()
    publisher = make_user(None, "Publishers")
    versions = {
        state: marked_draft(f"hidden-{state}", author)
        for state in ["draft", "in_review", "changes_requested", "approved", "withdrawn"]
    }
    for state, version in versions.items():
        if state == "draft":
            continue
        services.version_submit(version=version, user=author)
        if state == "changes_requested":
            services.version_request_changes(version=version, user=reviewer, comment="x")
            continue
        if state == "in_review":
            continue
        for estimate in version.estimates.all():
            services.estimate_verify(estimate=estimate, user=reviewer)
        services.version_approve(version=version, user=reviewer)
        if state == "withdrawn":
            services.version_publish(version=version, user=publisher)

    # The published incident lists every other one as related and shares a trial with them,
    # as editors may link an incident that is not public yet or not any more.
    hidden = [version.incident for version in versions.values()]
    public = make_published(
        "public-one",
        title="A published incident",
        related=hidden,
        context=Context.objects.create(name="Second World War", slug="second-world-war"),
    )
    public.places.add(make_place("Katyń", country="Russia"))
    for source in Source.objects.published():
        Source.objects.filter(pk=source.pk).update(url="https://example.org/public")
        make_snapshot(Source.objects.get(pk=source.pk), b"<p>A public copy.</p>")
    trial = Proceeding.objects.create(
        slug="a-trial", title="A trial", court="A court", date="1946", outcome="Convicted."
    )
    trial.incidents.set([public.incident, *hidden])

    withdrawn = versions["withdrawn"]
    IncidentVersion.objects.filter(pk=withdrawn.pk).update(
        title="Withdrawn incident", summary="gone", description="gone"
    )
    services.version_withdraw(version=withdrawn, user=publisher, reason="Not sourced.")

    # A draft of a published incident: the public keeps the published text.
    redraft = services.version_start_draft(incident=public.incident, user=author)
    IncidentVersion.objects.filter(pk=redraft.pk).update(title=f"{MARKER} new title")
    redraft.estimates.update(as_written=f"{MARKER} changed figure")

    # A discussion between the author and the reviewer of a version in review.
    services.thread_open(
        version=versions["in_review"], user=reviewer, text=f"{MARKER} discussion of the text"
    )

    # Readers' submissions, one of them turned into a draft: never public, the reader's name
    # and contact least of all.
    secret = {
        "message": f"{MARKER} reader message",
        "source": f"{MARKER} reader source",
        "name": f"{MARKER} reader name",
        "contact": f"{MARKER}-reader@example.org",
    }
    make_submission(public.incident, **secret)
    make_submission(None, **secret)
    data_editor = make_user(None, "Data editors")
    services.submission_close(
        submission=make_submission(public.incident, **secret), user=data_editor, reason="Spam."
    )

    # Translations of the published incident that are not published: a draft, one in review,
    # one sent back and one approved but not yet published; and an approved translation of
    # an approved version that waits for that version. One published translation beside them.
    translator = make_contributor()
    make_published_translation(public, "de", title="Ein veröffentlichter Vorfall")
    secret_text = {
        "title": f"{MARKER} translated title",
        "summary": f"{MARKER} translated summary",
        "description": f"{MARKER} translated description",
        "date_text": f"{MARKER} translated date",
    }
    unpublished = {
        language: services.translation_create(
            version=public, language=language, user=translator, fields=secret_text
        )
        for language in ("de", "pl", "ru", "uk")
    }
    for language in ("pl", "ru", "uk"):
        services.translation_submit(translation=unpublished[language], user=translator)
    services.translation_request_changes(translation=unpublished["ru"], user=reviewer, comment="x")
    services.translation_approve(translation=unpublished["uk"], user=reviewer)
    waiting = services.translation_create(
        version=versions["approved"], language="de", user=translator, fields=secret_text
    )
    services.translation_submit(translation=waiting, user=translator)
    services.translation_approve(translation=waiting, user=reviewer)

    # Releases are made beside the drafts: one before the redraft's figure changed, one after.
    call_command("make_release", "2026.1", stdout=io.StringIO())
    redraft.estimates.update(as_written=f"{MARKER} changed figure again")
    call_command("make_release", "2026.2", stdout=io.StringIO())

    for state, version in versions.items():
        assert IncidentVersion.objects.get(pk=version.pk).state == state
    return public, versions


def hidden_slugs(versions) -> list[str]:
    """The slugs of the incidents with no published version: no public page may name them."""
    slugs = [version.incident.slug for version in versions.values()]
    assert all(slug.startswith("hidden-") for slug in slugs)  # distinctive: no false hit
    return slugs


# Every public URL name, with the arguments to try. A new URL fails the completeness test
# below until it is listed here, so no page escapes the leak test.
def url_kinds(slugs: list[str]) -> dict[str, list[str]]:
    everything = ["public-one", *slugs]
    # Every snapshot, private or not (the completeness test, without a database, reads only
    # the names).
    snapshots = list(Snapshot.objects.values_list("source__key", "pk")) if slugs else []
    return {
        "home": [reverse("archive:home")],
        "about": [reverse("archive:about")],
        "timeline": [reverse("archive:timeline")],
        "map": [reverse("archive:map")],
        "incident_list": [
            reverse("archive:incident_list"),
            reverse("archive:incident_list") + "?q=secret+draft+marker",
            reverse("archive:incident_list") + "?q=title",
            reverse("archive:incident_list") + "?conflicting=false&ordering=-published",
        ],
        "incident": [reverse("archive:incident", args=[slug]) for slug in everything],
        "cite": [
            reverse("archive:cite", args=[slug, style])
            for slug in everything
            for style in ("bibtex", "ris", "csl-json")
        ],
        "suggest": [reverse("archive:suggest", args=[slug]) for slug in everything],
        "submit": [reverse("archive:submit")],
        "source_list": [reverse("archive:source_list")],
        "source": [reverse("archive:source", args=[f"secret-{slug}"]) for slug in slugs],
        "snapshot": [reverse("archive:snapshot", args=snapshot) for snapshot in snapshots],
        "snapshot_warc": [
            reverse("archive:snapshot_warc", args=snapshot) for snapshot in snapshots
        ],
        "perpetrator": [],
        "place": [],
        "category": [],
        "context": [
            reverse("archive:context", args=["second-world-war"]),
            reverse("archive:context", args=["secret-war"]),
        ],
        "country": [
            reverse("archive:country", args=["russia"]),
            reverse("archive:country", args=["secret-draft-marker-land"]),
        ],
        "corrections": [reverse("archive:corrections")],
        "api_incident_list": [
            reverse("archive:api_incident_list"),
            reverse("archive:api_incident_list") + "?q=secret+draft",
            *(
                reverse("archive:api_incident_list") + f"?lang={code}&q={words}"
                for code in ("de", "pl", "ru", "uk")
                for words in ("", "secret+draft+marker", "translated")
            ),
        ],
        "api_incident": [
            *(reverse("archive:api_incident", args=[slug]) for slug in everything),
            *(
                reverse("archive:api_incident", args=["public-one"]) + f"?lang={code}"
                for code in ("de", "pl", "ru", "uk")
            ),
        ],
        "api_openapi": [reverse("archive:api_openapi")],
        "api_changes": [
            reverse("archive:api_changes"),
            reverse("archive:api_changes") + "?since=1900-01-01",
            reverse("archive:api_changes") + "?cursor=0",
        ],
        "api_aggregates": [
            reverse("archive:api_aggregates"),
            reverse("archive:api_aggregates") + "?q=secret+draft",
            reverse("archive:api_aggregates") + "?context=secret-war",
            reverse("archive:api_aggregates") + "?country=secret-draft-marker+land",
        ],
        "data_incidents_csv": [reverse("archive:data_incidents_csv")],
        "data_estimates_csv": [reverse("archive:data_estimates_csv")],
        "data_sources_csv": [reverse("archive:data_sources_csv")],
        "data_incidents_json": [reverse("archive:data_incidents_json")],
        "data_incidents_geojson": [reverse("archive:data_incidents_geojson")],
        "data": [reverse("archive:data")],
        "release": [reverse("archive:release", args=[name]) for name in ("2026.1", "2026.2")],
        "release_zip": [
            reverse("archive:release_zip", args=[name]) for name in ("2026.1", "2026.2")
        ],
        "feed": [reverse("archive:feed")],
        "sitemap": [reverse("archive:sitemap")],
        "robots": [reverse("archive:robots")],
    }


def test_every_public_url_is_in_the_leak_test():
    from django.urls import get_resolver

    resolver = get_resolver()
    archive_names = set(resolver.namespace_dict["archive"][1].reverse_dict.keys())
    archive_names = {name for name in archive_names if isinstance(name, str)}
    assert archive_names == set(url_kinds([]))


def public_urls(versions) -> list[str]:
    kinds = url_kinds([v.incident.slug for v in versions.values()])
    urls = [url for group in kinds.values() for url in group]
    for place in Place.objects.all():
        urls.append(reverse("archive:place", args=[place.slug]))
    for version in versions.values():
        for actor in version.perpetrators.all():
            urls.append(reverse("archive:perpetrator", args=[actor.slug]))
        for category in version.categories.all():
            urls.append(reverse("archive:category", args=[category.slug]))
    return in_every_language(urls)


def announced(url: str, slug: str, versions) -> bool:
    """The change feed names a withdrawn incident, so that a mirror removes it."""
    feed = reverse("archive:api_changes")
    return url.startswith(feed) and slug == versions["withdrawn"].incident.slug


@pytest.mark.django_db
def test_the_change_feed_announces_the_withdrawal_and_names_no_draft(client, archive_with_drafts):
    entries = client.get(reverse("archive:api_changes")).json()["results"]
    assert [(entry["slug"], entry["change"]) for entry in entries] == [
        ("hidden-withdrawn", "published"),
        ("public-one", "published"),
        ("hidden-withdrawn", "withdrawn"),
    ]


@pytest.mark.django_db
def test_no_public_url_shows_a_draft(client, archive_with_drafts):
    _, versions = archive_with_drafts
    leaks = []
    for url in public_urls(versions):
        response = client.get(url)
        assert response.status_code in (200, 404, 410), url
        body = body_text(response)
        if MARKER in body:
            leaks.append(url)
        own = response.status_code in (404, 410)
        leaks += [
            (url, slug)
            for slug in hidden_slugs(versions)
            if slug in body and not (own and slug in url) and not announced(url, slug, versions)
        ]
    assert leaks == []


@pytest.mark.django_db
def test_unpublished_incidents_answer_404_and_withdrawn_410(client, archive_with_drafts):
    _, versions = archive_with_drafts
    for state, version in versions.items():
        response = client.get(reverse("archive:incident", args=[version.incident.slug]))
        assert response.status_code == (410 if state == "withdrawn" else 404), state


@pytest.mark.django_db
def test_reference_records_of_drafts_are_not_public(client, archive_with_drafts):
    _, versions = archive_with_drafts
    draft = versions["draft"]
    place = draft.places.exclude(name__startswith="Katy").first()
    assert client.get(reverse("archive:place", args=[place.slug])).status_code == 404
    assert client.get(reverse("archive:source", args=["secret-hidden-draft"])).status_code == 404


@pytest.mark.django_db
def test_a_context_or_country_only_drafts_name_has_no_page(client, archive_with_drafts):
    assert client.get(reverse("archive:context", args=["secret-war"])).status_code == 404
    assert (
        client.get(reverse("archive:country", args=["secret-draft-marker-land"])).status_code == 404
    )
    assert client.get(reverse("archive:country", args=["russia"])).status_code == 200


def test_the_leak_crawl_reads_every_public_url_name():
    from django.urls import get_resolver

    from tests.crawl import CRAWLED_NAMES

    names = get_resolver().namespace_dict["archive"][1].reverse_dict.keys()
    assert {name for name in names if isinstance(name, str)} == CRAWLED_NAMES


@pytest.mark.django_db
def test_the_leak_crawl_finds_no_draft_text_and_no_draft_slug(archive_with_drafts):
    from tests.crawl import leaks

    _, versions = archive_with_drafts
    withdrawn = versions["withdrawn"].incident.slug
    assert leaks([MARKER, *hidden_slugs(versions)], announced=[withdrawn]) == []


@pytest.mark.django_db
def test_a_withdrawal_stays_in_the_corrections_log_without_the_incidents_address(
    client, archive_with_drafts
):
    log = client.get(reverse("archive:corrections")).content.decode()
    assert "Withdrawn incident" in log and "Not sourced." in log
    assert "hidden-withdrawn" not in log
    feed = client.get(reverse("archive:feed")).content.decode()
    assert "Withdrawn incident" in feed and "hidden-withdrawn" not in feed


@pytest.mark.django_db
def test_the_leak_test_reads_every_file_inside_a_release(client, archive_with_drafts):
    body = body_text(client.get(reverse("archive:release_zip", args=["2026.2"])))
    assert "A published incident" in body  # incidents.csv, incidents.json
    assert "cff-version" in body  # CITATION.cff
    assert MARKER not in body
