"""The admin for everyone who works in it: no page the Content Security Policy breaks, no
axe-core violation on the pages editors spend their day on, readable queue counts, labelled
autocomplete boxes and a focus ring that can be seen."""

from __future__ import annotations

import contextlib

import pytest
from django.contrib.admin import site
from django.urls import NoReverseMatch, reverse

from archive.models import ReaderSubmission
from editorial import services
from tests.browser.conftest import screenshot
from tests.browser.test_editorial_flow import all_axe_violations, log_in
from tests.editorial.test_admin_import import SOURCES
from tests.factories import (
    make_contributor,
    make_draft,
    make_place,
    make_published,
    make_reviewer,
    make_submission,
    make_user,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The contrast of a text colour on its background (WCAG 2), computed in the page.
CONTRAST = """element => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const luminance = (text) => {
    const [r, g, b] = rgb(text).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let back = element;
  while (getComputedStyle(back).backgroundColor === "rgba(0, 0, 0, 0)") back = back.parentElement;
  const [a, b] = [luminance(getComputedStyle(element).color),
                  luminance(getComputedStyle(back).backgroundColor)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""

FOCUS_RING = """element => {
  const style = getComputedStyle(element);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


@pytest.fixture
def newsroom(db):
    """People in every role and a version in each state the admin shows differently."""
    author = make_contributor("contributor")
    make_reviewer("reviewer")
    make_user("editor", "Data editors", "Contributors")
    make_user("root", is_superuser=True)
    draft = make_draft(author, "katyn", estimates=2, title="Katyn massacre")
    draft.places.add(make_place("Katyń", country="Russia"))
    in_review = make_draft(author, "nemmersdorf", estimates=2, title="Nemmersdorf massacre")
    services.version_submit(version=in_review, user=author)
    fantana = make_published("fantana-alba", title="Fântâna Albă massacre")
    make_submission(fantana.incident, message="The village had more victims.")
    return {"draft": draft, "in_review": in_review}


def every_admin_page(newsroom) -> list[str]:
    """A page of every type: the dashboard; each model's list, add form, change form, history,
    import and export; the review, comparison and preview of a version."""
    urls = [reverse("admin:index"), reverse("admin:notification_settings")]
    for model in site._registry:
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [reverse(f"{name}_changelist"), reverse(f"{name}_add")]
        if (first := model._default_manager.first()) is not None:
            urls += [reverse(f"{name}_change", args=[first.pk])]
            urls += [reverse(f"{name}_history", args=[first.pk])]
        for page in ("import", "export"):
            with contextlib.suppress(NoReverseMatch):
                urls.append(reverse(f"{name}_{page}"))
    for version in newsroom.values():
        urls.append(reverse("admin:archive_incidentversion_change", args=[version.pk]))
        for page in ("version_review", "version_diff", "version_preview"):
            urls.append(reverse(f"admin:{page}", args=[version.pk]))
    return urls


def test_no_admin_page_breaks_the_content_security_policy(live_server, new_page, newsroom):
    page = new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    log_in(page, live_server.url, "root")
    urls = every_admin_page(newsroom)
    assert len(urls) > 60
    for url in urls:
        page.goto(f"{live_server.url}{url}")
    assert refused == []


def test_the_import_preview_breaks_no_policy_and_passes_axe(
    live_server, new_page, newsroom, tmp_path, import_previews
):
    (tmp_path / "sources.csv").write_text(SOURCES)
    for bypass in (False, True):
        page = new_page(bypass_csp=bypass)
        refused: list[str] = []
        page.on(
            "console",
            lambda message, refused=refused: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        log_in(page, live_server.url, "editor")
        page.goto(f"{live_server.url}/admin/archive/source/import/")
        page.set_input_files("#id_import_file", str(tmp_path / "sources.csv"))
        page.click("input[type=submit]")
        page.wait_for_selector("input[name=confirm]")
        if bypass:
            assert all_axe_violations(page) == []
        else:
            assert refused == []


@pytest.mark.parametrize(
    "who, page_name",
    [
        ("contributor", "dashboard"),
        ("reviewer", "dashboard"),
        ("contributor", "new incident"),
        ("contributor", "draft"),
        ("reviewer", "review"),
        ("reviewer", "notifications"),
        ("editor", "submission"),
    ],
)
def test_the_editors_pages_have_no_axe_violation(live_server, new_page, newsroom, who, page_name):
    url = {
        "dashboard": reverse("admin:index"),
        "new incident": reverse("admin:archive_incidentversion_add"),
        "draft": reverse("admin:archive_incidentversion_change", args=[newsroom["draft"].pk]),
        "review": reverse("admin:version_review", args=[newsroom["in_review"].pk]),
        "notifications": reverse("admin:notification_settings"),
        "submission": reverse(
            "admin:archive_readersubmission_change", args=[ReaderSubmission.objects.get().pk]
        ),
    }[page_name]
    page = new_page(bypass_csp=True)
    log_in(page, live_server.url, who)
    page.goto(f"{live_server.url}{url}")
    assert all_axe_violations(page) == []
    if page_name == "dashboard":
        screenshot(page, f"admin-dashboard-{who}")


def test_the_dashboards_queue_counts_are_readable(live_server, new_page, newsroom):
    page = new_page()
    log_in(page, live_server.url, "contributor")
    counts = page.locator(".my-work caption .queue-count")
    assert counts.first.inner_text() == "(1)"
    for index in range(counts.count()):
        assert counts.nth(index).evaluate(CONTRAST) >= 4.5


def test_autocomplete_boxes_are_named_by_their_labels(live_server, new_page, newsroom):
    page = new_page()
    log_in(page, live_server.url, "contributor")
    page.goto(
        f"{live_server.url}"
        + reverse("admin:archive_incidentversion_change", args=[newsroom["draft"].pk])
    )
    assert page.get_by_role("searchbox", name="Places", exact=True).count() == 1
    assert page.get_by_role("combobox", name="Places", exact=True).count() == 1
    assert page.get_by_role("combobox", name="Context:", exact=True).count() == 1
    # A citation's source, in a table row without a label, is named by its column.
    assert page.get_by_role("combobox", name="Source", exact=True).count() >= 1
    page.click("#citations-group .add-row a")
    assert page.get_by_role("combobox", name="Source", exact=True).count() >= 2


def test_the_keyboard_focus_is_visible_everywhere_in_the_admin(live_server, new_page, newsroom):
    page = new_page()
    log_in(page, live_server.url, "contributor")
    page.goto(f"{live_server.url}{reverse('admin:archive_incidentversion_add')}")
    for selector in ("#id_title", "#id_date", "#id_estimates-0-measure", "input[name=_save]"):
        page.focus(selector)
        assert page.locator(selector).evaluate(FOCUS_RING), selector
    page.focus("#id_summary")
    for _ in range(40):  # tab on to the places box (select2), as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.select2') !== null"):
            break
    box = page.locator(".select2-container--focus .select2-selection").first
    assert box.evaluate(FOCUS_RING)
    page.goto(f"{live_server.url}{reverse('admin:index')}")
    page.keyboard.press("Tab")
    assert page.evaluate(f"({FOCUS_RING})(document.activeElement)")
