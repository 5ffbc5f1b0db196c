"""Shared records (sources, proceedings, places, actors, contexts) under review: a change that
a published page would show waits for a second person; everything is in the history."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from archive.models import Context, Correction, Place, Proceeding, Source
from editorial import records
from editorial.models import RecordChange
from editorial.services import WorkflowError, author_ids
from tests.crawl import leaks
from tests.factories import make_actor, make_contributor, make_place, make_published, make_user


def record_post(record, **changes: Any) -> dict[str, Any]:
    """The admin change form's POST data for ``record`` as it is, with ``changes``."""
    data = {}
    for name, value in model_to_dict(record).items():
        if isinstance(value, list):
            data[name] = [item.pk if hasattr(item, "pk") else item for item in value]
        else:
            data[name] = "" if value is None else value
    data.pop("id", None)
    return {**data, "change_note": "", **changes}


def admin_url(record, page: str = "change") -> str:
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}", args=[record.pk])


@pytest.fixture
def published(db):
    version = make_published("katyn-massacre", title="Katyn massacre")
    version.places.add(make_place("Katyń"))
    version.perpetrators.add(make_actor("NKVD"))
    version.context = Context.objects.create(name="World War II", slug="world-war-ii")
    version.save()
    return version


@pytest.fixture
def reviewer2(db):
    return make_user("second-reviewer", "Reviewers")


def page(client, version) -> str:
    return client.get(version.incident.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_cited_sources_change_waits_for_a_second_person(client, published, reviewer2):
    source = published.estimates.get().source
    contributor = make_contributor("alice")
    client.force_login(contributor)
    response = client.post(
        admin_url(source),
        record_post(
            source,
            title="FORGED TITLE",
            url="https://elsewhere.example/",
            change_note="The title was misspelt.",
        ),
    )
    change = RecordChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:editorial_recordchange_change", args=[change.pk])
    assert change.status == RecordChange.Status.PENDING
    assert change.proposed_by == contributor
    assert change.changes == {
        "title": [f"A study {source.key}", "FORGED TITLE"],
        "url": ["", "https://elsewhere.example/"],
    }
    source.refresh_from_db()
    assert source.title == f"A study {source.key}" and source.url == ""
    client.logout()
    assert leaks(["FORGED TITLE", "elsewhere.example"]) == []

    client.force_login(reviewer2)
    review = reverse("admin:record_change_review", args=[change.pk])
    response = client.post(review, {"verdict": "approve", "public_note": ""})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == RecordChange.Status.APPROVED  # the author's note is the public note
    assert change.reviewed_by == reviewer2 and change.public_note == "The title was misspelt."
    client.logout()
    assert "FORGED TITLE" in page(client, published)
    correction = Correction.objects.get()
    assert correction.incident == published.incident and correction.version == published
    assert correction.note == "Source “Doe 1995 — FORGED TITLE”: The title was misspelt."
    assert "The title was misspelt." in client.get(reverse("archive:corrections")).content.decode()


@pytest.mark.django_db
def test_nobody_approves_their_own_change_to_a_record(published):
    both = make_user("both", "Contributors", "Reviewers")
    place = published.places.get()
    change = records.record_change_submit(
        model=Place, pk=place.pk, values={"name": "Katyn forest"}, user=both
    )
    with pytest.raises(WorkflowError) as refusal:
        records.record_change_approve(change=change, user=both, public_note="Renamed.")
    assert str(refusal.value) == "You cannot approve a change you proposed: ask another reviewer."
    place.refresh_from_db()
    assert place.name == "Katyń"


@pytest.mark.django_db
def test_a_change_to_published_pages_needs_a_public_note(published, reviewer2):
    actor = published.perpetrators.get()
    change = records.record_change_submit(
        model=type(actor), pk=actor.pk, values={"name": "Red Army"}, user=make_contributor()
    )
    with pytest.raises(WorkflowError) as refusal:
        records.record_change_approve(change=change, user=reviewer2)
    assert str(refusal.value) == (
        "This change alters published pages: say in a sentence what changed, for the "
        "public corrections log."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["place", "actor", "context"])
def test_renaming_a_shown_record_keeps_every_public_url_until_approved(
    client, published, reviewer2, kind
):
    record = {
        "place": published.places.get,
        "actor": published.perpetrators.get,
        "context": lambda: published.context,
    }[kind]()
    old_slug = record.slug
    contributor = make_contributor()
    client.force_login(contributor)
    client.post(admin_url(record), record_post(record, name="RENAMED", slug="renamed"))
    client.logout()
    record.refresh_from_db()
    assert record.slug == old_slug
    assert leaks(["RENAMED"]) == []
    change = RecordChange.objects.pending().get()
    records.record_change_approve(change=change, user=reviewer2, public_note="Renamed.")
    assert "RENAMED" in page(client, published)


@pytest.mark.django_db
def test_a_proceeding_added_to_a_published_incident_is_reviewed_and_verified(
    client, published, reviewer2
):
    contributor = make_contributor()
    client.force_login(contributor)
    data = {
        "slug": "all-acquitted",
        "title": "ALL ACQUITTED",
        "court": "A court",
        "date": "1950",
        "date_text": "",
        "defendants": "",
        "outcome": "all acquitted",
        "in_absentia": "",
        "appeal": "",
        "incidents": [published.incident.pk],
        "source": "",
        "locator": "",
        "change_note": "A trial the article names.",
    }
    response = client.post(reverse("admin:archive_proceeding_add"), data)
    assert response.status_code == 302
    assert not Proceeding.objects.exists()
    client.logout()
    assert leaks(["ALL ACQUITTED"]) == []
    change = RecordChange.objects.pending().get()
    assert change.object_id is None and change.record == "ALL ACQUITTED"
    with pytest.raises(WorkflowError) as refusal:
        records.record_change_approve(change=change, user=reviewer2)
    assert str(refusal.value) == (
        "A proceeding is a claim about what a court decided: it cannot be approved until it "
        "names the source it comes from."
    )
    records.record_change_reject(change=change, user=reviewer2, comment="Name its source.")
    assert not Proceeding.objects.exists()

    source = published.estimates.get().source
    client.force_login(contributor)
    client.post(reverse("admin:archive_proceeding_add"), {**data, "source": source.pk})
    change = RecordChange.objects.pending().get()
    records.record_change_approve(change=change, user=reviewer2)
    proceeding = Proceeding.objects.get()
    assert list(proceeding.incidents.all()) == [published.incident]
    client.logout()
    assert "ALL ACQUITTED" in page(client, published)
    assert Correction.objects.get().note == (
        "Proceeding “ALL ACQUITTED”: A trial the article names."
    )


@pytest.mark.django_db
def test_a_record_no_published_page_shows_changes_at_once_with_its_history(client):
    contributor = make_contributor()
    client.force_login(contributor)
    response = client.post(
        reverse("admin:archive_source_add"),
        {"key": "new-book", "kind": "book", "title": "A new book", "change_note": ""},
    )
    assert response.status_code == 302
    source = Source.objects.get(key="new-book")
    client.post(admin_url(source), record_post(source, title="A better title"))
    source.refresh_from_db()
    assert source.title == "A better title"
    history = list(RecordChange.objects.of(source).order_by("pk"))
    assert [change.status for change in history] == ["applied", "applied"]
    assert history[1].changes == {"title": ["A new book", "A better title"]}
    assert history[1].proposed_by == contributor


@pytest.mark.django_db
def test_a_record_waiting_for_review_cannot_change_again(client, published):
    place = published.places.get()
    client.force_login(make_contributor())
    client.post(admin_url(place), record_post(place, name="First"))
    response = client.post(admin_url(place), record_post(place, name="Second"))
    assert response.status_code == 200
    assert "is waiting for review: it must be approved or rejected" in response.content.decode()
    assert RecordChange.objects.count() == 1


@pytest.mark.django_db
def test_record_changes_need_the_review_permission(client, published):
    place = published.places.get()
    change = records.record_change_submit(
        model=Place, pk=place.pk, values={"name": "X"}, user=make_contributor()
    )
    client.force_login(make_contributor())
    response = client.post(
        reverse("admin:record_change_review", args=[change.pk]),
        {"verdict": "approve", "public_note": "x"},
    )
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.status == RecordChange.Status.PENDING


@pytest.mark.django_db
def test_an_import_holds_changes_to_shown_records_and_applies_the_rest(
    tmp_path, client, published, reviewer2
):
    from tests.editorial.test_import import run_import

    cited = published.estimates.get().source
    Source.objects.create(key="uncited", title="Uncited")
    output = run_import(
        tmp_path,
        "SourceResource",
        "key,title\n"
        f"{cited.key},IMPORTED FORGERY\n"
        "uncited,Uncited but renamed\n"
        "brand-new,A new source\n",
    )
    assert "Imported: 1 new, 2 updated, 0 unchanged sources (3 rows)." in output
    assert "1 of these rows change records that published pages show" in output
    cited.refresh_from_db()
    assert cited.title == f"A study {cited.key}"
    assert Source.objects.get(key="uncited").title == "Uncited but renamed"
    assert Source.objects.get(key="brand-new").title == "A new source"
    held = RecordChange.objects.pending().get()
    assert held.changes["title"] == [f"A study {cited.key}", "IMPORTED FORGERY"]
    assert held.channel == "command" and held.proposed_by is None
    assert leaks(["IMPORTED FORGERY"]) == []
    records.record_change_approve(change=held, user=reviewer2, public_note="Title corrected.")
    assert "IMPORTED FORGERY" in page(client, published)


@pytest.mark.django_db
def test_a_reviewer_finds_waiting_record_changes_on_the_dashboard(client, published, reviewer2):
    place = published.places.get()
    records.record_change_submit(
        model=Place, pk=place.pk, values={"name": "Katyn forest"}, user=make_contributor()
    )
    client.force_login(reviewer2)
    body = client.get(reverse("admin:index")).content.decode()
    assert "Changes to shared records waiting for my review" in body
    assert "Katyń" in body


@pytest.mark.django_db
def test_renaming_a_published_incident_is_a_reviewed_change(client, published, reviewer2):
    incident = published.incident
    contributor = make_user("editor", "Contributors")
    client.force_login(contributor)
    response = client.post(
        admin_url(incident), {"slug": "katyn-forest-massacre", "change_note": "Full name."}
    )
    assert response.status_code == 302
    client.logout()
    incident.refresh_from_db()
    assert incident.slug == "katyn-massacre"
    assert client.get("/incidents/katyn-massacre/").status_code == 200
    assert client.get("/incidents/katyn-forest-massacre/").status_code == 404
    assert leaks(["katyn-forest-massacre"]) == []

    change = RecordChange.objects.pending().get()
    records.record_change_approve(change=change, user=reviewer2)
    assert client.get("/incidents/katyn-forest-massacre/").status_code == 200
    old = client.get("/incidents/katyn-massacre/")
    assert old.status_code == 301 and old["Location"] == "/incidents/katyn-forest-massacre/"
    assert Correction.objects.get().note == "Incident “katyn-forest-massacre”: Full name."
    rename = incident.history.get(action="rename")
    assert rename.user == contributor and rename.changes == {
        "slug": ["katyn-massacre", "katyn-forest-massacre"]
    }
    assert rename.comment == "Approved by second-reviewer."
    assert contributor.pk not in author_ids(published)


@pytest.mark.django_db
def test_renaming_an_unpublished_incident_needs_no_review(client):
    from tests.factories import make_draft

    draft = make_draft(slug="draft-one")
    client.force_login(make_contributor())
    client.post(admin_url(draft.incident), {"slug": "draft-two", "change_note": ""})
    draft.incident.refresh_from_db()
    assert draft.incident.slug == "draft-two"
    assert RecordChange.objects.get().status == RecordChange.Status.APPLIED


@pytest.mark.django_db
def test_a_source_cited_by_a_version_in_review_changes_only_after_review(client):
    from editorial import services
    from tests.factories import make_draft

    author = make_contributor()
    draft = make_draft(author, "in-review")
    services.version_submit(version=draft, user=author)
    source = draft.estimates.get().source
    change = records.record_change_submit(
        model=Source, pk=source.pk, values={"title": "FORGED"}, user=author
    )
    assert change.status == RecordChange.Status.PENDING
    source.refresh_from_db()
    assert source.title != "FORGED"


@pytest.mark.django_db
def test_the_review_page_lists_the_incidents_proceedings_with_their_source(client):
    from editorial import services
    from tests.factories import make_draft

    author = make_contributor()
    draft = make_draft(author, "with-trial")
    proceeding = Proceeding.objects.create(
        slug="a-trial", title="A TRIAL", court="A court", date="1950", outcome="ALL ACQUITTED"
    )
    proceeding.incidents.add(draft.incident)
    services.version_submit(version=draft, user=author)
    client.force_login(make_user("rv", "Reviewers"))
    body = client.get(reverse("admin:version_review", args=[draft.pk])).content.decode()
    assert "A TRIAL" in body and "ALL ACQUITTED" in body and "No source" in body


@pytest.mark.django_db
def test_approving_a_change_to_a_deleted_record_is_refused_in_words(published, reviewer2):
    place = make_place("Unused")
    change = RecordChange.objects.create(
        content_type_id=records.ContentType.objects.get_for_model(Place).pk,
        object_id=place.pk + 1000,
        record="gone",
        values={"name": "x"},
        status=RecordChange.Status.PENDING,
    )
    with pytest.raises(WorkflowError) as refusal:
        records.record_change_approve(change=change, user=reviewer2, public_note="x")
    assert str(refusal.value) == "The record this change was for no longer exists: reject it."


@pytest.mark.django_db
def test_a_held_change_is_not_logged_by_the_admin_as_made(client, published):
    from django.contrib.admin.models import LogEntry

    place = published.places.get()
    client.force_login(make_contributor())
    client.post(admin_url(place), record_post(place, name="Not yet"))
    assert not LogEntry.objects.exists()
    assert client.get("/admin/editorial/recordchange/%C2%B2/change/").status_code == 404


@pytest.mark.django_db
def test_a_changed_source_sends_the_figures_citing_it_back_to_be_checked(reviewer2):
    from editorial import services
    from editorial.models import Action, HistoryEntry
    from tests.factories import make_draft

    author, reviewer = make_contributor("author"), make_user("rv", "Reviewers")
    draft = make_draft(author, "in-review")
    estimate = draft.estimates.get()
    services.version_submit(version=draft, user=author)
    services.estimate_verify(estimate=estimate, user=reviewer)
    editor = make_contributor("editor")
    change = records.record_change_submit(
        model=Source, pk=estimate.source_id, values={"title": "Another book"}, user=editor
    )
    estimate.refresh_from_db()
    assert change.status == "pending" and estimate.verification == "verified"

    records.record_change_approve(change=change, user=reviewer2)
    estimate.refresh_from_db()
    assert estimate.verification == "unverified" and estimate.verified_by is None
    entry = HistoryEntry.objects.get(version=draft, action=Action.UNVERIFY)
    assert entry.user == editor and entry.changes["estimates"] == [estimate.ref]
    assert entry.comment.startswith("Their source “Doe 1995 — Another book” changed.")
    assert editor.pk not in services.author_ids(draft)
    with pytest.raises(WorkflowError):
        services.version_approve(version=draft, user=reviewer)


@pytest.mark.django_db
def test_a_published_figure_keeps_its_verification_when_its_source_changes(published, reviewer2):
    estimate = published.estimates.get()
    change = records.record_change_submit(
        model=Source, pk=estimate.source_id, values={"title": "Fixed"}, user=make_contributor()
    )
    records.record_change_approve(change=change, user=reviewer2, public_note="Typo.")
    estimate.refresh_from_db()
    assert estimate.verification == "verified"


@pytest.mark.django_db
def test_an_applied_change_is_in_the_admins_log_too(client):
    from django.contrib.admin.models import LogEntry

    client.force_login(make_contributor())
    client.post(
        reverse("admin:archive_source_add"),
        {"key": "logged", "kind": "book", "title": "Logged", "change_note": ""},
    )
    assert LogEntry.objects.get().object_repr == "Logged"


@pytest.mark.django_db
def test_an_import_row_for_a_record_waiting_for_review_is_refused_and_nothing_written(
    tmp_path, published
):
    from tests.editorial.test_import import refused

    source = published.estimates.get().source
    records.record_change_submit(
        model=Source, pk=source.pk, values={"title": "A"}, user=make_contributor("waiting")
    )
    message = refused(
        tmp_path, "SourceResource", f"key,title\n{source.key},B\nanother-new,Another\n"
    )
    change = RecordChange.objects.pending().get()
    when = f"{records.timezone.localtime(change.proposed_at):%Y-%m-%d %H:%M}"
    assert (
        f"row 2: A change to this record by waiting ({when}) is waiting for review: it must be "
        "approved or rejected before the record can change again." in message
    )
    assert not Source.objects.filter(key="another-new").exists()
    assert RecordChange.objects.count() == 1
