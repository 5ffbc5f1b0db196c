"""The key flows in a real browser: write, verify, approve, publish, read; an import through
its preview; a review in two rounds that remembers the query and the answer; a publication
confirmed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest

from archive.models import IncidentVersion, State
from editorial import services
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_public import AXE
from tests.factories import (
    make_contributor,
    make_draft,
    make_estimate,
    make_publisher,
    make_reviewer,
    make_source,
)

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
    # The address is made from the title; the slug waits behind "Advanced".
    assert not page.is_visible("#id_slug")
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
    version = IncidentVersion.objects.get(incident__slug="treuenbrietzen-test-incident")
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
    page.goto(f"{base}/incidents/treuenbrietzen-test-incident/")
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
    page.click("input[type=submit]")
    page.wait_for_selector("input[name=confirm]")
    assert "1 rows: 1 new, 0 changed, 0 unchanged, 0 errors." in page.inner_text(".import-totals")
    assert len(list(import_previews.iterdir())) == 1
    screenshot(page, "import-preview")
    page.click("input[name=confirm]")
    page.wait_for_selector("text=Import finished: 1 new, 0 updated, 0 unchanged sources (1 rows).")

    assert Source.objects.get().key == "naimark-1995"
    assert not list(import_previews.iterdir())
    assert refused == []


def all_axe_violations(page) -> list[dict]:
    """Every axe-core violation, whatever its impact."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


@dataclass
class Effort:
    """What a task costs the people doing it: pages loaded, clicks, fields typed into."""

    loads: int = 0
    clicks: int = 0
    fields: int = 0
    csp: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("load", lambda _: setattr(self, "loads", self.loads + 1))
        page.on(
            "console",
            lambda message: (
                self.csp.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )

    def click(self, page, selector: str) -> None:
        self.settle(page)
        self.clicks += 1
        page.click(selector)

    def fill(self, page, selector: str, text: str) -> None:
        self.settle(page)
        self.fields += 1
        page.fill(selector, text)

    def settle(self, page) -> None:
        """Wait for the page's load event to be counted: text can show before it fires, and a
        person's next click can leave a page whose load never fired (counted one load short).
        Every counted action settles first, as a person waits for the page before acting."""
        page.wait_for_load_state("load")
        page.evaluate("1")  # one more round trip delivers the queued 'load' event


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and 0 <= box["y"] < height


def test_a_review_in_two_rounds_remembers_the_query_and_the_answer(live_server, new_page):
    author = make_contributor("contributor")
    make_reviewer("reviewer"), make_publisher("publisher")
    version = make_draft(author, "kulchabat", estimates=0, title="Kulchabat killings")
    figures = [
        make_estimate(version, ref=f"kulchabat-killed-{n}", best=best, as_written=str(best))
        for n, best in enumerate([360, 300, 280], start=1)
    ]
    services.version_submit(version=version, user=author)
    queried = figures[1]
    base = live_server.url
    effort = Effort()

    # Round one: two figures verified without losing the place, the third queried.
    page = new_page(bypass_csp=True)
    log_in(page, base, "reviewer")
    effort.settle(page)  # the dashboard, not counted
    effort.watch(page)
    effort.click(page, f"a[href='/admin/archive/incidentversion/{version.pk}/review/']")
    page.wait_for_selector("text=0 of 3 verified")
    assert page.locator("button:has-text('Approve')").is_disabled()
    for figure in (figures[0], figures[2]):
        effort.click(page, f"#estimate-{figure.pk} button:has-text('Verified')")
        page.wait_for_url(f"**/review/#estimate-{figure.pk}")
        assert in_view(page, f"#estimate-{figure.pk}"), "the page lost the reviewer's place"
    effort.fill(page, f"#note-{queried.pk}", "Page 12 says 250, not 300.")
    effort.click(page, f"#estimate-{queried.pk} button:has-text('Query')")
    page.wait_for_selector("text=2 of 3 verified · 1 queried · 1 open query")
    assert "queried: “300” killed" in page.locator("#why-not-approve").inner_text()
    screenshot(page, "review-round-one")
    effort.fill(page, "#comment-request_changes", "One figure does not match its page.")
    effort.click(page, "button:has-text('Send back for changes')")
    page.wait_for_selector("text=Sent back to the author")
    effort.settle(page)
    reviewer_round_one = (effort.loads, effort.clicks, effort.fields)

    # The author corrects the figure, sees what changed since the query, answers, resubmits.
    page = new_page()
    log_in(page, base, "contributor")
    effort.settle(page)  # the dashboard, not counted
    effort.watch(page)
    effort.click(page, f"a[href='/admin/archive/incidentversion/{version.pk}/change/']")
    page.wait_for_selector("text=The reviewer queried 1 figure")
    assert "Page 12 says 250, not 300." in page.locator(".open-queries").inner_text()
    effort.fill(page, "#id_estimates-1-best", "250")
    effort.fill(page, "#id_estimates-1-as_written", "250")
    effort.click(page, "input[name=_continue]")
    page.wait_for_selector(".open-queries >> text=best 300 → 250")
    effort.fill(page, f"#answer-{queried.pk}", "Corrected to 250, as on p. 12.")
    effort.click(page, f"#estimate-{queried.pk} button:has-text('Answer')")
    page.wait_for_selector("text=Your answer about")
    page.locator(".workflow-panel").screenshot(path=str(SCREENSHOTS / "review-author-panel.png"))
    effort.click(page, "button:has-text('Submit for review')")
    page.wait_for_selector("text=Submitted for review.")
    effort.settle(page)
    assert effort.csp == [], effort.csp

    # Round two: the old and new values and the answer beside the figure; verify, approve.
    page = new_page(bypass_csp=True)
    log_in(page, base, "reviewer")
    effort.settle(page)  # the dashboard, not counted
    effort.watch(page)
    effort.click(page, f"a[href='/admin/archive/incidentversion/{version.pk}/review/']")
    thread = page.locator(".query-row .query-thread")
    assert "best 300 → 250" in thread.inner_text()
    assert "Corrected to 250, as on p. 12." in thread.inner_text()
    assert "Answer from contributor" in thread.inner_text()
    assert all_axe_violations(page) == []
    screenshot(page, "review-round-two")
    effort.click(page, f"#estimate-{queried.pk} button:has-text('Verified')")
    page.wait_for_selector("text=3 of 3 verified")
    assert page.locator("button:has-text('Approve')").is_enabled()
    effort.click(page, "button:has-text('Approve')")
    page.wait_for_selector("text=Approved: a publisher can now publish it.")
    effort.settle(page)
    assert IncidentVersion.objects.get(pk=version.pk).state == State.APPROVED
    # The whole round from the dashboards, two people: no page loads or clicks wasted on a
    # dead end (the reviewer's first round took 5 loads, 5 clicks and 2 fields).
    assert reviewer_round_one == (5, 5, 2)
    assert (effort.loads, effort.clicks, effort.fields) == (12, 12, 5)


def test_a_publication_is_confirmed_with_what_becomes_public(live_server, new_page):
    author = make_contributor("contributor")
    reviewer, _ = make_reviewer("reviewer"), make_publisher("publisher")
    version = make_draft(author, "katyn", title="Katyn massacre")
    version.estimates.update(best=21857, as_written="21,857")
    services.version_submit(version=version, user=author)
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    base = live_server.url
    change = f"{base}/admin/archive/incidentversion/{version.pk}/change/"

    # In Warsaw: the browser's zone is offered; a time typed there is confirmed in both zones.
    page = new_page(bypass_csp=True, timezone_id="Europe/Warsaw")
    log_in(page, base, "publisher")
    page.goto(change)
    assert page.locator("#time-zone").input_value() == "Europe/Warsaw"
    page.fill("#publish-at", "2031-01-15T09:00")
    page.locator(".workflow-panel").screenshot(path=str(SCREENSHOTS / "publish-form.png"))
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Nothing is public yet.")
    when = page.locator("dl.publication").inner_text()
    assert "Wednesday 15 January 2031, 09:00 Europe/Warsaw (CET, UTC+01:00)" in when
    assert "Wednesday 15 January 2031, 08:00 UTC" in when
    assert "21,857 killed" in when
    assert all_axe_violations(page) == []
    screenshot(page, "publish-confirm-scheduled")
    page.click("text=Back, nothing published")
    assert IncidentVersion.objects.get(pk=version.pk).publish_at is None

    # Now, confirmed.
    page.click("button:has-text('Publish')")
    page.wait_for_selector("text=Now, as soon as you confirm.")
    screenshot(page, "publish-confirm-now")
    page.click("button:has-text('Publish now')")
    page.wait_for_selector("text=Published: the public site now shows this version.")
    version.refresh_from_db()
    assert version.state == State.PUBLISHED
    assert version.published_at <= datetime.datetime.now(datetime.UTC)
    page.goto(f"{base}/incidents/katyn/")
    assert "21,857" in page.content()
