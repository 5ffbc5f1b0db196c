"""Readers' submissions: turned into a draft (a new incident, or a new draft of the one it is
about) or closed with a reason, and a reader's contact details erased on request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from archive.models import IncidentVersion, ReaderSubmission, SubmissionKind, SubmissionStatus
from editorial.models import Channel
from editorial.services.base import WorkflowError, acting_user, require_permission
from editorial.services.editing import incident_create, version_start_draft

MODERATE = "archive.moderate_readersubmission"
ERASE_CONTACT = "archive.erase_contact_readersubmission"


def _locked_open(submission: ReaderSubmission, user: AbstractBaseUser) -> ReaderSubmission:
    require_permission(user, MODERATE)
    submission = ReaderSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != SubmissionStatus.OPEN:
        who = submission.handled_by.get_username() if submission.handled_by else gettext("Someone")
        raise WorkflowError(
            gettext("{who} has already handled submission {reference}: it is {status}.").format(
                who=who, reference=submission.reference, status=submission.get_status_display()
            )
        )
    return submission


def _handled(
    submission: ReaderSubmission, user: AbstractBaseUser, status: SubmissionStatus, **fields: Any
) -> ReaderSubmission:
    submission.status = status
    submission.handled_by = acting_user(user)
    submission.handled_at = timezone.now()
    for name, value in fields.items():
        setattr(submission, name, value)
    submission.save(update_fields=["status", "handled_by", "handled_at", *fields])
    return submission


@transaction.atomic
def submission_start_revision(
    *, submission: ReaderSubmission, user: AbstractBaseUser
) -> IncidentVersion:
    """A new draft of the incident a correction is about, copied from its published version,
    recorded with the channel "reader" and the submission's reference. The reader's text stays
    with the submission: an editor writes what changes."""
    submission = _locked_open(submission, user)
    if submission.incident is None:
        raise WorkflowError(
            gettext("Submission {reference} reports a new incident: create one from it.").format(
                reference=submission.reference
            )
        )
    open_version = submission.incident.versions.open().first()
    if open_version is not None:
        raise WorkflowError(
            gettext(
                "“{slug}” already has an open version (version {number}, {state}): make "
                "the change there, then close the submission with that reason."
            ).format(
                slug=submission.incident.slug,
                number=open_version.number,
                state=open_version.get_state_display(),
            )
        )
    draft = version_start_draft(
        incident=submission.incident,
        user=user,
        channel=Channel.READER,
        changes={"submission": submission.reference},
    )
    _handled(submission, user, SubmissionStatus.DRAFTED, version=draft)
    return draft


@transaction.atomic
def submission_create_incident(
    *, submission: ReaderSubmission, user: AbstractBaseUser, slug: str, version: IncidentVersion
) -> IncidentVersion:
    """A new incident's first draft for a reader's report: ``version`` holds what the editor
    entered (title, summary, date); recorded with the channel "reader" and the reference."""
    submission = _locked_open(submission, user)
    if submission.kind != SubmissionKind.REPORT:
        raise WorkflowError(
            gettext(
                "Submission {reference} is about “{incident}”: start a new draft of that "
                "incident instead."
            ).format(reference=submission.reference, incident=submission.incident)
        )
    draft = incident_create(
        slug=slug,
        user=user,
        channel=Channel.READER,
        version=version,
        changes={"submission": submission.reference},
    )
    _handled(submission, user, SubmissionStatus.DRAFTED, version=draft)
    return draft


@transaction.atomic
def submission_close(
    *, submission: ReaderSubmission, user: AbstractBaseUser, reason: str
) -> ReaderSubmission:
    """Close a submission without a draft (spam, already corrected, no source), saying why."""
    submission = _locked_open(submission, user)
    reason = reason.strip()
    if not reason:
        raise WorkflowError(gettext("Say why the submission is closed: the next editor reads it."))
    return _handled(submission, user, SubmissionStatus.CLOSED, close_reason=reason)


@transaction.atomic
def submission_erase_contact(
    *, submission: ReaderSubmission, user: AbstractBaseUser
) -> ReaderSubmission:
    """Erase the reader's name and contact, as the reader asked; who did it and when is kept."""
    require_permission(user, ERASE_CONTACT)
    submission = ReaderSubmission.objects.select_for_update().get(pk=submission.pk)
    if not submission.name and not submission.contact:
        raise WorkflowError(
            gettext("Submission {reference} holds no name or contact.").format(
                reference=submission.reference
            )
        )
    submission.name = submission.contact = ""
    submission.contact_erased_by = acting_user(user)
    submission.contact_erased_at = timezone.now()
    submission.save(update_fields=["name", "contact", "contact_erased_by", "contact_erased_at"])
    return submission
