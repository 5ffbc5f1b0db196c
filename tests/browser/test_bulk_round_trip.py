"""The bulk round trip in a real browser, twice on the same incident: export the figures, edit
one in the file, import it (the preview shows old → new), confirm, submit the drafts; then
again, once the incident has a draft beside its published version."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from archive.models import IncidentVersion, State
from editorial import services
from tests.browser.conftest import screenshot
from tests.browser.test_editorial_flow import Effort, all_axe_violations, log_in
from tests.factories import make_published_figures, make_reviewer, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def edited(download: Path, ref: str, best: str) -> str:
    """The exported file with one figure changed, as an editor's spreadsheet saves it."""
    rows = list(csv.DictReader(io.StringIO(download.read_text())))
    assert sorted(row["ref"] for row in rows) == ["katyn-1", "katyn-2"]  # one row per figure
    for row in rows:
        if row["ref"] == ref:
            row["best"] = best
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def bulk_round(page, effort: Effort, base: str, path: Path, *, ref: str, best: str) -> str:
    """One round: export, edit, preview, confirm, submit. The preview's text."""
    page.goto(f"{base}/admin/")
    effort.click(page, "a[href='/admin/archive/estimate/']")
    effort.click(page, "a.export_link")
    with page.expect_download() as download:
        effort.click(page, "input[type=submit]")  # CSV is chosen already
    path.write_text(edited(Path(download.value.path()), ref, best))
    effort.click(page, ".breadcrumbs a[href='/admin/archive/estimate/']")
    effort.click(page, "a.import_link")
    effort.clicks += 1  # choosing the file
    page.set_input_files("#id_import_file", str(path))
    effort.click(page, "input[type=submit]")
    page.wait_for_selector("input[name=confirm]")
    preview = page.inner_text("#content")
    screenshot(page, f"bulk-preview-{path.stem}")
    effort.click(page, "input[name=confirm]")
    page.wait_for_selector("text=Drafts this import opened or changed")
    effort.click(page, "button:has-text('Submit these for review')")
    page.wait_for_selector("text=Submitted for review (1)")
    effort.settle(page)
    return preview


def test_two_bulk_rounds_on_the_same_incident(live_server, new_page, tmp_path, import_previews):
    editor = make_user("editor", "Data editors", "Contributors")
    make_published_figures("katyn", {"best": 300}, {"best": 400}, title="Katyn massacre")
    base = live_server.url
    page = new_page(accept_downloads=True)
    log_in(page, base, "editor")
    effort = Effort()
    effort.settle(page)  # the dashboard after logging in, not counted
    effort.watch(page)

    first = bulk_round(page, effort, base, tmp_path / "round-1.csv", ref="katyn-1", best="250")

    assert "2 rows: 0 new, 1 changed, 1 unchanged, 0 errors." in first
    assert "best: 300 → 250" in first
    assert first.index("Rows that change a record (1)") < first.index("Unchanged rows (1)")
    draft = IncidentVersion.objects.get(incident__slug="katyn", state=State.IN_REVIEW)
    assert sorted(draft.estimates.values_list("best", flat=True)) == [250, 400]
    assert (effort.loads, effort.clicks) == (8, 9)

    # A reviewer sends it back: the incident now has a draft beside its published version.
    services.version_request_changes(version=draft, user=make_reviewer(), comment="Check 400.")
    effort.loads = effort.clicks = 0

    second = bulk_round(page, effort, base, tmp_path / "round-2.csv", ref="katyn-2", best="450")

    assert "2 rows: 0 new, 1 changed, 1 unchanged, 0 errors." in second
    assert "best: 400 → 450" in second
    draft.refresh_from_db()
    assert draft.state == State.IN_REVIEW
    assert sorted(draft.estimates.values_list("best", flat=True)) == [250, 450]
    published = IncidentVersion.objects.get(incident__slug="katyn", state=State.PUBLISHED)
    assert sorted(published.estimates.values_list("best", flat=True)) == [300, 400]
    assert (effort.loads, effort.clicks) == (8, 9)
    assert effort.csp == []
    assert editor.pk in services.author_ids(draft)  # so the editor cannot approve it


def test_the_import_preview_and_the_drafts_page_pass_axe(
    live_server, new_page, tmp_path, import_previews
):
    make_user("editor", "Data editors", "Contributors")
    make_published_figures("katyn", {"best": 300}, {"best": 400}, title="Katyn massacre")
    page = new_page(bypass_csp=True, accept_downloads=True)  # axe is injected as a script
    log_in(page, live_server.url, "editor")
    page.goto(f"{live_server.url}/admin/archive/estimate/export/")
    with page.expect_download() as download:
        page.click("input[type=submit]")
    path = tmp_path / "estimates.csv"
    path.write_text(edited(Path(download.value.path()), "katyn-1", "250"))
    page.goto(f"{live_server.url}/admin/archive/estimate/import/")
    page.set_input_files("#id_import_file", str(path))
    page.click("input[type=submit]")
    page.wait_for_selector("input[name=confirm]")
    page.click("summary:has-text('Unchanged rows')")  # the disclosure open too
    assert all_axe_violations(page) == []

    page.click("input[name=confirm]")
    page.wait_for_selector("text=Drafts this import opened or changed")
    screenshot(page, "bulk-import-drafts")
    assert all_axe_violations(page) == []
