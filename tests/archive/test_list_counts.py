"""The incident list's count, facets and totals are worked out once per publication and
filter set, so that a page of a long list reads its rows only; a publication is counted at
once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_place, make_published


def counting(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/incidents/",
        "/incidents/?category=massacre",
        "/de/incidents/",
        "/api/incidents/",
        "/api/incidents/?lang=pl",
        "/categories/massacre/",
        "/countries/russia/",
        "/de/categories/massacre/",
    ],
)
def test_another_reading_of_the_list_counts_nothing_again(client, url):
    version = make_published("katyn", title="Katyn massacre")
    version.places.add(make_place("Katyn", country="Russia"))  # for the country's page
    sep = "&" if "?" in url else "?"
    with CaptureQueriesContext(connection) as first:
        assert client.get(f"{url}{sep}bench=1").status_code == 200
    assert counting(first)  # the first reader of this publication counts
    # An unknown parameter is answered without the page cache: the view runs again.
    with CaptureQueriesContext(connection) as again:
        response = client.get(f"{url}{sep}bench=2")
    assert response.status_code == 200
    assert counting(again) == []


@pytest.mark.django_db
def test_the_kept_count_is_the_right_one_and_follows_each_publication(client):
    make_published("katyn", title="Katyn massacre")
    assert client.get("/api/incidents/?bench=1").json()["count"] == 1
    assert b"1 published incident." in client.get("/incidents/?bench=1").content
    make_published("khatyn", title="Khatyn massacre")
    assert client.get("/api/incidents/?bench=2").json()["count"] == 2
    assert b"2 published incidents." in client.get("/incidents/?bench=2").content


@pytest.mark.django_db
def test_each_filter_set_has_its_own_count_and_the_order_shares_it(client):
    make_published("katyn", title="Katyn massacre")
    make_published("khatyn", title="Khatyn massacre")
    assert client.get("/api/incidents/?q=khatyn").json()["count"] == 1
    assert client.get("/api/incidents/").json()["count"] == 2
    with CaptureQueriesContext(connection) as ordered:
        answer = client.get("/api/incidents/?q=khatyn&ordering=title").json()
    assert answer["count"] == 1
    assert counting(ordered) == []


@pytest.fixture
def five(monkeypatch):
    """Five published incidents, two a page, in date order A (1937) … E (1941)."""
    monkeypatch.setattr("archive.views.PAGE_SIZE", 2)
    monkeypatch.setattr("archive.api.API_PAGE_SIZE", 2)
    for letter, year in zip("DBEAC", (1940, 1938, 1941, 1937, 1939), strict=True):
        make_published(f"incident-{letter.lower()}", title=f"Incident {letter}", date=str(year))


def titles(response) -> list[str]:
    return [row["title"] for row in response.json()["results"]]


@pytest.mark.django_db
def test_every_page_of_the_list_holds_its_rows_in_the_list_order(client, five):
    pages = [client.get(f"/api/incidents/?page={n}") for n in (1, 2, 3)]
    assert [titles(page) for page in pages] == [
        ["Incident A", "Incident B"],
        ["Incident C", "Incident D"],
        ["Incident E"],
    ]
    assert pages[1].json()["count"] == 5
    assert pages[1].json()["next"].endswith("page=3")
    html = client.get("/incidents/?page=2").content.decode()
    assert html.index("Incident C") < html.index("Incident D")
    assert "Incident B" not in html and "Incident E" not in html


@pytest.mark.django_db
def test_a_page_of_a_filtered_or_reordered_list_holds_the_right_rows(client, five):
    by_title = client.get("/api/incidents/?ordering=-title&page=2")
    assert titles(by_title) == ["Incident C", "Incident B"]
    later = client.get("/api/incidents/?year_from=1939&page=2")
    assert titles(later) == ["Incident E"]
    assert later.json()["count"] == 3
    in_category = client.get("/api/incidents/?category=massacre&ordering=-date&page=1")
    assert titles(in_category) == ["Incident E", "Incident D"]


@pytest.fixture
def around_1941(monkeypatch):
    """Incidents before, across and after the first day of 1941, two a page."""
    monkeypatch.setattr("archive.views.PAGE_SIZE", 2)
    monkeypatch.setattr("archive.api.API_PAGE_SIZE", 2)
    dates = {
        "A": "1937",  # over before 1941
        "I": "1940",  # over on its last day
        "B": "1938/1941",  # going on as 1941 begins
        "C": "1940-06/1941-02",
        "G": "1940-12-31/1941-01-01",
        "D": "1941",  # beginning on its first day
        "H": "1941-01-01",
        "E": "1941-03",
        "F": "1942",
    }
    for letter, date in dates.items():
        make_published(f"incident-{letter.lower()}", title=f"Incident {letter}", date=date)


def every_page(client, url: str) -> list[list[str]]:
    first = client.get(url).json()
    pages = [titles_of(first)]
    for number in range(2, -(-first["count"] // 2) + 1):
        pages.append(titles_of(client.get(f"{url}&page={number}").json()))
    return pages


def titles_of(answer: dict) -> list[str]:
    return [row["title"].removeprefix("Incident ") for row in answer["results"]]


@pytest.mark.django_db
def test_the_list_from_a_year_on_reads_the_incidents_going_on_then_the_later_ones(
    client, around_1941
):
    """From a year on, the list is read in two runs (those going on as the year begins, then
    those beginning in it or later); every page, one straddling the runs too, is the list."""
    url = "/api/incidents/?year_from=1941"
    assert client.get(url).json()["count"] == 7
    assert every_page(client, url) == [["B", "C"], ["G", "D"], ["H", "E"], ["F"]]
    newest_first = every_page(client, f"{url}&ordering=-date")
    assert newest_first == [["F", "E"], ["D", "H"], ["G", "C"], ["B"]]  # a tie: in key order
    assert every_page(client, f"{url}&ordering=title") == [
        ["B", "C"],
        ["D", "E"],
        ["F", "G"],
        ["H"],
    ]
    assert every_page(client, "/api/incidents/?year_from=1942") == [["F"]]
    assert every_page(client, "/api/incidents/?year_from=1941&year_to=1941") == [
        ["B", "C"],
        ["G", "D"],
        ["H", "E"],
    ]
    html = client.get("/incidents/?year_from=1941&page=2").content.decode()
    assert html.index("Incident G") < html.index("Incident D")
    assert "Incident C" not in html and "Incident H" not in html
    assert "7 published incidents match." in html


@pytest.mark.django_db
def test_on_postgresql_the_incidents_going_on_are_found_by_the_index_of_spans(around_1941):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no range type: its list walks its index, as before")
    from archive.filters import IncidentFilter
    from archive.models import IncidentVersion

    published = IncidentVersion.objects.published().listed()
    going_on = IncidentFilter({"year_from": "1941"}, queryset=published).runs()[0]
    assert sorted(going_on.values_list("title", flat=True)) == [
        "Incident B",
        "Incident C",
        "Incident G",
    ]
    sql, params = going_on.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # nine rows: a scan would win
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "version_span" in plan, plan


@pytest.mark.django_db
def test_the_runs_read_as_one_list_by_any_index(around_1941):
    from archive.caching import Runs
    from archive.filters import IncidentFilter
    from archive.models import IncidentVersion

    published = IncidentVersion.objects.published().listed()
    filtered = IncidentFilter({"year_from": "1941"}, queryset=published)
    whole = list(filtered.qs.values_list("pk", flat=True))
    keys = Runs(filtered.runs(), len(whole))
    assert len(keys) == 7 and len(filtered.runs()) == 2
    assert [keys[i] for i in range(-7, 7)] == whole + whole
    assert list(keys) == whole and keys[2:5] == whole[2:5] and keys[5:50] == whole[5:]
    with pytest.raises(IndexError):
        keys[7]
    with pytest.raises(IndexError):
        keys[-8]
