"""The whole path of a reader's correction in a real browser: a reader suggests it, an editor
turns it into a draft and asks a reviewer, the reviewer discusses the figure with the author,
resolves the discussion and approves, the publisher publishes, and the correction is in the
public log. Screenshots of the moderation queue, the dashboard and a figure's discussion."""

from __future__ import annotations

import pytest

from archive.models import IncidentVersion, ReaderSubmission, State
from editorial.models import Channel, HistoryEntry
from tests.browser.conftest import screenshot
from tests.browser.test_editorial_flow import all_axe_violations, log_in
from tests.factories import make_contributor, make_published, make_publisher, make_reviewer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NOTE = "Corrected after a reader's suggestion: the NKVD report gives 4,421 bodies."


def test_a_readers_correction_reaches_the_corrections_log(live_server, new_page, settings):
    settings.SUBMISSION_MIN_SECONDS = 0  # the refusal of a fast robot is tested without a browser
    make_contributor("contributor"), make_reviewer("reviewer"), make_publisher("publisher")
    make_published("katyn-massacre", title="Katyn massacre")
    base = live_server.url

    # A reader suggests a correction.
    page = new_page()
    page.goto(f"{base}/incidents/katyn-massacre/")
    page.click("text=Suggest a correction or a source")
    page.fill("#id_message", "The NKVD report gives 4,421 bodies, not 100.")
    page.fill("#id_source", "Zawodny, Death in the Forest (1962), p. 24")
    page.fill("#id_contact", "anna@example.org")
    page.click("button:has-text('Send to the editors')")
    reference = page.locator(".reference").inner_text()

    # An editor finds it in the queue and turns it into a draft of the incident.
    editor = new_page()
    log_in(editor, base, "contributor")
    assert reference in editor.locator(".my-work").inner_text()
    editor.goto(f"{base}/admin/archive/readersubmission/")
    screenshot(editor, "moderation-queue")
    editor.click(f"a:has-text('{reference}')")
    assert "anna@example.org" in editor.content()
    editor.click("button:has-text('Start a new draft of katyn-massacre')")
    editor.wait_for_selector(f"text=started from submission {reference}")
    draft = IncidentVersion.objects.get(incident__slug="katyn-massacre", state=State.DRAFT)
    entry = HistoryEntry.objects.get(version=draft)
    assert (entry.channel, entry.changes["submission"]) == (Channel.READER, reference)
    assert ReaderSubmission.objects.get().version == draft
    editor.fill("#id_estimates-0-best", "4421")
    editor.fill("#id_estimates-0-as_written", "4,421")
    editor.click("input[name=_continue]")
    editor.wait_for_selector("text=Submit for review")
    editor.select_option("#reviewer", label="reviewer")
    editor.click("button:has-text('Submit for review')")
    editor.wait_for_selector("text=Submitted for review by reviewer.")

    # The reviewer finds it assigned, opens a discussion of the figure and verifies it.
    reviewer = new_page(bypass_csp=True)  # to load axe
    log_in(reviewer, base, "reviewer")
    assigned = reviewer.locator("table:has(caption:has-text('Assigned to me for review'))")
    assert "Katyn massacre" in assigned.inner_text() and "waiting" in assigned.inner_text()
    screenshot(reviewer, "dashboard-assignments")
    reviewer.goto(f"{base}/admin/archive/incidentversion/{draft.pk}/review/")
    reviewer.select_option("#thread-about", index=1)
    reviewer.fill("#thread-text", "Does the report give 4,421 exactly, or about 4,400?")
    reviewer.click("button:has-text('Start the discussion')")
    reviewer.wait_for_selector("text=Discussion started.")
    reviewer.click("button:has-text('Verified') >> nth=0")
    reviewer.wait_for_selector("text=verified against its citation")
    assert "Every discussion must be resolved first" in reviewer.content()

    # The author answers in the discussion.
    editor.goto(f"{base}/admin/archive/incidentversion/{draft.pk}/review/")
    editor.fill(".discussion textarea[name=text]", "Exactly 4,421: the table on p. 24.")
    editor.click(".discussion button:has-text('Reply')")
    editor.wait_for_selector("text=Reply added.")

    # The reviewer reads the answer, resolves the discussion and approves.
    reviewer.reload()
    assert "Exactly 4,421: the table on p. 24." in reviewer.inner_text(".discussion")
    screenshot(reviewer, "figure-discussion")
    assert all_axe_violations(reviewer) == []
    reviewer.click(".discussion button:has-text('Resolve')")
    reviewer.wait_for_selector("text=Discussion resolved.")
    reviewer.click("button:has-text('Approve')")
    reviewer.wait_for_selector("text=Approved: a publisher can now publish it.")

    # The publisher publishes with a public note.
    publisher = new_page()
    log_in(publisher, base, "publisher")
    publisher.goto(f"{base}/admin/archive/incidentversion/{draft.pk}/change/")
    publisher.fill("#comment-publish", NOTE)
    publisher.click("button:has-text('Publish')")
    publisher.wait_for_selector("text=Nothing is public yet.")
    publisher.click("button:has-text('Publish now')")
    publisher.wait_for_selector("text=Published: the public site now shows this version.")

    # The correction is in the public log; what the reader wrote is not.
    page.goto(f"{base}/corrections/")
    assert NOTE in page.inner_text("main").replace("’", "'")
    assert "anna@example.org" not in page.content() and reference not in page.content()
    screenshot(page, "corrections-after-reader")
