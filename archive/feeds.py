"""Atom feed of publications and corrections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archive.models import Correction, IncidentVersion

FEED_ITEMS = 50


@dataclass
class FeedItem:
    title: str
    description: str
    link: str
    date: datetime
    guid: str


class ArchiveFeed(Feed):
    feed_type = Atom1Feed
    title = _("Incident Archive: publications and corrections")
    subtitle = _("Incidents as they are published, corrected or withdrawn.")

    def link(self) -> str:
        return reverse("archive:home")

    def items(self) -> list[FeedItem]:
        published = (
            IncidentVersion.objects.published()
            .select_related("incident")
            .order_by("-published_at")[:FEED_ITEMS]
        )
        items = [
            FeedItem(
                title=gettext("Published: %(title)s") % {"title": v.title},
                description=v.summary,
                link=v.get_absolute_url(),
                date=v.published_at or v.updated_at,  # set by every publication
                guid=f"publication-{v.incident.slug}-{v.number}",
            )
            for v in published
            if v.number == 1 or not v.public_note
        ]
        corrections = Correction.objects.with_public_incident().select_related(
            "incident", "version"
        )[:FEED_ITEMS]
        items += [
            FeedItem(
                # Translators: a feed entry's title: the kind of change (Correction,
                # Withdrawal) and the incident's title.
                title=gettext("%(kind)s: %(title)s")
                % {"kind": c.get_kind_display().capitalize(), "title": c.version.title},
                description=c.note,
                link=reverse("archive:incident", args=[c.incident.slug])
                if c.incident_is_public
                else reverse("archive:corrections"),
                date=c.created_at,
                guid=f"correction-{c.pk}",
            )
            for c in corrections
        ]
        return sorted(items, key=lambda item: item.date, reverse=True)[:FEED_ITEMS]

    def item_title(self, item: FeedItem) -> str:
        return item.title

    def item_description(self, item: FeedItem) -> str:
        return item.description

    def item_link(self, item: FeedItem) -> str:
        return item.link

    def item_guid(self, item: FeedItem) -> str:
        return item.guid

    item_guid_is_permalink = False

    def item_updateddate(self, item: FeedItem) -> datetime:
        return item.date

    def item_pubdate(self, item: FeedItem) -> datetime:
        return item.date
