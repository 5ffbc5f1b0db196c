"""The public change feed: what became public, was corrected or was withdrawn, in order.

A mirror asks ``/api/changes/?since=<ISO 8601>`` once, then follows ``poll`` on every later
visit: the cursor in it is the number of the last entry it was given, and entries are numbered
in the order their publications committed (``archive.models.PublicChange``), so a cursor never
skips an entry nor returns one twice.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from archive.models import PublicChange

PAGE_SIZE = 100


class FeedRequestError(ValueError):
    """A parameter of the feed request is not one it understands; the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class FeedPage:
    entries: list[PublicChange]
    more: bool  # further entries are public already: ask ``next`` now

    @property
    def last(self) -> int | None:
        return self.entries[-1].pk if self.entries else None


def parse_since(value: str) -> datetime.datetime:
    """An ISO 8601 date or date-time; one without a zone is read as UTC."""
    text = value.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise FeedRequestError(
            "since", f"“{text[:40]}” is not an ISO 8601 date or time, like 2026-11-30T12:00:00Z."
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def parse_cursor(value: str) -> int:
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise FeedRequestError("cursor", "Not a cursor this feed gave: follow its next or poll.")
    return int(value)


def feed_page(
    *, since: datetime.datetime | None = None, after: int | None = None, size: int | None = None
) -> FeedPage:
    """The entries after the cursor ``after``, else those from ``since``, at most ``size``, in
    one query. A cursor wins over ``since``: two servers' clocks may disagree by a moment, the
    order of the numbers never does."""
    size = size or PAGE_SIZE
    entries = PublicChange.objects.feed()
    if after is not None:
        entries = entries.filter(pk__gt=after)
    elif since is not None:
        entries = entries.filter(at__gte=since)
    found = list(entries[: size + 1])
    return FeedPage(entries=found[:size], more=len(found) > size)
