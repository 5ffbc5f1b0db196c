"""The editorial record: who did what to which version, and when. Rows are never deleted."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from archive.models import Estimate, Incident, IncidentVersion, State


class Action(models.TextChoices):
    CREATE = "create", _("created")
    EDIT = "edit", _("edited")
    TRANSITION = "transition", _("changed state")
    VERIFY = "verify", _("verified an estimate")
    QUERY = "query", _("queried an estimate")
    ANSWER = "answer", _("answered a query")
    UNQUERY = "unquery", _("withdrew a query")
    SCHEDULE = "schedule", _("scheduled publication")
    IMPORT = "import", _("imported")
    DELETE = "delete", _("deleted")
    RENAME = "rename", _("changed the address")
    UNVERIFY = "unverify", _("figures to check again")
    ASSIGN = "assign", _("asked a reviewer")
    TAKE = "take", _("took for review")
    COMMENT = "comment", _("wrote in a discussion")
    RESOLVE = "resolve", _("resolved a discussion")
    # A translation of the version's text: written or edited (TRANSLATE), or moved on in its
    # own workflow (TRANSLATION, with the states); ``changes`` names the translation.
    TRANSLATE = "translate", _("wrote a translation")
    TRANSLATION = "translation", _("changed a translation's state")


class Channel(models.TextChoices):
    ADMIN = "admin", _("admin")
    IMPORT = "import", _("import")
    COMMAND = "command", _("command")
    SERVICE = "service", _("service")
    # The demo's own load of the seed content: the project checked it against the article;
    # no person of this archive reviewed it.
    SEED = "seed", _("seed content")
    # Synthetic content that the benchmark tool (bench/) makes and publishes without review:
    # nobody wrote, checked or approved it.
    BENCHMARK = "benchmark", _("benchmark tool")
    # An editor turned a reader's submission into this draft; the entry names its reference.
    READER = "reader", _("reader submission")


class HistoryEntryQuerySet(models.QuerySet):
    def authorship(self) -> HistoryEntryQuerySet:
        """Entries that make a user an author or editor of a version."""
        return self.filter(action__in=[Action.CREATE, Action.EDIT, Action.IMPORT])

    def unattributed(self) -> HistoryEntryQuerySet:
        """Authorship entries that name nobody: content a command-line import brought in
        without ``--user``."""
        return self.authorship().filter(user=None)

    def submissions(self) -> HistoryEntryQuerySet:
        """Entries of a version sent to review, from a draft or after a send-back."""
        return self.filter(action=Action.TRANSITION, to_state=State.IN_REVIEW)

    def of_translation(self, translation_id: int) -> HistoryEntryQuerySet:
        """The entries about one translation, newest first."""
        return self.filter(
            action__in=[Action.TRANSLATE, Action.TRANSLATION], changes__translation=translation_id
        )

    def about_queries(self) -> HistoryEntryQuerySet:
        """The reviewers' queries of figures and the authors' answers, oldest first."""
        return self.filter(action__in=[Action.QUERY, Action.ANSWER]).order_by("at", "pk")

    def in_discussions(self) -> HistoryEntryQuerySet:
        """What was said in the version's discussions (queries, answers, comments,
        resolutions), oldest first."""
        return self.filter(
            action__in=[Action.QUERY, Action.ANSWER, Action.COMMENT, Action.RESOLVE]
        ).order_by("at", "pk")


class HistoryEntry(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="history")
    version = models.ForeignKey(
        IncidentVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="history"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=12, choices=Action)
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.SERVICE)
    from_state = models.CharField(max_length=20, choices=State, blank=True)
    to_state = models.CharField(max_length=20, choices=State, blank=True)
    comment = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    objects = HistoryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = _("history entries")

    def __str__(self) -> str:
        who = self.user or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.get_action_display()} {self.incident.slug}"


class ReviewAssignment(models.Model):
    """Who reviews a version: the reviewer its author asked for, or one who took it from the
    queue. One per version; changed only through ``services.version_assign`` and
    ``services.version_take``, each recorded in the history."""

    version = models.OneToOneField(
        IncidentVersion, on_delete=models.PROTECT, related_name="assignment"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.version} → {self.reviewer}"


# The subject stored for a thread about the version as a whole: kept in English, as data,
# and translated where it is shown (Thread.subject_shown).
VERSION_AS_A_WHOLE = gettext_noop("The version as a whole")


class ThreadQuerySet(models.QuerySet):
    def unresolved(self) -> ThreadQuerySet:
        return self.filter(resolved_at__isnull=True)


class Thread(models.Model):
    """A discussion between a version's author and its reviewer, about one figure or the
    version as a whole. A reviewer's query of a figure opens one; verifying the figure or
    withdrawing the query resolves it. What is said lives in the history (entries naming the
    thread), so it stays with the version. While one is unresolved the version cannot be
    approved. Never public."""

    version = models.ForeignKey(IncidentVersion, on_delete=models.PROTECT, related_name="threads")
    # Empty for a thread about the version, or once the figure was removed from the draft.
    estimate = models.ForeignKey(
        Estimate, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    subject = models.CharField(max_length=400, help_text=_("The figure as it was named."))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["estimate"],
                condition=models.Q(resolved_at__isnull=True, estimate__isnull=False),
                name="one_open_thread_per_figure",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True, resolved_by__isnull=True)
                | models.Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="thread_resolved_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def subject_shown(self) -> str:
        """The subject in the reader's language where it is the archive's own words (a thread
        about the version as a whole); a figure's name is shown as it was stored."""
        return gettext(self.subject) if self.subject == VERSION_AS_A_WHOLE else self.subject


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("a version is assigned to me for review")
    SENT_BACK = "sent_back", _("my version is sent back to me")
    REPLY = "reply", _("a reply in a discussion I am in")
    APPROVED = "approved", _("my version is approved")
    PUBLISHED = "published", _("my version is published")
    SUBMISSION = "submission", _("a reader sends a submission")


class NotificationOptOut(models.Model):
    """A kind of email this user does not want. Every kind is sent unless turned off."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_opt_out_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: no {self.kind}"


class RecordChangeQuerySet(models.QuerySet):
    def pending(self) -> RecordChangeQuerySet:
        return self.filter(status=RecordChange.Status.PENDING)

    def of(self, record: models.Model) -> RecordChangeQuerySet:
        return self.filter(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )


class RecordStatus(models.TextChoices):
    APPLIED = "applied", _("applied (no published page showed it)")
    PENDING = "pending", _("waiting for review")
    APPROVED = "approved", _("approved and applied")
    REJECTED = "rejected", _("rejected")


class RecordChange(models.Model):
    """A change to a shared record (a source, proceeding, place, actor, context, victim group,
    category, or an incident's address), field by field.

    Records are shared by many incidents and are not versioned, so this row is both their
    history and, while a published page shows the record, the change waiting for a second
    person: the record itself keeps its old values until a reviewer approves.
    """

    Status = RecordStatus

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    # Empty while a new record waits for review: it is created when the change is approved.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    record = models.CharField(max_length=300, help_text=_("The record as it was named."))
    # field → [before, after], as an editor reads them.
    changes = models.JSONField(default=dict)
    # field → the new value as stored (a key for a reference, a list of keys for a list).
    values = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=10, choices=Status)
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.ADMIN)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    note = models.TextField(blank=True, help_text=_("What changes and why, in the author's words."))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    public_note = models.TextField(
        blank=True, help_text=_("The correction note published with the change.")
    )
    # The published incidents whose pages showed the record when the change was applied.
    incidents = models.ManyToManyField(Incident, blank=True, related_name="record_changes")

    objects = RecordChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=models.Q(status=RecordStatus.PENDING, object_id__isnull=False),
                name="one_pending_change_per_record",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[RecordStatus.APPROVED, RecordStatus.REJECTED])
                | models.Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="record_change_reviewed_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.name} “{self.record}”: {self.get_status_display()}"
