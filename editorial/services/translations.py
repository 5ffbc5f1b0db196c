"""Translations of a version's text: written, submitted, approved by a second person and
published, with the version or on their own once it is public. Each step checks its
permission (``editorial.workflow.TRANSLATION_TRANSITIONS``) and writes a history entry that
names the translation.

How translations carry over: a translation belongs to its incident and records a digest of
the text it translated. Publishing a later version of the incident leaves the published
translation in place; if the new version's text differs from what the translation
translated, the translation is out of date (shown with a notice, listed in the admin's queue)
until a new translation of the current text replaces it. A new translation may start from the
published one's words (the admin offers them), but it is a new draft, written and reviewed
again: no approval is copied, and whoever wrote those words counts as one of its translators.

Keeping up with a draft: a translation of an open version records the digest of the
version's text as it was when the translation was last written or edited (what the
translator saw). If the version's text changes after that, the translation cannot be
approved, and an approved one is neither published with the version nor on its own: it stays
approved and unpublished, with no history entry written for it, until a reviewer sends it
back and the translator brings it up to date. Nothing is ever published as a translation of
text it did not translate."""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from archive import pages
from archive.caching import publication_changed
from archive.models import (
    TRANSLATED_FIELDS,
    Incident,
    IncidentVersion,
    State,
    Translation,
    original_digest,
    translation_languages,
)
from archive.search import index_version
from editorial.models import Action, Channel, HistoryEntry
from editorial.services.base import (
    EditConflict,
    WorkflowError,
    acting_user,
    history_record,
    logger,
    require_permission,
)
from editorial.workflow import (
    PUBLISH_TRANSLATION,
    TRANSLATION_COMMENT_REQUIRED,
    WRITE_TRANSLATION,
    translation_permission_for,
)

# Versions whose text may be translated: the incident's open version or its published one.
TRANSLATABLE_STATES = (
    State.DRAFT,
    State.IN_REVIEW,
    State.CHANGES_REQUESTED,
    State.APPROVED,
    State.PUBLISHED,
)


def _entry(
    translation: Translation,
    user: AbstractBaseUser | None,
    action: Action,
    channel: Channel,
    *,
    from_state: str = "",
    to_state: str = "",
    comment: str = "",
    changes: dict[str, Any] | None = None,
) -> HistoryEntry:
    return history_record(
        version=translation.version,
        user=user,
        action=action,
        channel=channel,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        changes={
            "translation": translation.pk,
            "language": translation.language,
            **(changes or {}),
        },
    )


def translator_ids(translation: Translation) -> set[int]:
    """Everyone who wrote words of this translation, none of whom may approve it: whoever
    wrote or edited it, and, when it started from the words of an earlier translation (the
    admin offers the published one's), whoever wrote those."""
    ids: set[int] = set()
    seen: set[int] = set()
    pk: int | None = translation.pk
    while pk is not None and pk not in seen:
        seen.add(pk)
        entries = HistoryEntry.objects.of_translation(pk).filter(action=Action.TRANSLATE)
        starts_from = None
        for user_id, changes in entries.values_list("user_id", "changes"):
            if user_id is not None:
                ids.add(user_id)
            starts_from = starts_from or (changes or {}).get("starts_from")
        pk = starts_from
    if translation.created_by_id:
        ids.add(translation.created_by_id)
    return ids


# A run of this many words in a row, kept from an earlier translation, is that translator's
# writing (a whole field kept counts whatever its length).
KEPT_WORDS = 5


def _keeps_words_of(earlier: Translation, texts: dict[str, str]) -> bool:
    """Whether ``texts`` keep words written for ``earlier``: a field kept whole, or a run of
    ``KEPT_WORDS`` words in a row."""
    for name, new in texts.items():
        old = getattr(earlier, name)
        if not old or not new:
            continue
        if old == new:
            return True
        matcher = SequenceMatcher(None, old.split(), new.split(), autojunk=False)
        if any(block.size >= KEPT_WORDS for block in matcher.get_matching_blocks()):
            return True
    return False


def _texts(fields: dict[str, str]) -> dict[str, str]:
    unknown = set(fields) - set(TRANSLATED_FIELDS)
    if unknown:
        raise WorkflowError(
            _("Only the title, summary, description and date as written are translated.")
        )
    texts = {name: (value or "").strip() for name, value in fields.items()}
    return texts


@transaction.atomic
def translation_create(
    *,
    version: IncidentVersion,
    language: str,
    user: AbstractBaseUser | None,
    fields: dict[str, str],
    channel: Channel = Channel.SERVICE,
    trusted: bool = False,
) -> Translation:
    """A new draft translation of ``version``'s text into ``language``. ``trusted``: an
    operator at the command line (the seed), as for imports."""
    require_permission(user, "archive.add_translation", trusted=trusted)
    codes = [code for code, _name in translation_languages()]
    if language not in codes:
        raise WorkflowError(
            _("A translation is into one of the site's other languages: %(codes)s.")
            % {"codes": ", ".join(codes)}
        )
    Incident.objects.select_for_update().get(pk=version.incident_id)
    version = IncidentVersion.objects.get(pk=version.pk)
    if version.state not in TRANSLATABLE_STATES:
        raise WorkflowError(
            _("Version %(number)s is %(state)s: translate the incident's current version.")
            % {"number": version.number, "state": version.get_state_display()}
        )
    if Translation.objects.open().filter(incident_id=version.incident_id, language=language):
        raise WorkflowError(
            _("This incident already has an open translation into this language: edit that one.")
        )
    texts = _texts(fields)
    if not any(texts.values()):
        raise WorkflowError(_("Write at least one field of the translation."))
    published = (
        Translation.objects.published()
        .filter(incident_id=version.incident_id, language=language)
        .first()
    )
    changes: dict[str, Any] = {"fields": sorted(name for name, value in texts.items() if value)}
    if published is not None and _keeps_words_of(published, texts):
        # Its translators wrote words of this draft: four eyes count them (translator_ids).
        changes["starts_from"] = published.pk
    translation = Translation.objects.create(
        incident_id=version.incident_id,
        version=version,
        language=language,
        original_digest=original_digest(version),
        created_by=acting_user(user),
        **texts,
    )
    _entry(
        translation,
        user,
        Action.TRANSLATE,
        channel,
        comment=_("Translation of version %(number)s started.") % {"number": version.number},
        changes=changes,
    )
    return translation


@transaction.atomic
def translation_edit(
    *,
    translation: Translation,
    user: AbstractBaseUser,
    seen_lock_version: int,
    fields: dict[str, str],
    channel: Channel = Channel.SERVICE,
) -> Translation:
    """Change a draft translation, or one sent back, that ``user`` opened at
    ``seen_lock_version``; a save based on an older one is refused."""
    require_permission(user, WRITE_TRANSLATION)
    current = (
        Translation.objects.select_for_update().select_related("version").get(pk=translation.pk)
    )
    if not current.is_editable:
        raise WorkflowError(
            _("A translation that is %(state)s cannot be edited.")
            % {"state": current.get_state_display()}
        )
    if current.lock_version != seen_lock_version:
        raise EditConflict(
            _("Someone else saved this translation since you opened it: reload it to see.")
        )
    texts = _texts(fields)
    changed = sorted(name for name, value in texts.items() if getattr(current, name) != value)
    for name, value in texts.items():
        setattr(current, name, value)
    if not any(getattr(current, name) for name in TRANSLATED_FIELDS):
        raise WorkflowError(_("Write at least one field of the translation."))
    # What the translator translated from: the version's text as it is now.
    current.original_digest = original_digest(current.version)
    current.lock_version = F("lock_version") + 1
    current.save()
    current.refresh_from_db()
    _entry(current, user, Action.TRANSLATE, channel, changes={"fields": changed})
    return current


def _move(
    translation: Translation,
    target: State,
    user: AbstractBaseUser,
    comment: str,
    channel: Channel,
) -> Translation:
    """Check the translations' table and its comment rule, move, and record who did it."""
    source = State(translation.state)
    permission = translation_permission_for(source, target)
    if permission is None:
        raise WorkflowError(
            _("A translation that is %(source)s cannot become %(target)s.")
            % {"source": source.label, "target": target.label}
        )
    require_permission(user, permission)
    comment = comment.strip()
    if (source, target) in TRANSLATION_COMMENT_REQUIRED and not comment:
        raise WorkflowError(_("Say why in the comment: it is shown to the translator."))
    translation.state = target
    translation.save(update_fields=["state", "updated_at"])
    _entry(
        translation,
        user,
        Action.TRANSLATION,
        channel,
        from_state=source,
        to_state=target,
        comment=comment,
    )
    logger.info(
        "translation incident=%s language=%s from=%s to=%s user=%s",
        translation.incident_id,
        translation.language,
        source,
        target,
        user.get_username(),
        extra={"event": "translation", "from": str(source), "to": str(target)},
    )
    return translation


def _locked(translation: Translation) -> Translation:
    return Translation.objects.select_for_update().select_related("version").get(pk=translation.pk)


@transaction.atomic
def translation_submit(
    *,
    translation: Translation,
    user: AbstractBaseUser,
    comment: str = "",
    channel: Channel = Channel.SERVICE,
) -> Translation:
    return _move(_locked(translation), State.IN_REVIEW, user, comment, channel)


def translation_original_changed(translation: Translation) -> bool:
    """Whether the text of the version ``translation`` translates changed since the
    translation was last written or edited."""
    return original_digest(translation.version) != translation.original_digest


def _refuse_if_original_changed(translation: Translation) -> None:
    if translation_original_changed(translation):
        raise WorkflowError(
            _(
                "The original changed since this translation was last edited: version "
                "%(number)s now says something else. Send the translation back so that the "
                "translator brings it up to date."
            )
            % {"number": translation.version.number}
        )


def translation_check_approve(*, translation: Translation, user: AbstractBaseUser) -> None:
    """Refuse an approval that cannot succeed: the permission, the state, and four eyes."""
    permission = translation_permission_for(State(translation.state), State.APPROVED)
    if permission is None:
        raise WorkflowError(
            _("A translation that is %(source)s cannot become %(target)s.")
            % {"source": translation.get_state_display(), "target": State.APPROVED.label}
        )
    require_permission(user, permission)
    if user.pk in translator_ids(translation):
        raise WorkflowError(
            _("You cannot approve a translation you wrote or edited: ask another reviewer.")
        )
    _refuse_if_original_changed(translation)


@transaction.atomic
def translation_approve(
    *,
    translation: Translation,
    user: AbstractBaseUser,
    comment: str = "",
    channel: Channel = Channel.SERVICE,
) -> Translation:
    translation = _locked(translation)
    translation_check_approve(translation=translation, user=user)
    return _move(translation, State.APPROVED, user, comment, channel)


@transaction.atomic
def translation_request_changes(
    *,
    translation: Translation,
    user: AbstractBaseUser,
    comment: str,
    channel: Channel = Channel.SERVICE,
) -> Translation:
    return _move(_locked(translation), State.CHANGES_REQUESTED, user, comment, channel)


def translation_check_publish(*, translation: Translation, user: AbstractBaseUser) -> None:
    """A translation is published on its own only once the text it translates has been
    public: before that, it is published with its version."""
    require_permission(user, PUBLISH_TRANSLATION)
    if translation.state != State.APPROVED:
        raise WorkflowError(
            _("A translation that is %(source)s cannot become %(target)s.")
            % {"source": translation.get_state_display(), "target": State.PUBLISHED.label}
        )
    if translation.version.state not in (State.PUBLISHED, State.SUPERSEDED):
        raise WorkflowError(
            _(
                "This translation is of version %(number)s, which is not published: it is "
                "published together with that version."
            )
            % {"number": translation.version.number}
        )
    if not IncidentVersion.objects.published().filter(incident_id=translation.incident_id):
        raise WorkflowError(_("The incident is not published: there is no page to translate."))
    _refuse_if_original_changed(translation)


def _publish(
    translation: Translation, user: AbstractBaseUser, comment: str, channel: Channel
) -> None:
    previous = (
        Translation.objects.published()
        .select_for_update()
        .filter(incident_id=translation.incident_id, language=translation.language)
        .first()
    )
    if previous is not None:
        _move(previous, State.SUPERSEDED, user, comment, channel)
    translation.published_at = timezone.now()
    translation.save(update_fields=["published_at", "updated_at"])
    _move(translation, State.PUBLISHED, user, comment, channel)


def _show(incident_id: int) -> None:
    """What the public reads of the incident changed: its search words, its pages."""
    published = IncidentVersion.objects.published().filter(incident_id=incident_id).first()
    if published is not None:
        index_version(published)
    publication_changed()
    pages.forget_pages_showing([incident_id])


@transaction.atomic
def translation_publish(
    *,
    translation: Translation,
    user: AbstractBaseUser,
    comment: str = "",
    channel: Channel = Channel.SERVICE,
) -> Translation:
    """Publish an approved translation of a public version; it replaces the one the public
    read in its language."""
    translation = _locked(translation)
    translation_check_publish(translation=translation, user=user)
    _publish(translation, user, comment, channel)
    _show(translation.incident_id)
    return translation


def translations_publish_with(
    *, version: IncidentVersion, user: AbstractBaseUser, channel: Channel = Channel.SERVICE
) -> list[Translation]:
    """The approved translations of ``version``, published with it by the publisher who
    publishes it, inside ``version_publish``'s transaction and before it indexes the version
    and renders its pages (which then take them in). One whose original changed since it was
    last edited is left approved and unpublished (see the module's docstring)."""
    approved = list(
        Translation.objects.approved()
        .filter(version=version)
        .select_for_update()
        .select_related("version")
    )
    published = []
    for translation in approved:
        if translation_original_changed(translation):
            logger.info(
                "translation incident=%s language=%s not published: its original changed",
                translation.incident_id,
                translation.language,
                extra={"event": "translation_left_out"},
            )
            continue
        require_permission(user, PUBLISH_TRANSLATION)
        _publish(translation, user, "", channel)
        published.append(translation)
    return published
