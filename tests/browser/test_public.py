"""The reader's path in a real browser, screenshots to look at, and an accessibility check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from archive.models import Category, IncidentPage
from tests.browser.conftest import screenshot
from tests.factories import make_estimate, make_place, make_published, make_published_figures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture
def archive(db):
    katyn = make_published(
        "katyn-massacre",
        title="Katyn massacre",
        date="1940-04/1940-05",
        date_text="April and May 1940",
        summary="Polish officers held as prisoners were shot.",
    )
    katyn.places.add(
        make_place(
            "Katyń",
            country="Russia",
            latitude=54.77,
            longitude=31.79,
            coordinate_precision="settlement",
        )
    )
    fantana = make_published(
        "fantana-alba-massacre",
        title="Fântâna Albă massacre",
        date="1941-04-01",
        date_text="1 April 1941",
        estimates=2,
    )
    fantana.places.add(make_place("Fântâna Albă", country="Ukraine"))
    fantana.estimates.update(claimant="Soviet sources")
    make_estimate(
        fantana,
        low=44,
        high=3000,
        as_written="44–3,000",
        verification="verified",
        verified_by=fantana.created_by,
        verified_at=fantana.published_at,
    )
    berlin = make_published(
        "berlin-rapes",
        title="Mass rapes in Berlin",
        date="1945-04/1945-05",
        date_text="April and May 1945",
    )
    berlin.categories.set([Category.objects.get(slug="sexual-violence")])
    berlin.places.add(make_place("Berlin", country="Germany"))
    from archive.search import index_version

    for version in (katyn, fantana, berlin):
        index_version(version)
    # The fixture changed published versions in place, which the editors' tools never do:
    # the pages stored at publication are out of date, so readers render them again.
    IncidentPage.objects.all().delete()
    return katyn


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_reader_filters_reads_and_cites(live_server, new_page, archive):
    page = new_page(bypass_csp=True)
    base = live_server.url
    page.goto(f"{base}/")
    screenshot(page, "home")
    page.click("nav >> text=Incidents")
    assert page.locator(".incident-list > li").count() == 3
    screenshot(page, "list")
    page.select_option("#id_country", "Germany")
    page.click("button:has-text('Show incidents')")
    page.wait_for_url("**country=Germany**")
    assert page.locator(".incident-list > li").count() == 1
    page.fill("#id_q", "")
    page.select_option("#id_country", "")
    page.fill("#id_q", "fantana alba")
    page.click("button:has-text('Show incidents')")
    page.click("text=Fântâna Albă massacre")
    page.wait_for_selector("h1:has-text('Fântâna Albă massacre')")
    assert page.locator("table.estimates tbody tr").count() == 3
    assert page.locator(".range-chart svg").count() == 1
    screenshot(page, "detail")
    with page.expect_download() as download:
        page.click("text=BibTeX")
    assert download.value.suggested_filename == "fantana-alba-massacre.bib"
    assert "@misc{incidentarchive-fantana-alba-massacre" in Path(download.value.path()).read_text()


def test_phone_width_detail_is_readable(live_server, new_page, archive):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{live_server.url}/incidents/fantana-alba-massacre/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    screenshot(page, "detail-phone")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/incidents/",
        "/incidents/fantana-alba-massacre/",
        "/categories/massacre/",
        "/countries/russia/",
        "/sources/",
        "/corrections/",
        "/timeline/",
        "/map/",
        "/about/",
    ],
)
def test_no_serious_accessibility_violations(live_server, new_page, archive, path):
    page = new_page(bypass_csp=True)
    page.goto(f"{live_server.url}{path}")
    if path == "/sources/":
        page.goto(f"{live_server.url}{page.locator('.bibliography a').last.get_attribute('href')}")
    assert axe_violations(page) == []


@pytest.fixture
def figures(db):
    """An incident whose figures break one another down, share, rate and change over time."""
    make_published_figures(
        "figures",
        {"ref": "shot", "best": 360, "as_written": "360 people"},
        {"best": 20, "as_written": "20 girls", "scope": "girls", "part_of": "shot"},
        {"measure": "captured", "ref": "pows", "best": 320000, "as_written": "320,000"},
        {
            "best": None,
            "share_low": Decimal("33.33"),
            "share_of": "pows",
            "qualifier": "at_least",
            "as_written": "at least one third",
        },
        *(
            {
                "measure": "died_in_custody",
                "best": best,
                "claim_year": year,
                "claimant": claimant,
                "claimant_position": position,
                "as_written": f"{best:,}",
            }
            for best, year, claimant, position in [
                (381067, 1956, "Soviet archives", "perpetrator_state"),
                (1000000, 2000, "Overmans", "independent_scholarship"),
                (700000, 1990, "A court", "court"),
            ]
        ),
        title="Figures that count different things",
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_figures_by_part_share_and_year_read_well_and_pass_axe(
    live_server, new_page, figures, width
):
    page = new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    page.goto(f"{live_server.url}/incidents/figures/")
    assert page.locator(".year-chart .chart-scroll svg").count() == 1
    assert page.locator("tr.part").count() == 1
    assert "Derived count: 106,656 – 320,000" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    screenshot(page, f"figures-{width}")
