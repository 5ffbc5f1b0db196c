"""Where a version stands in the editorial workflow: the states ``editorial.workflow``'s
table moves it between."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    CHANGES_REQUESTED = "changes_requested", _("changes requested")
    APPROVED = "approved", _("approved")
    PUBLISHED = "published", _("published")
    SUPERSEDED = "superseded", _("superseded")
    WITHDRAWN = "withdrawn", _("withdrawn")


OPEN_STATES = (State.DRAFT, State.IN_REVIEW, State.CHANGES_REQUESTED, State.APPROVED)


EDITABLE_STATES = (State.DRAFT, State.CHANGES_REQUESTED)
