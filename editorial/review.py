"""What a review page reads: each open query with what changed since and the author's answers,
and what the reviewer looks at besides the figures."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import dateformat
from django.utils.safestring import SafeString
from django.utils.translation import gettext, pgettext

from archive.models import Estimate, IncidentVersion
from archive.text import render_markdown
from editorial.diff import Change, changes_since
from editorial.models import Action, HistoryEntry, Thread


@dataclass
class QueryThread:
    """A reviewer's open query of one figure."""

    note: str
    asked: HistoryEntry | None  # who asked and when; None if the history does not say
    # Field by field since the query; None when the query kept no copy of the figure.
    changes: list[Change] | None
    answers: list[HistoryEntry] = field(default_factory=list)


def query_threads(
    version: IncidentVersion, estimates: Iterable[Estimate]
) -> dict[int, QueryThread]:
    """Per figure with an open query (by id): the query, what the author changed since it was
    made, and the author's answers since. One read of the history, whatever the figures."""
    open_queries = {estimate.pk: estimate for estimate in estimates if estimate.query_note}
    if not open_queries:
        return {}
    by_ref = {estimate.ref: estimate.pk for estimate in open_queries.values()}
    asked: dict[int, HistoryEntry] = {}
    answers: dict[int, list[HistoryEntry]] = {}
    for entry in (
        HistoryEntry.objects.filter(version=version).about_queries().select_related("user")
    ):
        # Older entries name the figure by its ref only.
        pk = entry.changes.get("estimate_id") or by_ref.get(entry.changes.get("estimate"))
        if pk not in open_queries:
            continue
        if entry.action == Action.QUERY:
            asked[pk], answers[pk] = entry, []
        else:
            answers.setdefault(pk, []).append(entry)
    threads = {}
    for pk, estimate in open_queries.items():
        query = asked.get(pk)
        snapshot = query.changes.get("figure") if query else None
        threads[pk] = QueryThread(
            note=estimate.query_note,
            asked=query,
            changes=changes_since(snapshot, estimate) if snapshot else None,
            answers=answers.get(pk, []),
        )
    return threads


@dataclass
class CheckItem:
    """One line of what to look at besides the figures, with what the archive checked of it."""

    label: str
    ask: str  # what the reviewer compares
    lines: list[str]
    checked: str  # what the archive itself checked, honestly: often nothing
    warning: str = ""
    html: SafeString | None = None


def checklist(version: IncidentVersion) -> list[CheckItem]:
    """The text, the date, the places, the filing and the incident's own citations. Nothing
    here blocks approval or records that it was read."""
    places = [
        ", ".join(
            part
            for part in (
                place.name,
                place.country,
                f"{_coordinate(place.latitude)}, {_coordinate(place.longitude)}"
                + (
                    f" ({place.get_coordinate_precision_display()})"
                    if place.coordinate_precision
                    else ""
                )
                if place.latitude is not None and place.longitude is not None
                else "",
            )
            if part
        )
        for place in version.places.all()
    ]
    citations = [
        f"{citation.source}" + (f", {citation.locator}" if citation.locator else "")
        for citation in version.citations.filter(estimate__isnull=True).select_related("source")
    ]
    filed = [
        gettext("{label}: {items}").format(
            label=label, items=", ".join(str(item) for item in items)
        )
        for label, items in (
            (gettext("Categories"), version.categories.all()),
            (gettext("Perpetrators"), version.perpetrators.all()),
            (gettext("Victims"), version.victim_groups.all()),
            (gettext("Context"), [version.context] if version.context else []),
        )
        if items
    ]
    earliest, latest = _day(version.date_earliest), _day(version.date_latest)
    span = earliest if earliest == latest else f"{earliest} – {latest}"
    return [
        CheckItem(
            gettext("Text"),
            gettext(
                "The title, summary and description say what the incident's sources say, and "
                "no more."
            ),
            [version.title, version.summary],
            gettext("Nothing: only a person can compare a text with its sources."),
            html=render_markdown(version.description) if version.description else None,
        ),
        CheckItem(
            gettext("Date"),
            gettext(
                "The date as written and the date the archive sorts and filters by agree with "
                "the sources."
            ),
            [
                # Translators: the date as the editor wrote it, its EDTF code and the days it
                # spans, e.g. “spring 1940”, entered as 1940-21, read as 1 March – 31 May 1940.
                gettext("“{text}”, entered as {edtf}, read as {span}").format(
                    text=version.date_text, edtf=version.date, span=span
                )
            ],
            gettext("That the date is valid EDTF, and the range read from it."),
        ),
        CheckItem(
            gettext("Places"),
            gettext("The places, their countries and coordinates."),
            places,
            gettext("Nothing beyond the coordinates being on the globe."),
            warning="" if places else gettext("No place is given."),
        ),
        CheckItem(
            gettext("Filed under"),
            gettext("The category, perpetrators, victims and context the lists and totals use."),
            filed,
            gettext("Nothing: only a person can judge them against the sources."),
        ),
        CheckItem(
            gettext("The incident's own citations"),
            gettext("The sources of the text as a whole support it, at the pages given."),
            citations,
            gettext("Nothing: they are not required, and no one verifies them one by one."),
            warning=""
            if citations
            else gettext(
                "The incident as a whole cites no source: its text rests on the figures' "
                "citations alone."
            ),
        ),
    ]


def _day(day: datetime.date) -> str:
    # The public pages' long date format, as each language's catalogue writes it (Polish and
    # Russian put the month's name in the genitive after a day).
    return dateformat.format(day, pgettext("date format", "j F Y"))


def _coordinate(value: Decimal) -> str:
    return f"{value.normalize():f}"


@dataclass
class Discussion:
    """A thread with what was said in it, oldest first."""

    thread: Thread
    messages: list[HistoryEntry]

    @property
    def queried(self) -> bool:
        """An open query: the figure's row shows this round of it, with the answer form."""
        estimate = self.thread.estimate
        return (
            self.thread.resolved_at is None and estimate is not None and bool(estimate.query_note)
        )


def discussions(version: IncidentVersion) -> list[Discussion]:
    """Every thread of the version, open ones first, each with its messages. Two reads."""
    threads = list(
        Thread.objects.filter(version=version).select_related(
            "estimate", "opened_by", "resolved_by"
        )
    )
    said: dict[int, list[HistoryEntry]] = {thread.pk: [] for thread in threads}
    for entry in (
        HistoryEntry.objects.filter(version=version).in_discussions().select_related("user")
    ):
        thread_id = entry.changes.get("thread")
        if thread_id in said:
            said[thread_id].append(entry)
    return sorted(
        (Discussion(thread, said[thread.pk]) for thread in threads),
        key=lambda discussion: discussion.thread.resolved_at is not None,
    )
