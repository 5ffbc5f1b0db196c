"""What readers send in: a correction of a published incident, or an incident to add.

A submission is never public: no public page, API, data file, feed or sitemap reads this
table. The reader's name and contact are for the editors alone, never exported, and erased on
request (``editorial.services.submission_erase_contact``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from archive.models.incidents import Incident, IncidentVersion

# Letters and digits a reader cannot confuse when reading the reference aloud or copying it.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """A short random code for the reader, e.g. R-7KQ2-M9XD: it says nothing about how many
    submissions the archive holds."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"R-{code[:4]}-{code[4:]}"


class SubmissionKind(models.TextChoices):
    CORRECTION = "correction", _("correction or source for an incident")
    REPORT = "report", _("report of an incident")


class SubmissionStatus(models.TextChoices):
    OPEN = "open", _("waiting")
    DRAFTED = "drafted", _("turned into a draft")
    CLOSED = "closed", _("closed")


class ReaderSubmissionQuerySet(models.QuerySet):
    def waiting(self) -> ReaderSubmissionQuerySet:
        return self.filter(status=SubmissionStatus.OPEN)


class ReaderSubmission(models.Model):
    Kind = SubmissionKind
    Status = SubmissionStatus

    reference = models.CharField(max_length=12, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind)
    # The incident a correction is about; empty for a report of a new one.
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    message = models.TextField(_("what is wrong or missing"))
    source = models.TextField(_("source"), blank=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    # The draft it was turned into.
    version = models.ForeignKey(
        IncidentVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reader_submissions",
    )
    contact_erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_erased_at = models.DateTimeField(null=True, blank=True)

    objects = ReaderSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("moderate_readersubmission", "Can turn reader submissions into drafts or close them"),
            ("erase_contact_readersubmission", "Can erase a reader's contact details"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=SubmissionKind.REPORT) | models.Q(incident__isnull=False),
                name="submission_correction_names_incident",
            ),
            models.CheckConstraint(
                condition=models.Q(status=SubmissionStatus.OPEN)
                | models.Q(handled_by__isnull=False, handled_at__isnull=False),
                name="submission_handled_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SubmissionStatus.DRAFTED)
                | models.Q(version__isnull=False),
                name="submission_drafted_names_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=SubmissionStatus.CLOSED) | ~models.Q(close_reason=""),
                name="submission_closed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.reference
