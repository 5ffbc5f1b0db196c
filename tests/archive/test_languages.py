"""The public site in every language of the interface: addresses, switcher, alternates, caching."""

from __future__ import annotations

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive.models import IncidentPage
from tests.factories import make_published, make_published_figures

LANGUAGES = ["en", "de", "pl", "ru", "uk"]
PREFIX = {"en": "", "de": "/de", "pl": "/pl", "ru": "/ru", "uk": "/uk"}
# The navigation as each language's catalogue words it.
NAVIGATION = {
    "en": ["Incidents", "Timeline", "Map", "Sources", "Corrections", "Method"],
    "de": ["Verbrechen", "Zeitleiste", "Karte", "Quellen", "Korrekturen", "Methode"],
    "pl": ["Zbrodnie", "Oś czasu", "Mapa", "Źródła", "Sprostowania", "Metoda"],
    "ru": ["Преступления", "Хронология", "Карта", "Источники", "Исправления", "Методология"],
    "uk": ["Злочини", "Хронологія", "Мапа", "Джерела", "Виправлення", "Методологія"],
}
SWITCHER_LABEL = {"en": "Language", "de": "Sprache", "pl": "Język", "ru": "Язык", "uk": "Мова"}
PAGES = ["/", "/incidents/", "/incidents/katyn/", "/about/"]


def html_lang(body: str) -> str:
    match = re.search(r'<html lang="([^"]+)">', body)
    assert match, body[:200]
    return match.group(1)


def alternates(body: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', body))


def navigation(body: str) -> list[str]:
    nav = re.search(r'<nav aria-label="[^"]+">(.*?)</nav>', body, re.S)
    assert nav, "no main navigation"
    return re.findall(r">([^<>]+)</a>", nav.group(1))


def switcher(body: str) -> tuple[str, list[tuple[str, str, str, str]]]:
    """The switcher's label and its links: (href, lang, hreflang, attributes after)."""
    nav = re.search(r'<nav class="languages" aria-label="([^"]+)">(.*?)</nav>', body, re.S)
    assert nav, "no language switcher"
    links = re.findall(r'<a href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)"([^>]*)>', nav.group(2))
    return nav.group(1), links


@pytest.fixture
def katyn(db):
    return make_published("katyn", title="Katyn massacre")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db
def test_each_language_renders_the_pages_with_its_lang_navigation_and_alternates(
    client, katyn, language
):
    for page in PAGES:
        url = PREFIX[language] + page
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert html_lang(body) == language, url
        assert navigation(body) == NAVIGATION[language], url
        assert switcher(body)[0] == SWITCHER_LABEL[language], url
        assert alternates(body) == {
            **{code: f"http://testserver{PREFIX[code]}{page}" for code in LANGUAGES},
            "x-default": f"http://testserver{page}",
        }, url
        assert response["Content-Language"] == language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.django_db
def test_a_missing_page_answers_404_in_the_language_of_its_address(client, language):
    response = client.get(f"{PREFIX[language]}/incidents/no-such-incident/")
    assert response.status_code == 404
    body = response.content.decode()
    assert html_lang(body) == language
    assert navigation(body) == NAVIGATION[language]
    assert alternates(body)["de"] == "http://testserver/de/incidents/no-such-incident/"


@pytest.mark.django_db
def test_the_english_pages_stay_at_their_bare_addresses(client, katyn):
    body = client.get("/incidents/katyn/").content.decode()
    assert html_lang(body) == "en"
    assert '<a href="/incidents/">Incidents</a>' in body
    assert '<a class="brand" href="/">Incident Archive</a>' in body
    for url in ["/en/", "/en/incidents/katyn/"]:  # English has no prefix of its own
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_a_german_page_links_german_pages_and_the_one_feed_and_api(client, katyn):
    body = client.get("/de/incidents/katyn/").content.decode()
    assert '<a href="/de/incidents/">Verbrechen</a>' in body
    assert '<a class="brand" href="/de/">' in body
    assert 'href="/feed/"' in body and 'href="/api/incidents/katyn/"' in body
    assert 'href="/incidents/katyn/cite/bibtex/"' in body


@pytest.mark.parametrize(
    "url",
    [
        "/fr/incidents/",
        "/fr/",
        "/xx/incidents/katyn/",
        "/de/api/incidents/",
        "/de/api/incidents/katyn/",
        "/de/data/incidents.csv",
        "/de/feed/",
        "/de/sitemap.xml",
        "/de/robots.txt",
        "/de/admin/",
        "/de/incidents/katyn/cite/bibtex/",
    ],
)
@pytest.mark.django_db
def test_an_unknown_prefix_or_a_prefixed_machine_address_is_not_found(client, katyn, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_bare_language_prefix_redirects_to_its_home_page(client):
    response = client.get("/de")
    assert (response.status_code, response["Location"]) == (301, "/de/")


@pytest.mark.django_db
def test_the_switcher_keeps_the_page_and_its_query(client, katyn):
    body = client.get("/pl/incidents/?q=katyn&ordering=title").content.decode()
    label, links = switcher(body)
    assert label == "Język"
    assert links == [
        ("/incidents/?q=katyn&amp;ordering=title", "en", "en", ""),
        ("/de/incidents/?q=katyn&amp;ordering=title", "de", "de", ""),
        ("/pl/incidents/?q=katyn&amp;ordering=title", "pl", "pl", ' aria-current="true"'),
        ("/ru/incidents/?q=katyn&amp;ordering=title", "ru", "ru", ""),
        ("/uk/incidents/?q=katyn&amp;ordering=title", "uk", "uk", ""),
    ]
    names = re.findall(r'<span class="language-name">([^<]+)</span>', body)
    assert names == ["English", "Deutsch", "Polski", "Русский", "Українська"]
    codes = re.findall(r'<span class="language-code">([^<]+)</span>', body)
    assert codes == LANGUAGES  # shown instead of the names on a phone


@pytest.mark.django_db
def test_the_switcher_of_a_missing_page_never_links_another_site(client):
    response = client.get("/de//evil.example/x/")
    assert response.status_code == 404
    _, links = switcher(response.content.decode())
    assert [url for url, *_ in links] == [
        "/evil.example/x/",
        "/de/evil.example/x/",
        "/pl/evil.example/x/",
        "/ru/evil.example/x/",
        "/uk/evil.example/x/",
    ]


@pytest.mark.django_db
def test_the_browsers_language_does_not_choose_a_public_pages_language(client, katyn):
    """The address alone says the language, so a shared cache can keep one copy of a page."""
    response = client.get("/incidents/katyn/", headers={"Accept-Language": "de"})
    assert html_lang(response.content.decode()) == "en"
    assert "Accept-Language" not in response.get("Vary", "")
    api = client.get("/api/incidents/katyn/", headers={"Accept-Language": "ru"})
    assert api["Content-Language"] == "en"


@pytest.mark.django_db
def test_cached_pages_are_kept_per_language(client, katyn):
    """Each language's page is cached under its own key: whichever is read first, the other
    address never answers with it."""
    for first, second in [("/de/incidents/katyn/", "/incidents/katyn/"), ("/", "/ru/")]:
        cache.clear()
        first_body = client.get(first).content.decode()
        second_body = client.get(second).content.decode()
        assert html_lang(first_body) != html_lang(second_body)
        assert html_lang(client.get(first).content.decode()) == html_lang(first_body)
        assert html_lang(client.get(second).content.decode()) == html_lang(second_body)
    etags = {client.get(url)["ETag"] for url in ["/about/", "/de/about/", "/pl/about/"]}
    assert len(etags) == 3


@pytest.mark.django_db
def test_an_incidents_stored_page_is_kept_per_language(client, katyn):
    """Publishing stores the English page; the first reader of each other language stores
    that language's, and the English one stays as it was."""
    assert list(IncidentPage.objects.values_list("language", flat=True)) == ["en"]
    english = IncidentPage.objects.get().html
    cache.clear()
    german = client.get("/de/incidents/katyn/").content.decode()
    assert sorted(IncidentPage.objects.values_list("language", flat=True)) == ["de", "en"]
    assert IncidentPage.objects.get(language="en").html == english
    assert html_lang(IncidentPage.objects.get(language="de").html) == "de"
    cache.clear()
    assert client.get("/de/incidents/katyn/").content.decode() == german
    cache.clear()
    assert html_lang(client.get("/incidents/katyn/").content.decode()) == "en"


def count_queries(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.django_db
def test_every_language_reads_the_database_as_often_as_english(client, katyn):
    pages = ["/", "/incidents/", "/incidents/katyn/", "/about/", "/timeline/", "/sources/"]
    for language in LANGUAGES[1:]:
        client.get(f"{PREFIX[language]}/incidents/katyn/")  # its stored page, as English has
    for page in pages:
        english = count_queries(client, page)
        for language in LANGUAGES[1:]:
            assert count_queries(client, PREFIX[language] + page) == english, (language, page)
    IncidentPage.objects.all().delete()  # rendered afresh: the same again
    english = count_queries(client, "/incidents/katyn/")
    for language in LANGUAGES[1:]:
        assert count_queries(client, f"{PREFIX[language]}/incidents/katyn/") == english


@pytest.mark.django_db
def test_the_sitemap_names_every_page_in_every_language(client, katyn):
    body = client.get("/sitemap.xml").content.decode()
    locations = re.findall(r"<loc>([^<]+)</loc>", body)
    for prefix in PREFIX.values():
        assert f"http://testserver{prefix}/incidents/katyn/" in locations
        assert f"http://testserver{prefix}/about/" in locations
    alternates_of_katyn = re.findall(
        r'<xhtml:link rel="alternate" hreflang="([^"]+)" href="(http://testserver/de/incidents'
        r'/katyn/|http://testserver/incidents/katyn/)"',
        body,
    )
    assert ("x-default", "http://testserver/incidents/katyn/") in alternates_of_katyn
    assert ("de", "http://testserver/de/incidents/katyn/") in alternates_of_katyn


@pytest.mark.django_db
def test_the_switcher_and_alternates_repeat_only_the_query_the_pages_read(client, katyn):
    body = client.get("/de/incidents/?q=katyn&utm_source=x&sent=R-AAAA-BBBB").content.decode()
    assert [link[0] for link in switcher(body)[1]] == [
        f"{PREFIX[code]}/incidents/?q=katyn" for code in LANGUAGES
    ]
    assert set(alternates(body).values()) == {
        f"http://testserver{PREFIX[code]}/incidents/?q=katyn" for code in LANGUAGES
    }


def svg_numbers(body: str) -> list[str]:
    """Every value of a geometric attribute in the page's drawings."""
    names = "x|y|x1|x2|y1|y2|cx|cy|r|width|height|viewBox|dy|transform"
    return re.findall(rf'\s(?:{names})="([^"]*)"', body)


@pytest.mark.django_db
def test_figures_and_dates_follow_the_language_and_machine_numbers_do_not(client):
    """4,421 is written 4.421 in German and 4 421 in Polish, Russian and Ukrainian, never
    changing its value; coordinates, years, ISO dates and JSON-LD stay as programs read them."""
    make_published_figures(
        "katyn",
        {"best": 4421, "claim_year": 1990, "claimant": "Soviet archives"},
        {"low": 4000, "best": None, "high": 22000, "claim_year": 2005, "claimant": "A historian"},
        date="1940-04-07",
        date_text="7 April 1940",
    )
    grouped = {"en": "4,421", "de": "4.421", "pl": "4\xa0421", "ru": "4\xa0421", "uk": "4\xa0421"}
    day = {
        "en": "7 April 1940",
        "de": "7. April 1940",
        "pl": "7 kwietnia 1940",
        "ru": "7 апреля 1940",
        "uk": "7 квітня 1940",
    }
    ld = {}
    for language in LANGUAGES:
        body = client.get(f"{PREFIX[language]}/incidents/katyn/").content.decode()
        assert f">{grouped[language]}<" in body, language
        assert f"({day[language]})" in body, language
        for other in set(grouped.values()) - {grouped[language]}:
            assert f">{other}<" not in body, (language, other)
        numbers = svg_numbers(body)
        assert numbers and all(re.fullmatch(r"[-\d. a-z()]+", n) for n in numbers), numbers
        assert '<td data-label="' in body and ">1990<" in body and ">2005<" in body
        ld[language] = json.loads(re.search(r'ld\+json">(.*?)</script>', body, re.S).group(1))
        assert '<time datetime="' not in body or re.search(r'datetime="\d{4}-\d\d-\d\dT', body)
    for language in LANGUAGES:  # the same data for programs, only the page's address differs
        english, this = dict(ld["en"]), dict(ld[language])
        for key in ("@id", "url"):
            english.pop(key), this.pop(key)
        assert this == english, language
    timeline = client.get("/de/timeline/").content.decode()
    assert svg_numbers(timeline) and all("," not in n for n in svg_numbers(timeline))
