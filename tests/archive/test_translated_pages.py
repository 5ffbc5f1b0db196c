"""The public pages in a reader's language: a published translation's text where there is
one; the original, marked with its language and a notice, where there is none."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext

from archive.models import IncidentPage
from editorial import services
from tests.factories import (
    make_contributor,
    make_published,
    make_published_translation,
    make_publisher,
    make_reviewer,
    make_translation,
)

pytestmark = pytest.mark.django_db


def said_in(language: str, message: str) -> str:
    """``message`` as the page in ``language`` says it (from the catalogue)."""
    with translation.override(language):
        return gettext(message)


def read(client, url: str, language: str):
    """``url`` as a reader of ``language`` reads it: at the address of that language (the
    address alone sets the page's language)."""
    return client.get(translate_url(url, language))


def katyn(**content: str):
    return make_published(
        title="Katyn massacre",
        summary="Polish officers and officials were shot by the NKVD.",
        description="Shot in the *spring* of 1940.",
        date_text="April and May 1940",
        **content,
    )


def test_the_incident_page_shows_the_published_translation(client):
    version = katyn()
    make_published_translation(
        version,
        "de",
        title="Massaker von Katyn",
        summary="Polnische Offiziere und Beamte wurden vom NKWD erschossen.",
        description="Erschossen im *Frühjahr* 1940.",
        date_text="April und Mai 1940",
    )
    page = read(client, version.get_absolute_url(), "de").content.decode()
    assert "<h1>Massaker von Katyn</h1>" in page
    assert "Polnische Offiziere und Beamte wurden vom NKWD erschossen." in page
    assert "Erschossen im <em>Frühjahr</em> 1940." in page
    assert "April und Mai 1940" in page
    # The English title only where the entry is cited, by its original title, and in the
    # description of the data set (in English, as the data is).
    visible = re.sub(r"<script.*?</script>", "", page, flags=re.S)
    cited = re.search(r'<section aria-labelledby="cite">.*?</section>', visible, flags=re.S)
    assert visible.count("Katyn massacre") == cited.group(0).count("Katyn massacre") == 1
    assert said_in("de", "Not yet translated; shown in English:") not in page
    assert version.estimates.get().as_written in page  # figures are never translated


def test_a_field_without_translation_falls_back_to_english_marked_with_its_language(client):
    version = katyn()
    make_published_translation(version, "de", title="Massaker von Katyn")
    page = read(client, version.get_absolute_url(), "de").content.decode()
    assert "<h1>Massaker von Katyn</h1>" in page
    assert (
        '<p class="lead"><span lang="en">Polish officers and officials were shot by the NKVD.'
        "</span></p>" in page
    )
    assert '<span lang="en">April and May 1940</span>' in page
    assert re.search(r'<section class="description" aria-label="[^"]+" lang="en">', page)
    fields = ", ".join(
        said_in("de", name) for name in ("the summary", "the description", "the date as written")
    )
    assert f"{said_in('de', 'Not yet translated; shown in English:')} {fields}." in page


def test_a_language_without_any_translation_is_english_with_one_notice(client):
    version = katyn()
    make_published_translation(version, "de", title="Massaker von Katyn")
    page = read(client, version.get_absolute_url(), "pl").content.decode()
    assert '<h1><span lang="en">Katyn massacre</span></h1>' in page
    assert said_in("pl", "Not yet translated; shown in English.") in page
    assert "Massaker" not in page


def test_the_english_page_is_unchanged_by_translations(client):
    version = katyn()
    make_published_translation(version, "de", title="Massaker von Katyn")
    page = client.get(version.get_absolute_url()).content.decode()
    assert "<h1>Katyn massacre</h1>" in page
    assert "Not yet translated" not in page
    assert "Massaker" not in page
    assert '<span lang="en">' not in page


def test_a_draft_or_approved_translation_is_not_shown(client):
    version = katyn()
    make_translation(version, "de", title="Entwurf des Titels")
    approved = make_translation(version, "pl", title="Zatwierdzony tytuł")
    services.translation_submit(translation=approved, user=approved.created_by)
    services.translation_approve(translation=approved, user=make_reviewer())
    for language in ("de", "pl"):
        page = read(client, version.get_absolute_url(), language).content.decode()
        assert "Entwurf" not in page and "Zatwierdzony" not in page
        assert '<h1><span lang="en">Katyn massacre</span></h1>' in page


def test_a_corrected_original_marks_the_translation_out_of_date(client):
    version = katyn()
    make_published_translation(version, "de", title="Massaker von Katyn")
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    services.version_edit(
        version=draft,
        user=author,
        seen_lock_version=0,
        fields={"summary": "Polish prisoners of war were shot by the NKVD."},
    )
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Who was shot.")
    page = read(client, version.get_absolute_url(), "de").content.decode()
    assert "<h1>Massaker von Katyn</h1>" in page
    assert said_in("de", "Translation out of date:") in page
    assert "Polish prisoners of war were shot by the NKVD." in page  # the corrected original


def test_the_list_and_home_show_translated_titles(client):
    version = katyn()
    make_published_translation(version, "de", title="Massaker von Katyn")
    other = make_published(title="Nemmersdorf massacre")
    for url in (reverse("archive:incident_list"), reverse("archive:home")):
        page = read(client, url, "de").content.decode()
        assert "Massaker von Katyn" in page, url
        assert f'<span lang="en">{other.title}</span>' in page, url
        assert "Katyn massacre" not in page, url


def test_the_timeline_shows_translated_titles_and_dates_and_marks_english(client):
    version = katyn()
    make_published_translation(
        version, "de", title="Massaker von Katyn", date_text="April und Mai 1940"
    )
    other = make_published(title="Nemmersdorf massacre", date_text="October 1944")
    page = read(client, reverse("archive:timeline"), "de").content.decode()
    assert ">Massaker von Katyn<" in page
    assert 'title="Massaker von Katyn: April und Mai 1940"' in page
    assert "<title>Massaker von Katyn: April und Mai 1940</title>" in page
    assert '<span class="visually-hidden">: April und Mai 1940</span>' in page
    assert "Katyn massacre" not in page and "April and May 1940" not in page
    assert f'<span lang="en">{other.title}</span>' in page
    assert '<span class="visually-hidden">: <span lang="en">October 1944</span></span>' in page
    assert f'<title lang="en">{other.title}: October 1944</title>' in page
    english = read(client, reverse("archive:timeline"), "en").content.decode()
    assert "Katyn massacre" in english and 'lang="en"' not in english.split("<main", 1)[-1]


def test_related_incidents_are_named_in_their_translation_or_marked_english(client):
    translated = katyn()
    make_published_translation(translated, "de", title="Massaker von Katyn")
    untranslated = make_published(title="Nemmersdorf massacre")
    version = make_published(related=[translated.incident, untranslated.incident])
    page = read(client, version.get_absolute_url(), "de").content.decode()
    related = page.split('id="related"', 1)[1].split("</section>", 1)[0]
    assert ">Massaker von Katyn</a>" in related
    assert '<span lang="en">Nemmersdorf massacre</span></a>' in related
    assert "Katyn massacre" not in related
    english = read(client, version.get_absolute_url(), "en").content.decode()
    related = english.split('id="related"', 1)[1].split("</section>", 1)[0]
    assert ">Katyn massacre</a>" in related and 'lang="en"' not in related


def count_queries(client, url: str, language: str) -> int:
    IncidentPage.objects.all().delete()  # rendered, not read from the stored page
    cache.clear()  # nor from the page cache, which keeps each language's page apart
    with CaptureQueriesContext(connection) as queries:
        response = read(client, url, language)
    assert response.status_code == 200, url
    return len(queries)


def test_translated_pages_cost_the_queries_of_the_english_ones(client):
    versions = [katyn() for _ in range(3)]
    make_published_translation(versions[0], "de", title="Massaker von Katyn")
    make_published_translation(versions[1], "de", summary="Nur die Zusammenfassung.")
    with_related = make_published(related=[v.incident for v in versions])
    urls = [
        reverse("archive:home"),
        reverse("archive:incident_list"),
        reverse("archive:incident_list") + "?q=katyn",
        reverse("archive:timeline"),
        versions[0].get_absolute_url(),
        versions[2].get_absolute_url(),
        with_related.get_absolute_url(),
    ]
    for url in urls:
        read(client, url, "en")  # warm the per-process caches (filter choices, build stamp)
        english = count_queries(client, url, "en")
        assert count_queries(client, url, "de") == english, url


def test_each_language_keeps_its_own_cached_and_stored_page(client):
    version = katyn()
    make_published_translation(version, "de", title="Massaker von Katyn")
    url = version.get_absolute_url()
    german_url = translate_url(url, "de")
    assert german_url == f"/de{url}"
    for _ in range(2):  # rendered, then served from the stored page and the cache
        assert "<h1>Katyn massacre</h1>" in client.get(url).content.decode()
        assert "<h1>Massaker von Katyn</h1>" in client.get(german_url).content.decode()
        polish = client.get(translate_url(url, "pl")).content.decode()
        assert '<h1><span lang="en">Katyn massacre</span></h1>' in polish
