"""A translation in a real browser: written by a contributor, approved by a reviewer who reads
it beside the original, published by a publisher, and read on the German page."""

from __future__ import annotations

import pytest

from archive.models import State, Translation
from tests.browser.conftest import screenshot
from tests.browser.test_editorial_flow import all_axe_violations, log_in
from tests.factories import make_contributor, make_published, make_publisher, make_reviewer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_write_submit_approve_publish_and_read_a_translation(live_server, new_page):
    make_contributor("contributor"), make_reviewer("reviewer"), make_publisher("publisher")
    version = make_published(
        "katyn-massacre",
        title="Katyn massacre",
        summary="In April and May 1940 the NKVD shot over 20,000 Polish officers.",
    )
    base = live_server.url

    # The contributor writes the German title and summary, and submits them.
    page = new_page()
    log_in(page, base, "contributor")
    page.goto(f"{base}/admin/archive/translation/add/?version={version.pk}&language=de")
    page.fill("#id_title", "Massaker von Katyn")
    page.fill(
        "#id_summary", "Im April und Mai 1940 erschoss der NKWD über 20.000 polnische Offiziere."
    )
    page.click("input[name=_continue]")
    page.wait_for_selector("button[value=submit]")
    translation = Translation.objects.get()
    assert (translation.state, translation.created_by.username) == (State.DRAFT, "contributor")
    page.click("button[value=submit]")
    page.wait_for_selector("text=The translation is in review.")
    assert not page.is_visible("button[value=approve]")  # not the translator's to approve

    # The reviewer reads it beside the original and approves (axe-core is injected as a
    # script, which the site's policy would refuse).
    page = new_page(bypass_csp=True)
    log_in(page, base, "reviewer")
    page.goto(f"{base}/admin/archive/translation/{translation.pk}/change/")
    compare = page.locator("table.translation-compare")
    assert "In April and May 1940 the NKVD shot" in compare.inner_text()
    assert "Im April und Mai 1940 erschoss der NKWD" in compare.inner_text()
    screenshot(page, "translation-review")
    assert [v for v in all_axe_violations(page) if v["impact"] in ("serious", "critical")] == []
    page.click("button[value=approve]")
    page.wait_for_selector("text=The translation is approved.")
    assert not page.is_visible("button[value=publish]")  # publishing is a publisher's

    # The publisher publishes it.
    page = new_page()
    log_in(page, base, "publisher")
    page.goto(f"{base}/admin/archive/translation/{translation.pk}/change/")
    page.click("button[value=publish]")
    page.wait_for_selector("text=The translation is published.")
    assert Translation.objects.get(pk=translation.pk).state == State.PUBLISHED

    # A reader of the German page reads it; the untranslated description is marked English.
    page = new_page(bypass_csp=True)
    page.goto(f"{base}/de/incidents/katyn-massacre/")
    assert page.inner_text("h1") == "Massaker von Katyn"
    assert page.locator("section.description[lang=en]").count() == 1
    assert page.locator(".translation-notice").count() == 1
    screenshot(page, "translation-published-de")
    assert all_axe_violations(page) == []
