"""Addresses are permanent: an incident's old address leads to it forever, and no other
incident may take it, by renaming, in the admin or by import."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from archive.models import Incident, IncidentAlias
from editorial import services
from editorial.models import Action, HistoryEntry
from tests.crawl import leaks
from tests.editorial.admin_forms import version_post
from tests.factories import make_contributor, make_draft, make_published


def rename(incident: Incident, slug: str) -> Incident:
    return services.incident_rename(incident=incident, user=make_contributor(), slug=slug)


@pytest.fixture
def renamed_katyn(db):
    """Katyn, published at /incidents/katyn/ and cited there, then given a longer address."""
    katyn = make_published("katyn", title="Katyn massacre").incident
    return rename(katyn, "katyn-massacre")


@pytest.mark.django_db
def test_renaming_to_another_incidents_old_address_is_refused_and_it_still_leads_there(
    client, renamed_katyn
):
    other = make_draft(slug="kalinin", title="Kalinin shootings DRAFT-MARKER").incident

    with pytest.raises(services.WorkflowError) as refusal:
        rename(other, "katyn")

    assert str(refusal.value) == (
        "“katyn” was the address of “Katyn massacre” and still leads there: choose another slug."
    )
    other.refresh_from_db()
    assert other.slug == "kalinin"
    assert IncidentAlias.objects.get(slug="katyn").incident == renamed_katyn
    old = client.get("/incidents/katyn/")
    assert (old.status_code, old["Location"]) == (301, "/incidents/katyn-massacre/")
    assert leaks(["DRAFT-MARKER"], client) == []


@pytest.mark.django_db
def test_renaming_to_another_incidents_current_address_is_refused(renamed_katyn):
    other = make_draft(slug="kalinin").incident

    with pytest.raises(services.WorkflowError) as refusal:
        rename(other, "katyn-massacre")

    assert str(refusal.value) == (
        "“katyn-massacre” is the address of “Katyn massacre”: choose another slug."
    )
    assert Incident.objects.get(pk=other.pk).slug == "kalinin"


@pytest.mark.django_db
def test_an_incident_may_take_back_an_old_address_of_its_own(client, renamed_katyn):
    rename(renamed_katyn, "katyn-1940")
    rename(renamed_katyn, "katyn")

    assert sorted(renamed_katyn.aliases.values_list("slug", flat=True)) == [
        "katyn-1940",
        "katyn-massacre",
    ]
    assert client.get("/incidents/katyn/").status_code == 200
    for old in ("/incidents/katyn-massacre/", "/incidents/katyn-1940/"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/incidents/katyn/")
    assert list(
        HistoryEntry.objects.filter(incident=renamed_katyn, action=Action.RENAME)
        .order_by("pk")
        .values_list("changes", flat=True)
    ) == [
        {"slug": ["katyn", "katyn-massacre"]},
        {"slug": ["katyn-massacre", "katyn-1940"]},
        {"slug": ["katyn-1940", "katyn"]},
    ]
    assert leaks([], client) == []


@pytest.mark.django_db
def test_the_admin_refuses_a_takeover_with_a_message_and_keeps_the_input(client, renamed_katyn):
    other = make_draft(slug="kalinin").incident
    client.force_login(make_contributor())

    response = client.post(
        reverse("admin:archive_incident_change", args=[other.pk]), {"slug": "katyn"}
    )

    assert response.status_code == 200
    assert (
        "“katyn” was the address of “Katyn massacre” and still leads there: choose another slug."
        in response.text
    )
    assert 'value="katyn"' in response.text
    assert Incident.objects.get(pk=other.pk).slug == "kalinin"
    assert not HistoryEntry.objects.filter(incident=other, action=Action.EDIT).exists()


@pytest.mark.django_db
def test_the_admin_renames_to_a_free_address(client, renamed_katyn):
    other = make_draft(slug="kalinin").incident
    client.force_login(make_contributor())

    response = client.post(
        reverse("admin:archive_incident_change", args=[other.pk]), {"slug": "kalinin-1940"}
    )

    assert response.status_code == 302
    assert list(other.aliases.values_list("slug", flat=True)) == ["kalinin"]


@pytest.mark.django_db
def test_a_new_incident_cannot_take_an_old_address(client, renamed_katyn):
    client.force_login(make_contributor())
    message = (
        "“katyn” was the address of “Katyn massacre” and still leads there: choose another slug."
    )

    with pytest.raises(services.WorkflowError) as refusal:
        services.incident_create(slug="katyn", user=make_contributor(), title="Another")
    response = client.post(reverse("admin:archive_incidentversion_add"), version_post(slug="katyn"))

    assert str(refusal.value) == message
    assert response.status_code == 200 and message in response.text
    assert list(Incident.objects.values_list("slug", flat=True)) == ["katyn-massacre"]


@pytest.mark.django_db
def test_an_import_cannot_give_a_new_incident_an_old_address(tmp_path, renamed_katyn):
    path = tmp_path / "incidents.csv"
    path.write_text(
        "slug,title,summary,description,date,date_text,places,categories,perpetrators,"
        "victim_groups,context\n"
        "katyn,Another incident,Summary.,,1940,1940,,massacre,,,\n"
    )
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command(
            "import",
            "editorial.resources.IncidentResource",
            str(path),
            "--no-input",
            stdout=io.StringIO(),
            stderr=err,
        )

    assert (
        "column `slug`: “katyn” was the address of “Katyn massacre” and still leads there: "
        "choose another slug." in err.getvalue()
    )
    assert list(Incident.objects.values_list("slug", flat=True)) == ["katyn-massacre"]
