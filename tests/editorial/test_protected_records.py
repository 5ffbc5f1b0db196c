"""No silent rewrites of the past: a record that any version names cannot be deleted, by
anyone, in the admin or through the ORM; a proceeding cannot while a published page shows it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils.text import slugify

from archive.models import (
    Category,
    Context,
    IncidentVersion,
    Place,
    Proceeding,
    Source,
    State,
    VictimGroup,
)
from editorial import services
from tests.factories import (
    make_actor,
    make_contributor,
    make_draft,
    make_place,
    make_published,
    make_publisher,
    make_user,
)


def make_category(name: str = "Shelling of hospitals") -> Category:
    return Category.objects.create(name=name, slug=slugify(name))


def make_victim_group(name: str = "Hospital patients") -> VictimGroup:
    return VictimGroup.objects.create(name=name, slug=slugify(name))


# How a version names each kind of record: the record's maker and the version's field.
KINDS: dict[str, tuple[Callable, str]] = {
    "place": (make_place, "places"),
    "actor": (make_actor, "perpetrators"),
    "victimgroup": (make_victim_group, "victim_groups"),
    "category": (make_category, "categories"),
}


def version_naming(record, field: str, state: str) -> IncidentVersion:
    """A version in ``state`` that names ``record``; for a superseded one, the version that
    replaced it does not name the record any more."""
    if state == State.DRAFT:
        version = make_draft()
        getattr(version, field).add(record)
        return version
    version = make_draft()
    getattr(version, field).add(record)
    version = publish(version)
    if state == State.WITHDRAWN:
        services.version_withdraw(version=version, user=make_publisher(), reason="Unsourced.")
    if state == State.SUPERSEDED:
        draft = services.version_start_draft(incident=version.incident, user=make_contributor())
        getattr(draft, field).remove(record)
        publish(draft, note="Record removed.")
    version.refresh_from_db()
    assert version.state == state
    return version


def publish(version: IncidentVersion, note: str = "") -> IncidentVersion:
    from tests.factories import make_reviewer

    services.version_submit(version=version, user=version.created_by)
    reviewer = make_reviewer()
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(version=version, user=make_publisher(), note=note)
    version.refresh_from_db()
    return version


def superuser_client(client):
    client.force_login(make_user("root", is_superuser=True))
    return client


STATES = [State.DRAFT, State.PUBLISHED, State.SUPERSEDED, State.WITHDRAWN]


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_record_any_version_names_cannot_be_deleted_through_the_orm(kind, state):
    make, field = KINDS[kind]
    record = make()
    version = version_naming(record, field, state)
    model = type(record)

    with pytest.raises(ProtectedError):
        record.delete()
    with pytest.raises(ProtectedError):
        model.objects.filter(pk=record.pk).delete()

    assert model.objects.filter(pk=record.pk).exists()
    assert record in getattr(version, field).all()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_superusers_delete_in_the_admin_is_refused_with_a_message(client, kind):
    make, field = KINDS[kind]
    record = make()
    version = version_naming(record, field, State.SUPERSEDED)
    url = reverse(f"admin:archive_{kind}_delete", args=[record.pk])

    response = superuser_client(client).post(url, {"post": "yes"})

    assert response.status_code == 200
    text = " ".join(response.text.split())
    assert (
        f"“{record}” cannot be deleted: the records below use it, and deleting it would change "
        "what they say, published and earlier versions included. Nothing was deleted. Merge it "
        "into another record or retire it through a reviewed change instead."
    ) in text
    assert str(version) in text
    assert type(record).objects.filter(pk=record.pk).exists()
    assert record in getattr(version, field).all()


@pytest.mark.django_db
def test_deleting_selected_places_in_the_admin_is_refused_too(client):
    used, unused = make_place("Katyń"), make_place("Nowhere")
    version = version_naming(used, "places", State.PUBLISHED)

    response = superuser_client(client).post(
        reverse("admin:archive_place_changelist"),
        {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"},
    )

    assert response.status_code == 200
    assert "The selected places cannot be deleted" in response.text
    assert "Nothing was deleted" in response.text
    assert Place.objects.count() == 2 and list(version.places.all()) == [used]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_record_no_version_names_can_still_be_deleted_by_a_superuser(client, kind):
    make, _ = KINDS[kind]
    record = make()
    make_draft()  # other records are in use

    response = superuser_client(client).post(
        reverse(f"admin:archive_{kind}_delete", args=[record.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not type(record).objects.filter(pk=record.pk).exists()


@pytest.mark.django_db
def test_a_record_may_go_once_no_version_names_it():
    place = make_place("Katyń")
    draft = version_naming(place, "places", State.DRAFT)
    draft.places.remove(place)
    place.delete()
    assert not Place.objects.filter(name="Katyń").exists()


@pytest.mark.django_db
def test_a_context_or_a_source_that_a_version_uses_cannot_be_deleted():
    version = make_draft()
    version.context = Context.objects.create(name="World War II", slug="world-war-ii")
    version.save()
    source = version.estimates.get().source
    for record in (version.context, source):
        with pytest.raises(ProtectedError):
            record.delete()
        with pytest.raises(ProtectedError):
            type(record).objects.filter(pk=record.pk).delete()
    assert Context.objects.filter(pk=version.context_id).exists()
    assert Source.objects.filter(pk=source.pk).exists()


def make_proceeding(*incidents) -> Proceeding:
    proceeding = Proceeding.objects.create(
        slug="kononov-v-latvia", title="Kononov v. Latvia", court="ECHR", date="2010-05-17"
    )
    proceeding.incidents.set(incidents)
    return proceeding


@pytest.mark.django_db
def test_a_proceeding_that_a_published_incident_shows_cannot_be_deleted():
    published, draft = make_published("mazie-bati"), make_draft(slug="other")
    proceeding = make_proceeding(published.incident, draft.incident)

    with pytest.raises(ProtectedError):
        proceeding.delete()
    with pytest.raises(ProtectedError):
        Proceeding.objects.filter(pk=proceeding.pk).delete()

    assert set(proceeding.incidents.all()) == {published.incident, draft.incident}


@pytest.mark.django_db
def test_the_admin_refuses_to_delete_a_public_proceeding_and_says_to_retire_it(client):
    published = make_published("mazie-bati")
    proceeding = make_proceeding(published.incident)
    url = reverse("admin:archive_proceeding_delete", args=[proceeding.pk])

    response = superuser_client(client).post(url, {"post": "yes"})

    assert response.status_code == 200
    assert (
        "The proceeding “Kononov v. Latvia” cannot be deleted: the pages of the published "
        "incidents below show it. Nothing was deleted. Retire it through a reviewed change "
        "instead."
    ) in " ".join(response.text.split())
    assert "mazie-bati" in response.text
    assert list(proceeding.incidents.all()) == [published.incident]


@pytest.mark.django_db
def test_the_proceeding_admin_still_links_incidents(client):
    incident = make_draft(slug="mazie-bati").incident
    proceeding = make_proceeding()
    client = superuser_client(client)
    url = reverse("admin:archive_proceeding_change", args=[proceeding.pk])
    assert 'name="incidents"' in client.get(url).text

    response = client.post(
        url,
        {
            "slug": proceeding.slug,
            "title": proceeding.title,
            "court": proceeding.court,
            "date": proceeding.date,
            "incidents": [incident.pk],
            "in_absentia": "",
        },
    )

    assert response.status_code == 302
    assert list(proceeding.incidents.all()) == [incident]


@pytest.mark.django_db
def test_a_proceeding_no_published_incident_shows_can_be_deleted_by_a_superuser(client):
    withdrawn = make_published("withdrawn-one")
    services.version_withdraw(version=withdrawn, user=make_publisher(), reason="Unsourced.")
    proceeding = make_proceeding(make_draft(slug="draft-one").incident, withdrawn.incident)

    response = superuser_client(client).post(
        reverse("admin:archive_proceeding_delete", args=[proceeding.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Proceeding.objects.exists()
    assert not Proceeding.incidents.through.objects.exists()


@pytest.mark.django_db
def test_the_version_admin_still_edits_places_categories_perpetrators_and_groups(
    client, contributor
):
    from tests.editorial.admin_forms import version_post

    version = make_draft(contributor)
    place, actor, group = make_place("Katyń"), make_actor("NKVD"), make_victim_group()
    category = make_category()
    client.force_login(contributor)
    page = client.get(reverse("admin:archive_incidentversion_change", args=[version.pk]))
    for name in ("places", "categories", "perpetrators", "victim_groups"):
        assert f'name="{name}"' in page.text, name

    response = client.post(
        reverse("admin:archive_incidentversion_change", args=[version.pk]),
        version_post(
            version=version,
            places=[place.pk],
            perpetrators=[actor.pk],
            victim_groups=[group.pk],
            categories=[category.pk],
        ),
    )

    assert response.status_code == 302
    assert list(version.places.all()) == [place]
    assert list(version.perpetrators.all()) == [actor]
    assert list(version.victim_groups.all()) == [group]
    assert list(version.categories.all()) == [category]
