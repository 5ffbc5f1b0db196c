"""Reviewed translations of the text a reader reads: a version's title, summary, description
and date as written, in another language of the site.

A translation belongs to its incident and names the version whose text it translates, with a
digest of that text. It goes through the same four-eyes workflow as a version
(``editorial.services.translations``). At most one translation per incident and language is
published: the one the public reads, whichever version of the incident is published. When the
published version's text no longer matches the digest (a later version corrected it), the
translation is out of date: still shown, marked as such, and listed for the translators.
Figures, names of sources and quotes are never translated.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from archive.models.incidents import Incident, IncidentVersion
from archive.models.languages import ORIGINAL_LANGUAGE, base_language
from archive.models.states import EDITABLE_STATES, OPEN_STATES, State

# The fields of a version that a translation translates, in the order a reader meets them.
TRANSLATED_FIELDS = ("title", "summary", "description", "date_text")

__all__ = ["ORIGINAL_LANGUAGE", "TRANSLATED_FIELDS", "Translation", "base_language"]


def translation_languages() -> list[tuple[str, str]]:
    """The site's languages a translation can be written in: all but the original."""
    return [
        (code, str(name))
        for code, name in settings.LANGUAGES
        if base_language(code) == code and code != ORIGINAL_LANGUAGE
    ]


def original_digest(version: IncidentVersion) -> str:
    """A digest of the text a translation of ``version`` translates: it changes exactly when
    the title, summary, description or date as written does."""
    text = json.dumps([getattr(version, field) for field in TRANSLATED_FIELDS])
    return hashlib.sha256(text.encode()).hexdigest()


class TranslationQuerySet(models.QuerySet["Translation"]):
    def published(self) -> TranslationQuerySet:
        """The translations the public reads: at most one per incident and language."""
        return self.filter(state=State.PUBLISHED)

    def open(self) -> TranslationQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def awaiting_review(self) -> TranslationQuerySet:
        return self.filter(state=State.IN_REVIEW)

    def approved(self) -> TranslationQuerySet:
        return self.filter(state=State.APPROVED)

    def in_language(self, language: str) -> TranslationQuerySet:
        return self.filter(language=language)

    def out_of_date(self) -> TranslationQuerySet:
        """Published translations whose incident's published text is no longer the text they
        translated: a correction changed it since. One query for the digests."""
        published = IncidentVersion.objects.published().filter(
            incident__translations__state=State.PUBLISHED
        )
        current = {
            version.incident_id: original_digest(version)
            for version in published.only("incident_id", *TRANSLATED_FIELDS).distinct()
        }
        stale = [
            pk
            for pk, incident_id, digest in self.published().values_list(
                "pk", "incident_id", "original_digest"
            )
            if incident_id in current and current[incident_id] != digest
        ]
        return self.filter(pk__in=stale)


class Translation(models.Model):
    """One translation of one version's text into one language."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="translations")
    version = models.ForeignKey(
        IncidentVersion,
        on_delete=models.PROTECT,
        related_name="translations",
        help_text=_("The version whose text this translates."),
    )
    language = models.CharField(_("language"), max_length=8, choices=translation_languages)
    state = models.CharField(max_length=20, choices=State, default=State.DRAFT, editable=False)
    lock_version = models.PositiveIntegerField(default=0, editable=False)

    title = models.CharField(_("title"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Markdown, as in the original.")
    )
    date_text = models.CharField(_("date as written"), max_length=200, blank=True)
    original_digest = models.CharField(
        max_length=64,
        editable=False,
        help_text=_("Digest of the original text translated: shows when it changed since."),
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TranslationQuerySet.as_manager()

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["incident", "language", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "language"],
                condition=Q(state__in=OPEN_STATES),
                name="one_open_translation_per_language",
            ),
            models.UniqueConstraint(
                fields=["incident", "language"],
                condition=Q(state=State.PUBLISHED),
                name="one_published_translation_per_language",
            ),
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="translation_state_known"
            ),
            models.CheckConstraint(
                condition=~Q(language=ORIGINAL_LANGUAGE), name="translation_not_original"
            ),
        ]
        permissions = [
            ("submit_translation", "Can submit a translation for review"),
            ("review_translation", "Can approve or send back a translation"),
            ("publish_translation", "Can publish a translation"),
        ]
        indexes = [
            models.Index(fields=["state", "language"], name="translation_state_language"),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.incident.slug} [{self.language}] ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def is_out_of_date(self, published: IncidentVersion) -> bool:
        """Whether ``published`` (the incident's published version) says something else now."""
        return original_digest(published) != self.original_digest
