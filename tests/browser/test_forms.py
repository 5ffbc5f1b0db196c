"""The long incident form in a real browser: an error found from the summary, the question
before leaving a changed form, a local copy recovered after the tab was closed, and the date
read back while typing."""

from __future__ import annotations

import pytest

from archive.models import IncidentVersion
from editorial.models import Action, HistoryEntry
from tests.browser.conftest import screenshot
from tests.browser.test_editorial_flow import Effort, in_view, log_in
from tests.browser.test_public import AXE
from tests.factories import make_contributor, make_draft

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ADD = "/admin/archive/incidentversion/add/"


def every_axe_violation(page) -> list[dict]:
    """Every violation axe-core finds, whatever its impact. axe is evaluated, not added as a
    script tag, which the admin's Content Security Policy (rightly) refuses."""
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


def fill_incident(page, effort: Effort, figures: list[dict[str, str]]) -> None:
    """The new-incident form with these figures, as an editor fills it (not saved)."""
    effort.fill(page, "#id_title", "Nemmersdorf test incident")
    effort.fill(page, "#id_summary", "Civilians were killed in the village.")
    effort.fill(page, "#id_date", "1944-10~")
    effort.fill(page, "#id_date_text", "about October 1944")
    effort.click(page, "label:has-text('massacre') >> input")
    for index, figure in enumerate(figures):
        if index >= 2:  # the form opens with two empty figures
            effort.click(page, "#estimates-group .add-row a")
        for name, value in figure.items():
            effort.fill(page, f"#id_estimates-{index}-{name}", value)


THREE_FIGURES = [
    {"best": "26", "as_written": "26", "claimant": "Soviet investigation"},
    {"best": "74", "as_written": "74", "claimant": "German Volkssturm report"},
    {"low": "5000", "high": "300", "as_written": "300–5,000", "claimant": "Propaganda ministry"},
]


LATE_DJANGO_SCRIPT = """() => new Promise((resolve) => {
    const late = document.createElement("script");
    late.src = document.getElementById("django-admin-form-add-constants").src;
    late.onload = resolve;
    document.head.append(late);
})"""


def focused(page, element_id: str) -> None:
    """Wait until the page's script has moved focus to ``element_id`` (it may do so a frame
    after the load or the click); fails after Playwright's timeout if it never does."""
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=element_id
    )


def test_an_error_inside_the_third_estimate_is_found_from_the_summary(live_server, new_page):
    make_contributor("contributor")
    page = new_page(viewport={"width": 1280, "height": 800})
    log_in(page, live_server.url, "contributor")
    page.goto(live_server.url + ADD)
    effort = Effort()
    effort.watch(page)
    fill_incident(page, effort, THREE_FIGURES)

    effort.click(page, "input[name=_continue]")
    page.wait_for_selector("#error-summary")
    effort.settle(page)

    assert not IncidentVersion.objects.exists()
    focused(page, "error-summary")
    # Django's own script, which focuses a new form's first field, loads "async": when it
    # arrives after ours (as it can under load), the focus stays on the summary.
    page.evaluate(LATE_DJANGO_SCRIPT)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.inner_text("#error-summary h2") == "Not saved: 1 problem to put right"
    assert page.inner_text("#estimates-2 h3 .error-badge") == "1 error"
    assert page.inner_text("#estimates-group h2 .error-badge") == "1 error"
    assert page.locator(".error-badge").count() == 2
    assert not in_view(page, "#id_estimates-2-low")
    assert every_axe_violation(page) == []
    screenshot(page, "forms-error-summary")

    effort.click(page, "#error-summary a:has-text('Estimate 3: Low (5,000) is above high (300)')")

    focused(page, "id_estimates-2-low")
    assert in_view(page, "#id_estimates-2-low")
    assert in_view(page, "#estimates-2 .field-low .errorlist")
    screenshot(page, "forms-error-found")
    effort.fill(page, "#id_estimates-2-low", "300")
    effort.fill(page, "#id_estimates-2-high", "5000")
    effort.click(page, "input[name=_continue]")
    page.wait_for_selector("text=Submit for review")
    effort.settle(page)
    version = IncidentVersion.objects.get(incident__slug="nemmersdorf-test-incident")
    assert sorted(version.estimates.values_list("as_written", flat=True)) == [
        "26",
        "300–5,000",
        "74",
    ]
    assert effort.csp == [], effort.csp
    # From the filled form to the saved draft, one mistake put right: the two saves, the
    # summary's link, the figure added, the category; the fields typed.
    assert (effort.loads, effort.clicks, effort.fields) == (2, 5, 16)


def test_leaving_a_changed_form_asks_first_and_saving_does_not(live_server, new_page):
    make_contributor("contributor")
    page = new_page()
    log_in(page, live_server.url, "contributor")
    page.goto(live_server.url + ADD)
    dialogs: list[str] = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.click(".breadcrumbs a:has-text('Home')")  # unchanged: leaves without a question
    page.wait_for_url(f"{live_server.url}/admin/")
    assert dialogs == []

    page.goto(live_server.url + ADD)
    page.fill("#id_title", "A title typed and not saved")
    page.click(".breadcrumbs a:has-text('Home')")
    page.wait_for_function("() => true")
    assert dialogs == ["beforeunload"]
    assert page.url == live_server.url + ADD
    assert page.input_value("#id_title") == "A title typed and not saved"

    page.remove_listener("dialog", answer)
    page.on("dialog", lambda dialog: dialogs.append(dialog.type) or dialog.accept())
    page.fill("#id_summary", "Saved this time.")
    page.fill("#id_date", "1944")
    page.fill("#id_date_text", "1944")
    page.check("label:has-text('massacre') >> input")
    page.click("input[name=_continue]")
    page.wait_for_selector("text=Submit for review")
    assert dialogs == ["beforeunload"]  # the save left the page without a question


def copy_kept(page, text: str) -> None:
    """Wait until the browser's local copy of the form holds ``text``."""
    page.wait_for_function(
        """text => Object.keys(localStorage).some(key =>
            key.startsWith("editorial-form:") && localStorage.getItem(key).includes(text))""",
        arg=text,
    )


def test_a_copy_kept_in_the_browser_is_recovered_after_the_tab_was_closed(live_server, new_page):
    contributor = make_contributor("contributor")
    version = make_draft(contributor, estimates=1)
    change = f"{live_server.url}/admin/archive/incidentversion/{version.pk}/change/"
    page = new_page()
    log_in(page, live_server.url, "contributor")
    page.goto(change)
    assert not page.is_visible(".autosave-banner")
    page.fill("#id_title", "A title typed and never saved")
    page.click("#estimates-group .add-row a")
    page.fill("#id_estimates-1-best", "1200")
    page.fill("#id_estimates-1-as_written", "about 1,200")
    page.fill("#id_estimates-1-claimant", "A later study")
    copy_kept(page, "A later study")
    page.close()  # the tab is closed without saving: no question, nothing sent

    page = page.context.new_page()
    page.goto(change)
    banner = page.locator(".autosave-banner")
    assert banner.inner_text().startswith("You have unsaved changes from ")
    assert "saved since then" not in banner.inner_text()
    assert page.input_value("#id_title") == f"Incident {version.incident.slug}"
    version.refresh_from_db()
    assert version.title == f"Incident {version.incident.slug}"  # nothing reached the server
    assert not HistoryEntry.objects.filter(version=version, action=Action.EDIT).exists()
    screenshot(page, "forms-autosave-banner")

    page.click(".autosave-banner button:has-text('Restore')")

    assert not page.is_visible(".autosave-banner")
    assert page.input_value("#id_title") == "A title typed and never saved"
    assert page.input_value("#id_estimates-1-as_written") == "about 1,200"
    assert page.input_value("#id_estimates-1-claimant") == "A later study"
    page.click("input[name=_continue]")
    page.wait_for_selector("text=was changed successfully")
    version.refresh_from_db()
    assert version.title == "A title typed and never saved"
    assert "A later study" in version.estimates.values_list("claimant", flat=True)
    assert version.estimates.count() == 2
    assert (
        page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('editorial-form:'))")
        == []
    )  # the save went through: the copy is gone
    page.reload()
    assert not page.is_visible(".autosave-banner")


def test_signing_out_forgets_every_copy_kept_in_the_browser(live_server, new_page):
    contributor = make_contributor("contributor")
    version = make_draft(contributor, estimates=1)
    page = new_page()
    log_in(page, live_server.url, "contributor")
    page.goto(f"{live_server.url}/admin/archive/incidentversion/{version.pk}/change/")
    page.fill("#id_title", "Unsaved work on a shared computer")
    copy_kept(page, "Unsaved work on a shared computer")
    page.once("dialog", lambda dialog: dialog.accept())  # leave the changed form
    page.click("#logout-form button")
    page.wait_for_selector("#signed-out", state="attached")
    assert (
        page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('editorial-form:'))")
        == []
    )


def test_a_copy_older_than_the_last_save_cannot_overwrite_it(live_server, new_page):
    contributor = make_contributor("contributor")
    version = make_draft(contributor, estimates=1)
    change = f"{live_server.url}/admin/archive/incidentversion/{version.pk}/change/"
    page = new_page()
    log_in(page, live_server.url, "contributor")
    page.goto(change)
    page.fill("#id_title", "Kept in the browser")
    copy_kept(page, "Kept in the browser")
    page.close()
    other = new_page()  # meanwhile the version is saved from another browser
    log_in(other, live_server.url, "contributor")
    other.goto(change)
    other.fill("#id_summary", "Saved from elsewhere.")
    other.click("input[name=_continue]")
    other.wait_for_selector("text=was changed successfully")

    page = page.context.new_page()
    page.goto(change)
    assert "This version has been saved since then." in page.inner_text(".autosave-banner")
    page.click(".autosave-banner button:has-text('Restore')")
    page.click("input[name=_continue]")

    page.wait_for_selector("#error-summary")
    assert "after you opened it. Your changes have not been saved" in page.inner_text(
        "#error-summary"
    )
    assert page.input_value("#id_title") == "Kept in the browser"  # still in the form
    version.refresh_from_db()
    assert (version.title, version.summary) == (
        f"Incident {version.incident.slug}",
        "Saved from elsewhere.",
    )


def test_the_date_is_read_back_while_typing(live_server, new_page):
    make_contributor("contributor")
    page = new_page()
    log_in(page, live_server.url, "contributor")
    page.goto(live_server.url + ADD)

    page.fill("#id_date", "1944-10~")
    page.wait_for_selector("#id_date_readback:has-text('stored as')")
    assert page.inner_text("#id_date_readback") == (
        "about October 1944: stored as 1 September – 30 November 1944"
    )
    page.fill("#id_date", "October 1944")
    page.wait_for_selector("#id_date_readback.invalid")
    assert page.inner_text("#id_date_readback") == (
        "“October 1944” is not a valid EDTF date. Write it like 1940-04-13, 1940-04/1940-05, "
        "1945-04~ (about April 1945), 1941/1942."
    )
