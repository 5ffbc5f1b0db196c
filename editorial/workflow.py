"""The editorial policy as data: which state changes exist and the permission each needs.

Pure: no database. ``editorial.services`` applies it.
"""

from __future__ import annotations

from archive.models import State

SUBMIT = "archive.submit_version"
REVIEW = "archive.review_version"
PUBLISH = "archive.publish_version"

TRANSITIONS: dict[tuple[State, State], str] = {
    (State.DRAFT, State.IN_REVIEW): SUBMIT,
    (State.CHANGES_REQUESTED, State.IN_REVIEW): SUBMIT,
    (State.IN_REVIEW, State.APPROVED): REVIEW,
    (State.IN_REVIEW, State.CHANGES_REQUESTED): REVIEW,
    (State.APPROVED, State.CHANGES_REQUESTED): REVIEW,
    (State.APPROVED, State.PUBLISHED): PUBLISH,
    (State.PUBLISHED, State.WITHDRAWN): PUBLISH,
    # Publishing a newer version retires the one the public saw; no one asks for this directly.
    (State.PUBLISHED, State.SUPERSEDED): PUBLISH,
}

# Transitions whose comment is shown to the author or the public, so it may not be empty.
COMMENT_REQUIRED = {
    (State.IN_REVIEW, State.CHANGES_REQUESTED),
    (State.APPROVED, State.CHANGES_REQUESTED),
    (State.PUBLISHED, State.WITHDRAWN),
}


def permission_for(source: State, target: State) -> str | None:
    """The permission a user needs to move a version from ``source`` to ``target``."""
    return TRANSITIONS.get((State(source), State(target)))


def targets_from(source: State) -> list[State]:
    return [target for (origin, target) in TRANSITIONS if origin == source]


# Translations of a version's text go through the same four eyes, with their own permissions:
# a translator writes and submits, a reviewer approves or sends back, a publisher publishes
# (with the version, or on its own when the version is already public).
SUBMIT_TRANSLATION = "archive.submit_translation"
REVIEW_TRANSLATION = "archive.review_translation"
PUBLISH_TRANSLATION = "archive.publish_translation"
WRITE_TRANSLATION = "archive.change_translation"

TRANSLATION_TRANSITIONS: dict[tuple[State, State], str] = {
    (State.DRAFT, State.IN_REVIEW): SUBMIT_TRANSLATION,
    (State.CHANGES_REQUESTED, State.IN_REVIEW): SUBMIT_TRANSLATION,
    (State.IN_REVIEW, State.APPROVED): REVIEW_TRANSLATION,
    (State.IN_REVIEW, State.CHANGES_REQUESTED): REVIEW_TRANSLATION,
    (State.APPROVED, State.CHANGES_REQUESTED): REVIEW_TRANSLATION,
    (State.APPROVED, State.PUBLISHED): PUBLISH_TRANSLATION,
    # Publishing a newer translation into the same language retires the one the public read.
    (State.PUBLISHED, State.SUPERSEDED): PUBLISH_TRANSLATION,
}

TRANSLATION_COMMENT_REQUIRED = {
    (State.IN_REVIEW, State.CHANGES_REQUESTED),
    (State.APPROVED, State.CHANGES_REQUESTED),
}


def translation_permission_for(source: State, target: State) -> str | None:
    """The permission a user needs to move a translation from ``source`` to ``target``."""
    return TRANSLATION_TRANSITIONS.get((State(source), State(target)))
