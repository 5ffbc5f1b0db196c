"""The incident list's filters sit behind a disclosure that says how many are in use."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_published


def summary(response) -> str:
    match = re.search(r"<summary>(.*?)</summary>", response.content.decode(), re.S)
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


@pytest.mark.django_db
def test_the_disclosure_counts_the_filters_in_use_but_not_the_order_or_page(client):
    make_published("katyn", title="Katyn massacre")
    response = client.get(
        "/incidents/",
        {"q": "katyn", "country": "Russia", "year_to": "1950", "ordering": "title", "page": "1"},
    )
    assert summary(response) == "Filters (3 active)"
    assert summary(client.get("/incidents/", {"q": "", "country": ""})) == "Filters (0 active)"


@pytest.mark.django_db
def test_a_filter_that_cannot_be_used_opens_the_disclosure(client):
    response = client.get("/incidents/", {"year_from": "x"})
    assert response.status_code == 400
    assert '<details class="filter-panel" id="filter-panel" open>' in response.content.decode()
    assert summary(response) == "Filters (1 active)"


@pytest.mark.django_db
def test_without_errors_the_disclosure_starts_closed_for_the_script_to_open_on_wide_screens(
    client,
):
    page = client.get("/incidents/").content.decode()
    assert '<details class="filter-panel" id="filter-panel">' in page
    assert "/static/js/filters.js" in page
