"""The editorial record: who did what to which version, and when. Rows are never deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from archive.models import Incident, IncidentVersion, State


class Action(models.TextChoices):
    CREATE = "create", _("created")
    EDIT = "edit", _("edited")
    TRANSITION = "transition", _("changed state")
    VERIFY = "verify", _("verified an estimate")
    QUERY = "query", _("queried an estimate")
    SCHEDULE = "schedule", _("scheduled publication")
    IMPORT = "import", _("imported")
    DELETE = "delete", _("deleted")


class Channel(models.TextChoices):
    ADMIN = "admin", _("admin")
    IMPORT = "import", _("import")
    COMMAND = "command", _("command")
    SERVICE = "service", _("service")
    # The demo's own load of the seed content: the project checked it against the article;
    # no person of this archive reviewed it.
    SEED = "seed", _("seed content")


class HistoryEntryQuerySet(models.QuerySet):
    def authorship(self) -> HistoryEntryQuerySet:
        """Entries that make a user an author or editor of a version."""
        return self.filter(action__in=[Action.CREATE, Action.EDIT, Action.IMPORT])


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
        verbose_name_plural = "history entries"

    def __str__(self) -> str:
        who = self.user or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.get_action_display()} {self.incident.slug}"
