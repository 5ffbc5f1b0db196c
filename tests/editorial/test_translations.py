"""The translations' workflow: written, submitted, approved by another person, published with
the version or on its own, each step permission-checked and in the history."""

from __future__ import annotations

import pytest

from archive.models import IncidentVersion, State, Translation
from editorial import services
from editorial.models import Action, HistoryEntry
from editorial.workflow import TRANSLATION_TRANSITIONS
from tests.factories import (
    make_approved_translation,
    make_contributor,
    make_draft,
    make_published,
    make_published_translation,
    make_publisher,
    make_reviewer,
    make_translation,
)

pytestmark = pytest.mark.django_db


def test_the_translations_table_needs_its_own_permissions():
    assert set(TRANSLATION_TRANSITIONS.values()) == {
        "archive.submit_translation",
        "archive.review_translation",
        "archive.publish_translation",
    }


def test_a_contributor_writes_a_draft_that_records_the_original_it_translates():
    version = make_published()
    translator = make_contributor()
    translation = make_translation(version, "de", translator=translator, title="Ein Titel")
    assert translation.state == State.DRAFT
    assert translation.version == version
    assert not translation.is_out_of_date(version)
    entry = HistoryEntry.objects.of_translation(translation.pk).get()
    assert (entry.user, entry.action, entry.changes["language"]) == (
        translator,
        Action.TRANSLATE,
        "de",
    )


def test_a_translation_into_the_original_language_is_refused():
    version = make_published()
    with pytest.raises(services.WorkflowError) as refusal:
        make_translation(version, "en", title="Title")
    assert str(refusal.value).startswith(
        "A translation is into one of the site's other languages: "
    )


def test_an_empty_translation_is_refused():
    with pytest.raises(services.WorkflowError) as refusal:
        make_translation(make_published(), "de", title="  ")
    assert str(refusal.value) == "Write at least one field of the translation."


def test_a_second_open_translation_into_one_language_is_refused():
    version = make_published()
    make_translation(version, "de", title="Eins")
    with pytest.raises(services.WorkflowError) as refusal:
        make_translation(version, "de", title="Zwei")
    assert str(refusal.value) == (
        "This incident already has an open translation into this language: edit that one."
    )
    assert make_translation(version, "pl", title="Dwa").language == "pl"


def test_a_reviewer_cannot_write_and_a_contributor_cannot_approve():
    version = make_published()
    with pytest.raises(services.PermissionRefused):
        make_translation(version, "de", translator=make_reviewer(), title="Titel")
    translation = make_translation(version, "de", title="Titel")
    services.translation_submit(translation=translation, user=translation.created_by)
    with pytest.raises(services.PermissionRefused):
        services.translation_approve(translation=translation, user=make_contributor())


def test_the_translator_cannot_approve_their_own_translation():
    """Someone who is both a contributor and a reviewer still needs a second person."""
    both = make_contributor()
    both.groups.add(*make_reviewer().groups.all())
    both = type(both).objects.get(pk=both.pk)
    translation = make_translation(make_published(), "de", translator=both, title="Titel")
    services.translation_submit(translation=translation, user=both)
    with pytest.raises(services.WorkflowError) as refusal:
        services.translation_approve(translation=translation, user=both)
    assert str(refusal.value) == (
        "You cannot approve a translation you wrote or edited: ask another reviewer."
    )
    assert Translation.objects.get(pk=translation.pk).state == State.IN_REVIEW


def test_an_editor_of_the_translation_cannot_approve_it_either():
    both = make_contributor()
    both.groups.add(*make_reviewer().groups.all())
    both = type(both).objects.get(pk=both.pk)
    translation = make_translation(make_published(), "de", title="Titel")
    services.translation_edit(
        translation=translation, user=both, seen_lock_version=0, fields={"summary": "Kurz."}
    )
    services.translation_submit(translation=translation, user=translation.created_by)
    with pytest.raises(services.WorkflowError):
        services.translation_approve(translation=translation, user=both)


def test_an_edit_based_on_an_older_lock_is_refused():
    translation = make_translation(make_published(), "de", title="Titel")
    services.translation_edit(
        translation=translation,
        user=translation.created_by,
        seen_lock_version=0,
        fields={"title": "Neu"},
    )
    with pytest.raises(services.EditConflict) as refusal:
        services.translation_edit(
            translation=translation,
            user=translation.created_by,
            seen_lock_version=0,
            fields={"title": "Alt"},
        )
    assert str(refusal.value) == (
        "Someone else saved this translation since you opened it: reload it to see."
    )
    assert Translation.objects.get(pk=translation.pk).title == "Neu"


def test_sending_back_needs_a_reason_and_lets_the_translator_edit_again():
    translation = make_translation(make_published(), "de", title="Titel")
    services.translation_submit(translation=translation, user=translation.created_by)
    reviewer = make_reviewer()
    with pytest.raises(services.WorkflowError) as refusal:
        services.translation_request_changes(translation=translation, user=reviewer, comment=" ")
    assert str(refusal.value) == "Say why in the comment: it is shown to the translator."
    services.translation_request_changes(
        translation=translation, user=reviewer, comment="„Massaker“, nicht „Vorfall“."
    )
    edited = services.translation_edit(
        translation=translation,
        user=translation.created_by,
        seen_lock_version=0,
        fields={"title": "Massaker"},
    )
    assert (edited.state, edited.title) == (State.CHANGES_REQUESTED, "Massaker")


def test_a_translation_of_a_public_version_is_published_on_its_own_by_a_publisher():
    version = make_published()
    translation = make_approved_translation(version, "de", title="Titel")
    with pytest.raises(services.PermissionRefused):
        services.translation_publish(translation=translation, user=make_reviewer())
    publisher = make_publisher()
    services.translation_publish(translation=translation, user=publisher)
    translation.refresh_from_db()
    assert translation.state == State.PUBLISHED
    assert translation.published_at is not None
    steps = list(
        HistoryEntry.objects.of_translation(translation.pk)
        .order_by("pk")
        .values_list("action", "to_state")
    )
    assert steps == [
        (Action.TRANSLATE, ""),
        (Action.TRANSLATION, State.IN_REVIEW),
        (Action.TRANSLATION, State.APPROVED),
        (Action.TRANSLATION, State.PUBLISHED),
    ]
    assert HistoryEntry.objects.of_translation(translation.pk).first().user == publisher


def test_a_translation_of_an_unpublished_version_waits_for_its_version():
    draft = make_draft()
    translation = make_approved_translation(draft, "de", title="Titel")
    with pytest.raises(services.WorkflowError) as refusal:
        services.translation_publish(translation=translation, user=make_publisher())
    assert str(refusal.value) == (
        f"This translation is of version {draft.number}, which is not published: it is "
        "published together with that version."
    )


def test_approved_translations_are_published_with_their_version():
    draft = make_draft()
    translation = make_approved_translation(draft, "pl", title="Tytuł")
    services.version_submit(version=draft, user=draft.created_by)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    publisher = make_publisher()
    services.version_publish(version=draft, user=publisher)
    translation.refresh_from_db()
    assert translation.state == State.PUBLISHED
    entry = HistoryEntry.objects.of_translation(translation.pk).first()
    assert (entry.user, entry.to_state) == (publisher, State.PUBLISHED)


def test_a_new_translation_replaces_the_published_one_which_stays_until_then():
    version = make_published()
    first = make_published_translation(version, "de", title="Erster Titel")
    second = make_approved_translation(version, "de", title="Zweiter Titel")
    first.refresh_from_db()
    assert first.state == State.PUBLISHED  # the public keeps reading it during the review
    services.translation_publish(translation=second, user=make_publisher())
    first.refresh_from_db()
    assert first.state == State.SUPERSEDED
    assert list(Translation.objects.published().values_list("title", flat=True)) == [
        "Zweiter Titel"
    ]


def test_a_correction_of_the_original_makes_the_published_translation_out_of_date():
    version = make_published(summary="The first summary.")
    translation = make_published_translation(version, "de", summary="Die erste Zusammenfassung.")
    assert list(Translation.objects.out_of_date()) == []
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    services.version_edit(
        version=draft,
        user=author,
        seen_lock_version=draft.lock_version,
        fields={"summary": "The corrected summary."},
    )
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="Summary corrected.")
    translation.refresh_from_db()
    assert translation.state == State.PUBLISHED  # carried over, not dropped
    assert list(Translation.objects.out_of_date()) == [translation]


def test_a_new_version_with_the_same_text_keeps_the_translation_current():
    version = make_published()
    make_published_translation(version, "de", title="Titel")
    author = make_contributor()
    draft = services.version_start_draft(incident=version.incident, user=author)
    services.version_submit(version=draft, user=author)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher(), note="A figure checked.")
    assert list(Translation.objects.out_of_date()) == []


def _edit_draft(draft, **fields):
    services.version_edit(
        version=draft,
        user=draft.created_by,
        seen_lock_version=IncidentVersion.objects.get(pk=draft.pk).lock_version,
        fields=fields,
    )


def _approve_and_publish(draft):
    services.version_submit(version=draft, user=draft.created_by)
    reviewer = make_reviewer()
    for estimate in draft.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=draft, user=reviewer)
    services.version_publish(version=draft, user=make_publisher())


def test_a_translation_updated_to_an_edited_draft_is_published_up_to_date():
    draft = make_draft(summary="The first summary.")
    translation = make_translation(draft, "de", summary="Die erste Zusammenfassung.")
    _edit_draft(draft, summary="The corrected summary.")
    services.translation_edit(
        translation=translation,
        user=translation.created_by,
        seen_lock_version=0,
        fields={"summary": "Die berichtigte Zusammenfassung."},
    )
    services.translation_submit(translation=translation, user=translation.created_by)
    services.translation_approve(translation=translation, user=make_reviewer())
    _approve_and_publish(draft)
    translation.refresh_from_db()
    assert translation.state == State.PUBLISHED
    assert list(Translation.objects.out_of_date()) == []


def test_a_translation_whose_draft_changed_since_it_was_edited_cannot_be_approved():
    draft = make_draft(summary="The first summary.")
    translation = make_translation(draft, "de", summary="Die erste Zusammenfassung.")
    services.translation_submit(translation=translation, user=translation.created_by)
    _edit_draft(draft, summary="The corrected summary.")
    reviewer = make_reviewer()
    with pytest.raises(services.WorkflowError) as refusal:
        services.translation_approve(translation=translation, user=reviewer)
    assert str(refusal.value) == (
        f"The original changed since this translation was last edited: version {draft.number} "
        "now says something else. Send the translation back so that the translator brings "
        "it up to date."
    )
    assert Translation.objects.get(pk=translation.pk).state == State.IN_REVIEW
    services.translation_request_changes(
        translation=translation, user=reviewer, comment="Die Zusammenfassung wurde berichtigt."
    )
    services.translation_edit(
        translation=translation,
        user=translation.created_by,
        seen_lock_version=0,
        fields={"summary": "Die berichtigte Zusammenfassung."},
    )
    services.translation_submit(translation=translation, user=translation.created_by)
    approved = services.translation_approve(translation=translation, user=reviewer)
    assert approved.state == State.APPROVED


def test_an_approved_translation_of_a_draft_changed_since_is_not_published_with_it():
    draft = make_draft(summary="The first summary.")
    translation = make_approved_translation(draft, "de", summary="Die erste Zusammenfassung.")
    history_before = HistoryEntry.objects.of_translation(translation.pk).count()
    _edit_draft(draft, summary="The corrected summary.")
    _approve_and_publish(draft)
    translation.refresh_from_db()
    assert translation.state == State.APPROVED  # left for a reviewer to send back
    assert translation.published_at is None
    assert not Translation.objects.published().exists()
    assert HistoryEntry.objects.of_translation(translation.pk).count() == history_before
    with pytest.raises(services.WorkflowError) as refusal:
        services.translation_publish(translation=translation, user=make_publisher())
    assert str(refusal.value).startswith(
        "The original changed since this translation was last edited: "
    )
    services.translation_request_changes(
        translation=translation, user=make_reviewer(), comment="Bitte aktualisieren."
    )
    assert Translation.objects.get(pk=translation.pk).state == State.CHANGES_REQUESTED
