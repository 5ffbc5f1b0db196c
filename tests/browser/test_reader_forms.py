"""A reader suggests a correction in a real browser, on a phone and on a desktop, under the
site's Content Security Policy: the form works, keeps what was typed when refused, and
axe-core finds nothing."""

from __future__ import annotations

import pytest

from archive.models import ReaderSubmission
from tests.browser.conftest import screenshot
from tests.browser.test_editorial_flow import all_axe_violations
from tests.factories import make_published

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("width", [390, 1280])
def test_a_reader_suggests_a_correction(live_server, new_page, settings, width):
    settings.SUBMISSION_MIN_SECONDS = 0  # the refusal of a fast robot is tested without a browser
    make_published("katyn-massacre", title="Katyn massacre")
    strict = new_page(viewport={"width": width, "height": 900})
    refused_by_csp: list[str] = []
    strict.on(
        "console", lambda m: refused_by_csp.append(m.text) if "Content Security" in m.text else None
    )
    strict.goto(f"{live_server.url}/incidents/katyn-massacre/suggest/")
    strict.click("button:has-text('Send to the editors')")
    assert strict.locator("#form-errors").is_visible()
    assert refused_by_csp == []

    page = new_page(viewport={"width": width, "height": 900}, bypass_csp=True)  # to load axe
    page.goto(f"{live_server.url}/incidents/katyn-massacre/")
    page.click("text=Suggest a correction or a source")
    assert page.locator("h1").inner_text() == "Suggest a correction or a source"
    assert page.locator("#id_website").is_hidden()
    assert all_axe_violations(page) == []
    screenshot(page, f"suggest-form-{width}")

    page.fill("#id_source", "Zawodny, Death in the Forest, p. 24")
    page.fill("#id_contact", "anna@example.org")
    page.click("button:has-text('Send to the editors')")
    assert page.locator("#form-errors").is_visible()
    assert page.locator("#id_source").input_value() == "Zawodny, Death in the Forest, p. 24"
    assert page.locator("#id_contact").input_value() == "anna@example.org"
    assert all_axe_violations(page) == []
    screenshot(page, f"suggest-form-refused-{width}")

    page.fill("#id_message", "The NKVD report gives 4,421 bodies.")
    page.click("button:has-text('Send to the editors')")
    reference = page.locator(".reference").inner_text()
    assert ReaderSubmission.objects.get().reference == reference
    assert all_axe_violations(page) == []
    screenshot(page, f"suggest-sent-{width}")
