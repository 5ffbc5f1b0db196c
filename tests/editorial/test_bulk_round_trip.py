"""Bulk round trips in the admin: export, edit, import back (with a preview that shows what
changes), then submit the drafts it opened; again and again, whatever state the incidents
are in."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from archive.models import IncidentVersion, State
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.editorial.test_admin_import import upload
from tests.factories import make_published_figures, make_reviewer, make_user

NOTHING = "0 changes: every row of this file matches the archive. Importing it would write nothing."


def export_rows(client, model: str, *, resource: int = 0, **extra: str) -> list[dict[str, str]]:
    """The admin's export of ``model`` as CSV rows, every column chosen, as the form offers."""
    url = reverse(f"admin:archive_{model}_export")
    form = client.get(url).context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update({"format": "0", "resource": str(resource), **extra})
    response = client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def as_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def preview(client, model: str, rows: list[dict[str, str]], name: str = "file.csv"):
    return client.post(
        reverse(f"admin:archive_{model}_import"),
        {"resource": 0, "import_file": upload(name, as_csv(rows))},
    )


def confirm(client, model: str, previewed):
    form = previewed.context["confirm_form"]
    return client.post(reverse(f"admin:archive_{model}_process_import"), form.initial)


def draft_beside_published(slug: str, editor) -> IncidentVersion:
    """A published incident (figures 300 and 400) with an open draft in which 300 is 250."""
    make_published_figures(slug, {"best": 300}, {"best": 400}, title=f"Incident {slug}")
    draft = services.version_start_draft(
        incident=IncidentVersion.objects.get(incident__slug=slug).incident, user=editor
    )
    draft.estimates.filter(best=300).update(best=250)
    return draft


@pytest.fixture
def editor(client):
    user = make_user("editor", "Data editors", "Contributors")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_the_export_has_one_row_per_figure_the_drafts_if_open_else_the_published(client, editor):
    make_published_figures("alpha", {"best": 10})
    draft_beside_published("beta", editor)

    rows = export_rows(client, "estimate")

    assert [(r["ref"], r["best"], r["version"], r["state"]) for r in rows] == [
        ("alpha-1", "10", "1", "published"),
        ("beta-1", "250", "2", "draft"),
        ("beta-2", "400", "2", "draft"),
    ]
    assert list(rows[0])[-2:] == ["version", "state"]  # after every documented column


@pytest.mark.django_db
def test_published_only_exports_what_the_public_sees(client, editor):
    draft_beside_published("beta", editor)

    rows = export_rows(client, "estimate", published_only="on")

    assert [(r["ref"], r["best"], r["version"], r["state"]) for r in rows] == [
        ("beta-1", "300", "1", "published"),
        ("beta-2", "400", "1", "published"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["estimate", "incidentversion", "citation"])
def test_an_export_imported_back_unchanged_reports_0_changes_and_writes_nothing(
    client, editor, model
):
    make_published_figures("alpha", {"best": 10})
    draft = draft_beside_published("beta", editor)
    in_review = draft_beside_published("gamma", editor)
    services.version_submit(version=in_review, user=editor)
    rows = export_rows(client, model)
    versions, history = IncidentVersion.objects.count(), HistoryEntry.objects.count()
    draft_lock = IncidentVersion.objects.get(pk=draft.pk).lock_version

    response = preview(client, model, rows)

    assert NOTHING in response.text
    assert "confirm_form" not in response.context
    assert (IncidentVersion.objects.count(), HistoryEntry.objects.count()) == (versions, history)
    assert IncidentVersion.objects.get(pk=draft.pk).lock_version == draft_lock


@pytest.mark.django_db
def test_the_version_and_state_columns_are_ignored_on_import(client, editor):
    draft_beside_published("beta", editor)
    rows = export_rows(client, "estimate")
    for row in rows:
        row["version"], row["state"] = "1", "published"

    response = preview(client, "estimate", rows)

    assert NOTHING in response.text


@pytest.mark.django_db
def test_the_preview_lists_changes_old_to_new_then_new_rows_and_hides_the_unchanged(client, editor):
    make_published_figures("alpha", {"best": 300}, {"best": 400}, {"best": 500})
    rows = export_rows(client, "estimate")
    rows[1]["best"], rows[1]["as_written"] = "450", "about 450"
    rows.append({**rows[0], "ref": "alpha-new", "best": "7", "as_written": "7"})

    text = preview(client, "estimate", rows).text

    assert "4 rows: <strong>1 new</strong>, <strong>1 changed</strong>, 2 unchanged, 0 errors." in (
        text
    )
    changed = text.index('<h3 id="import-changed">Rows that change a record (1)</h3>')
    new = text.index('<h3 id="import-new">New rows (1)</h3>')
    unchanged = text.index("<details ")
    assert changed < new < unchanged
    assert (
        "<tr><td>3</td><td>alpha · alpha-2: about 450 killed (A historian)</td><td>"
        '<ul class="import-change-list"><li><code>best</code>: <del>400</del> → <ins>450</ins>'
        "</li><li><code>as_written</code>: <del>400</del> → <ins>about 450</ins></li></ul>"
    ) in text
    assert "<tr><td>5</td><td>alpha · alpha-new: 7 killed (A historian)</td></tr>" in text
    assert "<summary>Unchanged rows (2)</summary>" in text
    assert 'style="' not in text


@pytest.mark.django_db
def test_the_incidents_preview_shows_a_changed_title_old_to_new(client, editor):
    make_published_figures("alpha", {"best": 10}, title="Old title")
    rows = export_rows(client, "incidentversion")
    rows[0]["title"] = "New title"

    text = preview(client, "incidentversion", rows).text

    assert "<li><code>title</code>: <del>Old title</del> → <ins>New title</ins></li>" in text
    assert not IncidentVersion.objects.filter(title="New title").exists()  # a dry run


@pytest.mark.django_db
def test_a_bad_cell_is_named_without_a_traceback(client, editor):
    make_published_figures("alpha", {"best": 10})
    rows = export_rows(client, "estimate")
    rows[0]["best"] = "ten"

    response = preview(client, "estimate", rows)

    assert response.context["import_errors"] == [
        "row 2, column `best`: 'ten' is not a whole number; enter the figure in digits only "
        "(a qualifier such as about or over goes in `qualifier`) and 'ten' in `as_written`"
    ]
    assert "Traceback" not in response.text
    assert "File &quot;" not in response.text


@pytest.mark.django_db
def test_a_row_that_changes_an_incident_in_review_is_refused_by_name(client, editor):
    version = make_published_figures("alpha", {"best": 10})
    draft = services.version_start_draft(incident=version.incident, user=editor)
    services.version_submit(version=draft, user=editor)
    rows = export_rows(client, "estimate")
    rows[0]["best"] = "11"

    response = preview(client, "estimate", rows)

    assert response.context["import_errors"] == [
        "row 2: incident 'alpha' is in review; it cannot change until a reviewer sends it back"
    ]


@pytest.mark.django_db
def test_after_the_import_its_drafts_are_listed_and_submitted_in_one_step(client, editor):
    make_published_figures("alpha", {"best": 10}, title="Alpha")
    draft_beside_published("beta", editor)
    make_published_figures("gamma", {"best": 5}, title="Gamma")
    rows = export_rows(client, "estimate")
    rows[0]["best"] = "11"  # alpha: a new draft
    rows[1]["best"] = "260"  # beta: its open draft

    done = confirm(client, "estimate", preview(client, "estimate", rows))

    assert done.status_code == 302
    page = client.get(done["Location"])
    drafts = IncidentVersion.objects.filter(state=State.DRAFT).order_by("incident__slug")
    assert [v.incident.slug for v in page.context["versions"]] == ["alpha", "beta"]
    for version in drafts:
        change = reverse("admin:archive_incidentversion_change", args=[version.pk])
        assert f'<a href="{change}">{version.title}</a>' in page.text
    assert "Submit these for review (2)" in page.text
    submit = page.context["submit"]
    data = {"action": submit["action"], "index": 0, ACTION_CHECKBOX_NAME: submit["selected"]}

    submitted = client.post(page.context["submit_url"], data, follow=True)

    assert set(IncidentVersion.objects.filter(state=State.IN_REVIEW)) == set(drafts)
    transitions = HistoryEntry.objects.filter(action=Action.TRANSITION, to_state=State.IN_REVIEW)
    assert sorted(
        transitions.filter(user=editor).values_list("version__incident__slug", flat=True)
    ) == [
        "alpha",
        "beta",
    ]
    assert "Submitted for review (2): “Alpha”, “Incident beta”." in submitted.text.replace(
        "&ldquo;", "“"
    )
    # Four eyes: the importer wrote these drafts, so they cannot approve them.
    assert editor.pk in services.author_ids(drafts[0])


@pytest.mark.django_db
def test_the_submit_action_names_each_version_it_refuses_and_why(client, editor):
    draft = draft_beside_published("beta", editor)
    published = IncidentVersion.objects.get(incident__slug="beta", state=State.PUBLISHED)
    url = reverse("admin:archive_incidentversion_changelist")
    data = {
        "action": "submit_drafts_for_review",
        "index": 0,
        ACTION_CHECKBOX_NAME: [draft.pk, published.pk],
    }

    response = client.post(url, data, follow=True)

    messages = [str(m) for m in response.context["messages"]]
    assert (
        "Submitted for review (1): “Incident beta”. A reviewer checks each figure before approving."
        in messages
    )
    assert (
        "“Incident beta” was not submitted: A version that is published cannot become in review."
        in messages
    )
    assert IncidentVersion.objects.get(pk=draft.pk).state == State.IN_REVIEW


@pytest.mark.django_db
def test_the_submit_action_is_offered_only_to_those_who_may_submit(client):
    draft = make_published_figures("alpha", {"best": 10})
    reviewer = make_reviewer("reviewer")
    client.force_login(reviewer)
    url = reverse("admin:archive_incidentversion_changelist")
    assert "submit_drafts_for_review" not in client.get(url).text
    data = {"action": "submit_drafts_for_review", "index": 0, ACTION_CHECKBOX_NAME: [draft.pk]}
    client.post(url, data)
    assert not HistoryEntry.objects.filter(to_state=State.IN_REVIEW, user=reviewer).exists()


@pytest.mark.django_db
def test_export_selected_exports_the_figures_of_the_chosen_incidents(client, editor):
    alpha = make_published_figures("alpha", {"best": 10})
    make_published_figures("beta", {"best": 20})
    draft_beside_published("gamma", editor)
    gamma = IncidentVersion.objects.get(incident__slug="gamma", state=State.PUBLISHED)
    url = reverse("admin:archive_incidentversion_changelist")

    page = client.post(
        url, {"action": "export_selected", "index": 0, ACTION_CHECKBOX_NAME: [alpha.pk, gamma.pk]}
    )

    assert "Export 2 selected items." in page.text
    form = page.context["form"]
    data = {name: "on" for name, field in form.fields.items() if field.initial is True}
    data.update({"format": "0", "resource": "1", "export_items": [str(alpha.pk), str(gamma.pk)]})
    exported = client.post(reverse("admin:archive_incidentversion_export"), data)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [(r["ref"], r["best"], r["state"]) for r in rows] == [
        ("alpha-1", "10", "published"),
        ("gamma-1", "250", "draft"),
        ("gamma-2", "400", "draft"),
    ]


@pytest.mark.django_db
def test_the_export_page_runs_no_inline_style_or_script(client, editor):
    text = client.get(reverse("admin:archive_estimate_export")).text
    assert 'style="' not in text
    assert "onchange=" not in text
    assert "<script>" not in text
