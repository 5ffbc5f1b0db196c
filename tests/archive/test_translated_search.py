"""Search finds an incident by the words of its published translations, with Cyrillic folded
as Latin is (case, ё as е, й as и), on SQLite and on PostgreSQL (with DATABASE_URL set); a
translation that is not published finds nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

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


def found(client, query: str) -> list[str]:
    response = client.get(reverse("archive:api_incident_list"), {"q": query})
    assert response.status_code == 200
    return [row["slug"] for row in response.json()["results"]]


@pytest.fixture
def katyn():
    version = make_published("katyn", title="Katyn massacre", summary="Officers were shot.")
    make_published_translation(
        version,
        "ru",
        title="Катынский расстрел",
        summary="Польских офицеров расстреляли в Козьих Горах; всё было скрыто.",
    )
    make_published_translation(version, "pl", title="Zbrodnia katyńska")
    make_published("other", title="Nemmersdorf massacre")
    return version


@pytest.mark.parametrize(
    "query",
    [
        "Катынский",  # as written
        "катынский расстрел",  # lower case, two words
        "КАТЫНСКИЙ",  # upper case
        "всё скрыто",  # ё as written
        "все",  # ё typed as е
        "козьих",  # й-less word, case folded
        "zbrodnia katynska",  # Polish, without its diacritics
    ],
)
def test_a_published_translation_finds_the_incident(client, katyn, query):
    assert found(client, query) == ["katyn"]


def test_й_and_и_and_ї_and_і_are_one_letter_to_search(client):
    version = make_published("kyiv", title="Kyiv")
    make_published_translation(version, "uk", title="Київський процес")
    make_published_translation(version, "ru", title="Киевский процесс")
    assert found(client, "киевскии") == ["kyiv"]
    assert found(client, "киівськии") == ["kyiv"]
    assert found(client, "киевскаи") == []


def test_the_public_list_finds_it_too(client, katyn):
    page = client.get(reverse("archive:incident_list"), {"q": "расстрел"}).content.decode()
    assert "Katyn massacre" in page
    assert "Nemmersdorf" not in page


def test_an_unpublished_translation_finds_nothing(client):
    version = make_published("katyn", title="Katyn massacre")
    make_translation(version, "ru", title="Черновик перевода")
    approved = make_translation(version, "de", title="Genehmigter Entwurf")
    services.translation_submit(translation=approved, user=approved.created_by)
    services.translation_approve(translation=approved, user=make_reviewer())
    assert found(client, "черновик") == []
    assert found(client, "genehmigter") == []


def test_a_replaced_translations_words_find_nothing_any_more(client):
    version = make_published("katyn", title="Katyn massacre")
    make_published_translation(version, "ru", title="Старое название")
    replacement = make_translation(version, "ru", title="Новое название")
    services.translation_submit(translation=replacement, user=replacement.created_by)
    services.translation_approve(translation=replacement, user=make_reviewer())
    assert found(client, "старое") == ["katyn"]  # still published while the new one waits
    services.translation_publish(translation=replacement, user=make_publisher())
    assert found(client, "старое") == []
    assert found(client, "новое") == ["katyn"]


def test_a_new_version_keeps_finding_the_incident_by_its_translation(client):
    version = make_published("katyn", title="Katyn massacre")
    make_published_translation(version, "ru", title="Катынский расстрел")
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Checked again.")
    assert found(client, "катынский") == ["katyn"]
