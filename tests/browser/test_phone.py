"""The public site on a phone (390 px) and a desktop (1280 px): the list's filters behind a
disclosure that counts them, every estimate's field on screen as a card, a timeline whose names
stay in view, and no axe-core violation at either width."""

from __future__ import annotations

import pytest

from tests.browser import test_public
from tests.browser.conftest import screenshot
from tests.browser.test_editorial_flow import all_axe_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

archive = test_public.archive  # the fixture: three published incidents

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_on_a_phone_the_filters_wait_behind_a_disclosure_that_counts_them(
    live_server, new_page, archive
):
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}/incidents/?country=Russia&year_from=1900&ordering=title")
    summary = page.locator("#filter-panel > summary")
    assert summary.inner_text() == "Filters (2 active)"
    assert page.locator("#filter-panel").get_attribute("open") is None
    assert not page.locator("#id_q").is_visible()
    first = page.locator(".incident-list > li").first.bounding_box()
    assert first["y"] + first["height"] < 844, "the first result is not on the first screen"
    assert scroll_width(page) <= 390
    screenshot(page, "list-phone")
    summary.click()
    assert page.locator("#id_country").input_value() == "Russia"
    page.goto(f"{live_server.url}/incidents/")
    assert page.locator("#filter-panel > summary").inner_text() == "Filters (0 active)"


def test_on_a_wide_screen_the_filters_are_open_beside_the_results(live_server, new_page, archive):
    page = new_page(**DESKTOP)
    page.goto(f"{live_server.url}/incidents/?q=katyn")
    assert page.locator("#filter-panel").get_attribute("open") is not None
    assert page.locator("#id_q").is_visible()
    assert page.locator("#filter-panel > summary").inner_text() == "Filters (1 active)"


def test_on_a_phone_every_field_of_every_estimate_is_on_screen(live_server, new_page, archive):
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}/incidents/fantana-alba-massacre/")
    cards = page.locator("table.estimates:not(.by-year) tbody tr")
    assert cards.count() == 3
    seen: set[str] = set()
    for card in cards.all():
        for cell in card.locator("th, td").all():
            if not cell.inner_text().strip():
                continue  # an empty field (no year given) shows nothing
            box = cell.bounding_box()
            assert cell.is_visible()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
            seen.add(cell.get_attribute("data-label") or "figure")
    assert {"figure", "Low", "Best", "High", "Who says so", "Assessment", "Source"} <= seen
    names = cards.first.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert '"Assessment"' in names and '"Source"' in names  # each value under its name
    assert scroll_width(page) <= 390, "the page scrolls sideways on a phone"
    screenshot(page, "incident-phone")


def test_on_a_wide_screen_the_estimates_stay_a_table(live_server, new_page, archive):
    page = new_page(**DESKTOP)
    page.goto(f"{live_server.url}/incidents/fantana-alba-massacre/")
    table = page.locator("table.estimates:not(.by-year)")
    assert table.evaluate("t => getComputedStyle(t).display") == "table"
    assert page.locator("table.estimates:not(.by-year) thead").is_visible()


def test_on_a_phone_the_timeline_scrolls_with_its_names_in_view(live_server, new_page, archive):
    page = new_page(**PHONE)
    page.goto(f"{live_server.url}/timeline/")
    assert scroll_width(page) <= 390, "the page itself scrolls sideways"
    scroller = page.locator(".timeline-scroll")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    label = page.locator(".timeline-labels a", has_text="Katyn massacre")
    before = label.bounding_box()
    scroller.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    after = label.bounding_box()
    assert after["x"] == before["x"] and 0 <= after["x"] < 390, "the names scrolled away"
    bars = page.locator(".timeline-bars rect.span").all()
    assert len(bars) == 3
    assert any(0 <= bar.bounding_box()["x"] < 390 for bar in bars)
    screenshot(page, "timeline-phone")


def test_on_a_wide_screen_the_timeline_fits(live_server, new_page, archive):
    page = new_page(**DESKTOP)
    page.goto(f"{live_server.url}/timeline/")
    assert page.locator(".timeline-scroll").evaluate("e => e.scrollWidth <= e.clientWidth")
    screenshot(page, "timeline-desktop")


PUBLIC_PAGES = [
    "/",
    "/incidents/",
    "/incidents/?country=Russia",
    "/incidents/fantana-alba-massacre/",
    "/sources/",
    "a source",
    "/timeline/",
    "/map/",
    "/about/",
]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_axe_violation(live_server, new_page, archive, path, width):
    page = new_page(viewport={"width": width, "height": 900}, bypass_csp=True)
    if path == "a source":
        page.goto(f"{live_server.url}/sources/")
        path = page.locator(".bibliography a").last.get_attribute("href")
    page.goto(f"{live_server.url}{path}")
    assert all_axe_violations(page) == []


@pytest.mark.parametrize("path", ["/incidents/", "/incidents/fantana-alba-massacre/"])
def test_the_public_focus_ring_is_visible(live_server, new_page, archive, path):
    page = new_page(**DESKTOP)
    page.goto(f"{live_server.url}{path}")
    for selector in ("#id_q", "#filter-panel > summary", ".site-header a"):
        if page.locator(selector).count() == 0:
            continue
        page.locator(selector).first.focus()
        style = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert style[0] != "none" and style[1] >= 2, selector


LANGUAGE_PAGES = {
    "home": "/",
    "list": "/incidents/",
    "incident": "/incidents/fantana-alba-massacre/",
}


@pytest.mark.parametrize("device", ["phone", "desktop"])
@pytest.mark.parametrize("language", ["de", "pl", "ru"])
def test_the_pages_in_other_languages_read_well_and_pass_axe(
    live_server, new_page, archive, language, device
):
    """Screenshots of the home page, the list and an incident in German, Polish and Russian
    on a phone and a wide screen, each without an axe-core violation or a sideways scroll."""
    page = new_page(**(PHONE if device == "phone" else DESKTOP), bypass_csp=True)
    for name, path in LANGUAGE_PAGES.items():
        page.goto(f"{live_server.url}/{language}{path}")
        assert page.locator("html").get_attribute("lang") == language
        current = page.locator("nav.languages a[aria-current]")
        assert current.get_attribute("hreflang") == language
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert all_axe_violations(page) == [], (language, name)
        screenshot(page, f"{language}-{name}-{device}")


def test_the_language_switcher_keeps_the_reader_on_the_same_page(live_server, new_page, archive):
    page = new_page(**PHONE, java_script_enabled=False)  # links: no script needed
    page.goto(f"{live_server.url}/incidents/?country=Russia")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Polski").click()
    assert page.url == f"{live_server.url}/pl/incidents/?country=Russia"
    assert page.locator("html").get_attribute("lang") == "pl"
    page.get_by_role("navigation", name="Język").get_by_role("link", name="English").click()
    assert page.url == f"{live_server.url}/incidents/?country=Russia"
