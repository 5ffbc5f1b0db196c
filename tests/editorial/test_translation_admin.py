"""Translations in the admin: written beside the original, moved on with the workflow's
buttons by the people the table allows, and the queue of translations to update."""

from __future__ import annotations

import pytest
from django.urls import reverse

from archive.models import State, Translation
from editorial import services
from editorial.models import Action, Channel, HistoryEntry
from tests.factories import (
    make_contributor,
    make_draft,
    make_published,
    make_published_translation,
    make_publisher,
    make_reviewer,
    make_translation,
)

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:archive_translation_add")
LIST_URL = reverse("admin:archive_translation_changelist")


def change_url(translation: Translation) -> str:
    return reverse("admin:archive_translation_change", args=[translation.pk])


def test_a_contributor_writes_a_translation_in_the_admin(client):
    version = make_published(title="Katyn massacre")
    translator = make_contributor()
    client.force_login(translator)
    response = client.post(
        ADD_URL,
        {
            "version": version.pk,
            "language": "de",
            "title": "Massaker von Katyn",
            "summary": "",
            "description": "",
            "date_text": "April und Mai 1940",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    translation = Translation.objects.get()
    assert (translation.title, translation.state, translation.created_by) == (
        "Massaker von Katyn",
        State.DRAFT,
        translator,
    )
    entry = HistoryEntry.objects.of_translation(translation.pk).get()
    assert (entry.channel, entry.action) == (Channel.ADMIN, Action.TRANSLATE)


def test_a_new_translation_starts_from_the_published_ones_words(client):
    version = make_published()
    make_published_translation(version, "pl", title="Tytuł, który czyta publiczność")
    client.force_login(make_contributor())
    response = client.get(ADD_URL, {"version": version.pk, "language": "pl"})
    assert response.context["adminform"].form.initial["title"] == "Tytuł, który czyta publiczność"


def test_the_reviewer_sees_the_original_beside_the_translation_and_approves(client):
    version = make_published(summary="Polish officers were shot in the spring of 1940.")
    translation = make_translation(version, "de", summary="Polnische Offiziere wurden erschossen.")
    services.translation_submit(translation=translation, user=translation.created_by)
    reviewer = make_reviewer()
    client.force_login(reviewer)
    page = client.get(change_url(translation)).content.decode()
    assert "Polish officers were shot in the spring of 1940." in page
    assert "Polnische Offiziere wurden erschossen." in page
    assert 'value="approve"' in page and 'value="publish"' not in page
    response = client.post(change_url(translation), {"_step": "approve", "comment": ""})
    assert response.status_code == 302
    translation.refresh_from_db()
    assert translation.state == State.APPROVED
    entry = HistoryEntry.objects.of_translation(translation.pk).first()
    assert (entry.user, entry.channel, entry.to_state) == (reviewer, Channel.ADMIN, State.APPROVED)


def test_the_admin_refuses_an_approval_by_the_translator(client):
    both = make_contributor()
    both.groups.add(*make_reviewer().groups.all())
    translation = make_translation(make_published(), "de", translator=both, title="Titel")
    services.translation_submit(translation=translation, user=both)
    client.force_login(both)
    response = client.post(change_url(translation), {"_step": "approve"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "You cannot approve a translation you wrote or edited: ask another reviewer."
    ]
    assert Translation.objects.get(pk=translation.pk).state == State.IN_REVIEW


def test_a_contributor_cannot_publish_through_the_admin(client):
    translation = make_published_translation(make_published(), "de", title="Titel")
    approved = make_translation(translation.version, "de", title="Neuer Titel")
    services.translation_submit(translation=approved, user=approved.created_by)
    services.translation_approve(translation=approved, user=make_reviewer())
    client.force_login(make_contributor())
    assert client.post(change_url(approved), {"_step": "publish"}).status_code == 403
    assert Translation.objects.get(pk=approved.pk).state == State.APPROVED
    client.force_login(make_publisher())
    client.post(change_url(approved), {"_step": "publish"})
    assert Translation.objects.get(pk=approved.pk).state == State.PUBLISHED


def test_an_approved_translation_is_read_only(client):
    translation = make_translation(make_published(), "de", title="Titel")
    services.translation_submit(translation=translation, user=translation.created_by)
    client.force_login(translation.created_by)
    response = client.post(
        change_url(translation),
        {"title": "Heimlich geändert", "summary": "", "description": "", "date_text": ""},
    )
    assert response.status_code == 403
    assert Translation.objects.get(pk=translation.pk).title == "Titel"


def test_the_queue_lists_the_translations_to_update(client):
    version = make_published(title="The first title")
    stale = make_published_translation(version, "de", title="Der erste Titel")
    current = make_published_translation(make_published(), "de", title="Aktuell")
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    services.version_edit(
        version=draft, user=author, seen_lock_version=0, fields={"title": "The corrected title"}
    )
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Title corrected.")
    client.force_login(make_reviewer())
    listed = client.get(LIST_URL, {"to_update": "yes"}).context["cl"].result_list
    assert list(listed) == [stale]
    assert current not in listed
    assert "Out of date" in client.get(change_url(stale)).content.decode()


def test_a_version_links_to_its_incidents_translations(client):
    version = make_published()
    mine = make_translation(version, "de", title="Meine")
    other = make_translation(make_published(), "de", title="Andere")
    client.force_login(make_reviewer())
    page = client.get(
        reverse("admin:archive_incidentversion_change", args=[version.pk])
    ).content.decode()
    link = f"{LIST_URL}?incident__id__exact={version.incident_id}"
    assert f'href="{link}"' in page
    listed = client.get(link).context["cl"].result_list
    assert list(listed) == [mine] and other not in listed


def _contributor_and_reviewer():
    both = make_contributor()
    both.groups.add(*make_reviewer().groups.all())
    return type(both).objects.get(pk=both.pk)


def _publish_written_by(version, translator, **fields) -> Translation:
    translation = make_translation(version, "pl", translator=translator, **fields)
    services.translation_submit(translation=translation, user=translator)
    services.translation_approve(translation=translation, user=make_reviewer())
    return services.translation_publish(translation=translation, user=make_publisher())


def _add_from_the_offered_words(client, version, **changed) -> Translation:
    """A second translator opens the add form (offered the published words), changes some
    fields, saves and submits."""
    client.force_login(make_contributor())
    offered = client.get(ADD_URL, {"version": version.pk, "language": "pl"})
    data = {"version": version.pk, "language": "pl", "description": "", "date_text": ""}
    data |= {
        name: value
        for name, value in offered.context["adminform"].form.initial.items()
        if name in ("title", "summary", "description", "date_text")
    }
    data |= changed
    assert client.post(ADD_URL, data).status_code == 302
    draft = Translation.objects.get(state=State.DRAFT)
    client.post(change_url(draft), {"_step": "submit", "comment": ""})
    return draft


def test_whoever_wrote_the_words_a_new_translation_starts_from_cannot_approve_it(client):
    version = make_published()
    first = _contributor_and_reviewer()
    _publish_written_by(
        version,
        first,
        title="Tytuł pierwszego tłumacza",
        summary="Streszczenie napisane przez pierwszego tłumacza, słowo po słowie.",
    )
    draft = _add_from_the_offered_words(client, version, title="Tytuł poprawiony")
    client.force_login(first)
    response = client.post(change_url(draft), {"_step": "approve", "comment": ""}, follow=True)
    assert [str(message) for message in response.context["messages"]][-1:] == [
        "You cannot approve a translation you wrote or edited: ask another reviewer."
    ]
    assert Translation.objects.get(pk=draft.pk).state == State.IN_REVIEW
    client.force_login(make_reviewer())
    client.post(change_url(draft), {"_step": "approve", "comment": ""})
    assert Translation.objects.get(pk=draft.pk).state == State.APPROVED


def test_a_translation_written_anew_leaves_the_earlier_translator_free_to_review(client):
    version = make_published()
    first = _contributor_and_reviewer()
    _publish_written_by(version, first, title="Tytuł pierwszego tłumacza")
    draft = _add_from_the_offered_words(client, version, title="Zupełnie nowy tytuł")
    client.force_login(first)
    client.post(change_url(draft), {"_step": "approve", "comment": ""})
    assert Translation.objects.get(pk=draft.pk).state == State.APPROVED


def test_the_form_says_when_the_original_changed_since_the_translation_was_edited(client):
    draft = make_draft(summary="The first summary.")
    translation = make_translation(draft, "de", summary="Die erste Zusammenfassung.")
    client.force_login(translation.created_by)
    notice = (
        f"The original changed since this translation was last edited: version {draft.number} "
        "now says what is shown beside it. The translation cannot be approved or published "
        "until it is brought up to date."
    )
    assert notice not in client.get(change_url(translation)).content.decode()
    services.version_edit(
        version=draft,
        user=draft.created_by,
        seen_lock_version=draft.lock_version,
        fields={"summary": "The corrected summary."},
    )
    page = client.get(change_url(translation)).content.decode()
    assert notice in page and "The corrected summary." in page
    response = client.post(
        change_url(translation),
        {
            "title": "",
            "summary": "Die berichtigte Zusammenfassung.",
            "description": "",
            "date_text": "",
            "seen_lock_version": 0,
        },
    )
    assert response.status_code == 302
    assert notice not in client.get(change_url(translation)).content.decode()
