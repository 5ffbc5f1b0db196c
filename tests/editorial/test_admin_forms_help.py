"""The incident form's help: the error summary, the date read-back, the Advanced section and
the signal that lets the browser forget its local copy after a save."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from archive.models import IncidentVersion
from editorial.admin_forms_help import SAVED_COOKIE
from tests.editorial.admin_forms import estimate_row, version_post
from tests.factories import make_draft, make_reviewer, make_user

ADD_URL = reverse("admin:archive_incidentversion_add")
READ_BACK_URL = reverse("admin:version_date_read_back")


def summary_links(response) -> list[tuple[str, str]]:
    """(target id, text) of each link in the error summary."""
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)
    assert summary, "no error summary on the page"
    return [
        (target, re.sub(r"\s+", " ", text).replace("&#x27;", "'"))
        for target, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary[0], re.S)
    ]


@pytest.mark.django_db
def test_a_refused_save_lists_every_error_with_a_link_to_its_field(client, contributor):
    client.force_login(contributor)
    data = version_post(
        title="",
        date="April 1944",
        estimates=[
            estimate_row(as_written="88", best=88),
            estimate_row(as_written="about 1,000", best=1000),
            estimate_row(as_written="5,000–300", low=5000, high=300),
        ],
    )

    response = client.post(ADD_URL, data)

    assert response.status_code == 200
    assert not IncidentVersion.objects.exists()
    assert summary_links(response) == [
        ("id_title", "Title: This field is required."),
        (
            "id_date",
            "Date (EDTF): “April 1944” is not a valid EDTF date. Write it like 1940-04-13, "
            "1940-04/1940-05, 1945-04~ (about April 1945), 1941/1942.",
        ),
        (
            "id_estimates-2-low",
            "Estimate 3: Low (5,000) is above high (300). Low ≤ best ≤ high: swap them, or "
            "check for a mistyped digit.",
        ),
    ]
    assert 'data-inline="estimates-2"' in response.text
    assert "Not saved: 3 problems to put right" in response.text


@pytest.mark.django_db
def test_an_error_of_the_whole_form_is_listed_without_a_link(client, contributor):
    version = make_draft(contributor)
    url = reverse("admin:archive_incidentversion_change", args=[version.pk])
    client.force_login(contributor)
    assert client.post(url, version_post(version=version, title="First")).status_code == 302

    response = client.post(url, version_post(version=version, title="Second"))  # outdated

    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S)[0]
    assert "Not saved: 1 problem to put right" in summary
    assert "saved this version at" in summary and "Your changes have not been saved" in summary
    assert summary_links(response) == []


@pytest.mark.django_db
def test_slug_and_ref_sit_in_a_closed_advanced_section_and_are_still_made(client, contributor):
    client.force_login(contributor)

    page = client.get(ADD_URL).text
    response = client.post(
        ADD_URL, version_post(slug="", estimates=[estimate_row(as_written="5", best=5)])
    )

    advanced = re.findall(r"<details>\s*<summary>\s*<h\d[^>]*>Advanced</h\d>", page)
    # The slug; the ref of each of the two empty figures, and of the template for more.
    assert len(advanced) == 1 + 2 + 1
    assert page.index('name="slug"') > page.index("Advanced")
    assert response.status_code == 302
    version = IncidentVersion.objects.get(incident__slug="katyn-massacre")
    assert list(version.estimates.values_list("ref", flat=True)) == ["katyn-massacre-killed-1"]


@pytest.mark.django_db
def test_the_date_is_read_back_with_the_page(client, contributor):
    version = make_draft(contributor, date="1944-10~", date_text="about October 1944")
    client.force_login(contributor)

    response = client.get(reverse("admin:archive_incidentversion_change", args=[version.pk]))

    assert (
        '<output class="date-read-back" id="id_date_readback" for="id_date" aria-live="polite" '
        f'data-url="{READ_BACK_URL}">about October 1944: stored as 1 September – 30 November '
        "1944</output>"
    ) in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("date", "answer"),
    [
        (
            "1944-10~",
            {
                "text": "about October 1944: stored as 1 September – 30 November 1944",
                "earliest": "1944-09-01",
                "latest": "1944-11-30",
            },
        ),
        (
            "1940-04/1940-05",
            {
                "text": "April 1940 to May 1940: stored as 1 April – 31 May 1940",
                "earliest": "1940-04-01",
                "latest": "1940-05-31",
            },
        ),
    ],
)
def test_the_read_back_endpoint_says_what_the_server_stores(client, contributor, date, answer):
    client.force_login(contributor)

    response = client.get(READ_BACK_URL, {"date": date})

    assert response.status_code == 200
    assert response.json() == answer
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("date", "message"),
    [
        (
            "October 1944",
            "“October 1944” is not a valid EDTF date. Write it like 1940-04-13, "
            "1940-04/1940-05, 1945-04~ (about April 1945), 1941/1942.",
        ),
        (
            "1944/1943",
            "“1944/1943” ends before it starts. Put the earlier date first, like 1940-04/1940-05.",
        ),
        (
            "",
            "Enter the date in EDTF, for example 1940-04-13, 1940-04/1940-05, 1945-04~ "
            "(about April 1945), 1941/1942.",
        ),
    ],
)
def test_the_read_back_endpoint_answers_bad_edtf_with_the_forms_message(
    client, contributor, date, message
):
    client.force_login(contributor)

    response = client.get(READ_BACK_URL, {"date": date})

    assert response.status_code == 400
    assert response.json() == {"error": message}


@pytest.mark.django_db
def test_the_read_back_endpoint_sends_an_anonymous_visitor_to_log_in(client):
    response = client.get(READ_BACK_URL, {"date": "1944-10~"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff without permissions", "reviewer"])
def test_the_read_back_endpoint_refuses_who_cannot_edit_incidents(client, who):
    user = make_user("nobody") if who != "reviewer" else make_reviewer()
    client.force_login(user)

    response = client.get(READ_BACK_URL, {"date": "1944-10~"})

    assert response.status_code == 403
    assert "stored as" not in response.text


@pytest.mark.django_db
def test_the_read_back_endpoint_answers_get_only(client, contributor):
    client.force_login(contributor)

    assert client.post(READ_BACK_URL, {"date": "1944-10~"}).status_code == 405


@pytest.mark.django_db
def test_a_successful_save_tells_the_browser_to_forget_its_local_copy(client, contributor):
    client.force_login(contributor)

    refused = client.post(ADD_URL, version_post(title=""))
    saved = client.post(ADD_URL, version_post())

    assert SAVED_COOKIE not in refused.cookies
    assert saved.status_code == 302
    assert saved.cookies[SAVED_COOKIE].value == f"archive.incidentversion:new:{contributor.pk}"
    version = IncidentVersion.objects.get()
    changed = client.post(
        reverse("admin:archive_incidentversion_change", args=[version.pk]),
        version_post(version=version, title="Katyn massacre, spring 1940"),
    )
    assert changed.status_code == 302
    assert changed.cookies[SAVED_COOKIE].value == (
        f"archive.incidentversion:{version.pk}:{contributor.pk}"
    )


@pytest.mark.django_db
def test_the_form_names_its_local_copy_by_version_and_editor_and_carries_the_lock(
    client, contributor
):
    version = make_draft(contributor)
    client.force_login(contributor)

    page = client.get(reverse("admin:archive_incidentversion_change", args=[version.pk])).text

    assert (
        f'<div id="form-autosave" hidden data-key="archive.incidentversion:{version.pk}:'
        f'{contributor.pk}" data-lock="{version.lock_version}"></div>'
    ) in page
