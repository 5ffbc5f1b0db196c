"""The key flow in a real browser: write, verify, approve, publish, read."""

from __future__ import annotations

import pytest

from archive.models import IncidentVersion, State
from tests.browser.conftest import screenshot
from tests.factories import make_contributor, make_publisher, make_reviewer, make_source

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def pick_autocomplete(page, container: str, text: str) -> None:
    page.click(f"{container} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", text)
    page.click(f".select2-results__option:has-text('{text}')")


def test_contributor_reviewer_publisher_and_reader(live_server, new_page):
    make_contributor("contributor"), make_reviewer("reviewer"), make_publisher("publisher")
    make_source("naimark-1995", authors="Naimark, Norman M.", title="The Russians in Germany")
    make_source("beevor-2002", authors="Beevor, Antony", title="Berlin: The Downfall 1945")
    base = live_server.url

    # The contributor enters the incident with two conflicting estimates, on one page.
    page = new_page()
    log_in(page, base, "contributor")
    page.goto(f"{base}/admin/archive/incidentversion/add/")
    page.fill("#id_slug", "treuenbrietzen-test")
    page.fill("#id_title", "Treuenbrietzen test incident")
    page.fill("#id_summary", "Civilians were killed in the town.")
    page.fill("#id_date", "1945-04~")
    page.fill("#id_date_text", "late April 1945")
    page.check("label:has-text('massacre') >> input")
    for index, (best, written, claimant, source) in enumerate(
        [("88", "88", "Town records", "Naimark"), ("1000", "about 1,000", "A witness", "Beevor")]
    ):
        page.fill(f"#id_estimates-{index}-best", best)
        page.fill(f"#id_estimates-{index}-as_written", written)
        page.fill(f"#id_estimates-{index}-claimant", claimant)
        pick_autocomplete(page, f"#estimates-{index}", source)
        page.fill(f"#id_estimates-{index}-locator", f"p. {70 + index}")
    page.select_option("#id_estimates-1-assessment", "rejected")
    page.fill("#id_estimates-1-assessment_reason", "Above the town's population at the time.")
    page.click("input[name=_continue]")
    page.wait_for_selector("text=Submit for review")
    version = IncidentVersion.objects.get(incident__slug="treuenbrietzen-test")
    assert version.estimates.count() == 2
    page.click("button:has-text('Submit for review')")
    page.wait_for_selector("text=Submitted for review.")

    # The reviewer checks each figure beside its citation and approves.
    page = new_page()
    log_in(page, base, "reviewer")
    page.click(f"a[href='/admin/archive/incidentversion/{version.pk}/review/']")
    for _ in range(2):  # a verified figure no longer offers the button
        page.click("button:has-text('Verified') >> nth=0")
        page.wait_for_selector("text=verified against its citation")
    screenshot(page, "flow-review")
    page.click("button:has-text('Approve')")
    page.wait_for_selector("text=Approved: a publisher can now publish it.")

    # The publisher publishes, after a confirmation of what becomes public.
    page = new_page()
    log_in(page, base, "publisher")
    page.goto(f"{base}/admin/archive/incidentversion/{version.pk}/change/")
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Nothing is public yet.")
    assert IncidentVersion.objects.get(pk=version.pk).state == State.APPROVED
    page.click("button:has-text('Publish now')")
    page.wait_for_selector("text=Published: the public site now shows this version.")
    assert IncidentVersion.objects.get(pk=version.pk).state == State.PUBLISHED

    # An anonymous reader sees both estimates side by side.
    page = new_page()
    page.goto(f"{base}/incidents/treuenbrietzen-test/")
    rows = page.locator("table.estimates tbody tr")
    assert rows.count() == 2
    assert "about 1,000" in rows.nth(1).inner_text() or "about 1,000" in rows.nth(0).inner_text()
    assert "Above the town's population" in page.content().replace("&#x27;", "'")
    screenshot(page, "flow-published-detail")


def test_a_data_editor_imports_a_file_through_its_preview(
    live_server, new_page, tmp_path, import_previews
):
    """Upload, read the preview, confirm: the page runs no script the policy refuses, and the
    preview's file is gone once the import is confirmed."""
    from archive.models import Source
    from tests.editorial.test_admin_import import SOURCES
    from tests.factories import make_user

    make_user("editor", "Data editors", "Contributors")
    (tmp_path / "sources.csv").write_text(SOURCES)
    page = new_page()
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, live_server.url, "editor")

    page.goto(f"{live_server.url}/admin/archive/source/import/")
    page.set_input_files("#id_import_file", str(tmp_path / "sources.csv"))
    page.select_option("#id_format", label="csv")
    page.click("input[type=submit]")
    page.wait_for_selector("input[name=confirm]")
    assert "1 rows: 1 new, 0 updated, 0 unchanged." in page.inner_text(".import-totals")
    assert len(list(import_previews.iterdir())) == 1
    screenshot(page, "import-preview")
    page.click("input[name=confirm]")
    page.wait_for_selector("text=Import finished: 1 new, 0 updated, 0 unchanged sources (1 rows).")

    assert Source.objects.get().key == "naimark-1995"
    assert not list(import_previews.iterdir())
    assert refused == []
