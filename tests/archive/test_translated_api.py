"""The API's ``?lang=``: the text of a published translation where there is one, and the
language of each field; figures, sources and quotes as they are; a bad language refused."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.factories import make_published, make_published_translation, make_translation

pytestmark = pytest.mark.django_db

LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("pl", "Polski"),
    ("ru", "Русский"),
    ("uk", "Українська"),
]


@pytest.fixture
def katyn():
    version = make_published(
        "katyn", title="Katyn massacre", summary="Officers were shot.", date_text="1940"
    )
    make_published_translation(version, "de", title="Massaker von Katyn", date_text="1940 (de)")
    make_translation(version, "pl", title="Szkic, nie publiczny")
    return version


def test_the_detail_in_german_says_which_language_each_field_is_in(client, katyn):
    english = client.get("/api/incidents/katyn/").json()
    german = client.get("/api/incidents/katyn/?lang=de").json()
    assert (german["title"], german["summary"], german["date_text"]) == (
        "Massaker von Katyn",
        "Officers were shot.",
        "1940 (de)",
    )
    assert german["description"] == english["description"]
    assert german["languages"] == {
        "title": "de",
        "summary": "en",
        "description": "en",
        "date_text": "de",
    }
    assert german["translation"] == {"language": "de", "out_of_date": False}
    # Everything else is the original's, figures and quotes above all.
    untouched = set(english) - {"title", "summary", "date_text", "languages", "translation"}
    assert {key: german[key] for key in untouched} == {key: english[key] for key in untouched}


def test_without_lang_the_answer_is_the_original_as_before(client, katyn):
    answer = client.get("/api/incidents/katyn/").json()
    assert answer["title"] == "Katyn massacre"
    assert set(answer["languages"].values()) == {"en"}
    assert answer["translation"] is None
    assert client.get("/api/incidents/katyn/?lang=en").json() == answer


def test_a_language_with_only_a_draft_gives_the_original(client, katyn):
    answer = client.get("/api/incidents/katyn/?lang=pl").json()
    assert answer["title"] == "Katyn massacre"
    assert set(answer["languages"].values()) == {"en"}
    assert answer["translation"] is None


def test_the_list_takes_lang_too(client, katyn):
    make_published("other", title="Nemmersdorf massacre")
    rows = client.get("/api/incidents/?lang=de").json()["results"]
    titles = {row["slug"]: (row["title"], row["languages"]["title"]) for row in rows}
    assert titles == {
        "katyn": ("Massaker von Katyn", "de"),
        "other": ("Nemmersdorf massacre", "en"),
    }


@override_settings(LANGUAGES=LANGUAGES)
@pytest.mark.parametrize("url", ["/api/incidents/katyn/", "/api/incidents/"])
@pytest.mark.parametrize("asked", ["fr", "DE", "de-at", ""])
def test_a_language_the_archive_does_not_have_is_refused(client, katyn, url, asked):
    response = client.get(url, {"lang": asked})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "lang": [
                {
                    "message": f"“{asked}” is not a language of this archive; ask for one of "
                    "en, de, pl, ru, uk.",
                    "code": "invalid",
                }
            ]
        }
    }


def test_the_list_and_item_cost_no_query_more_in_another_language(client, katyn):
    for url in ("/api/incidents/katyn/", "/api/incidents/"):
        client.get(url)  # per-process caches warmed
        with CaptureQueriesContext(connection) as english:
            client.get(url + "?lang=en&fresh=1")
        with CaptureQueriesContext(connection) as german:
            client.get(url + "?lang=de&fresh=1")
        assert len(german) == len(english), url
