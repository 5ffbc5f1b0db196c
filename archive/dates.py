"""Fuzzy historical dates written in EDTF (Extended Date/Time Format, Library of Congress)."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import cast

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from edtf import appsettings, parse_edtf, struct_time_to_date
from edtf.parser.edtf_exceptions import EDTFParseException
from edtf.parser.parser_classes import (
    EARLIEST,
    Date,
    Interval,
    PartialUncertainOrApproximate,
    Season,
    UncertainOrApproximate,
    Unspecified,
)

EDTF_EXAMPLES = "1940-04-13, 1940-04/1940-05, 1945-04~ (about April 1945), 1941/1942"

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
SEASONS = {"21": "spring", "22": "summer", "23": "autumn", "24": "winter"}
QUALIFIED = {"~": "about {}", "?": "possibly {}", "%": "possibly about {}"}


@dataclass(frozen=True)
class DateRange:
    earliest: datetime.date
    latest: datetime.date


# Every save of a version or proceeding derives its range again, and the EDTF grammar is slow
# to run. The answer depends on the text alone and cannot be changed; a refusal is raised
# afresh each time (exceptions are not cached).
@functools.lru_cache(maxsize=4096)
def parse_date_range(value: str) -> DateRange:
    """The earliest and latest day an EDTF string can mean, or a ValidationError saying why not.

    An approximate (``~``) or uncertain (``?``, ``%`` both) date widens the range by the
    edtf library's padding for its precision: ``1944-10~`` is 1 September – 30 November 1944.
    """
    text = (value or "").strip()
    if not text:
        raise ValidationError(
            _("Enter the date in EDTF, for example %(examples)s."),
            code="edtf_required",
            params={"examples": EDTF_EXAMPLES},
        )
    try:
        parsed = parse_edtf(text)
        lower, upper = parsed.lower_strict(), parsed.upper_strict()
    except (EDTFParseException, TypeError, ValueError, AttributeError):
        raise ValidationError(
            _("“%(value)s” is not a valid EDTF date. Write it like %(examples)s."),
            code="edtf_invalid",
            params={"value": text, "examples": EDTF_EXAMPLES},
        ) from None
    if not all(hasattr(bound, "tm_year") for bound in (lower, upper)):  # open ends are inf
        raise ValidationError(
            _(
                "“%(value)s” has an open or unknown end. Give both ends, for example "
                "1945-01/1945-05."
            ),
            code="edtf_open",
            params={"value": text},
        )
    earliest, latest = struct_time_to_date(lower), struct_time_to_date(upper)
    if earliest > latest:
        raise ValidationError(
            _(
                "“%(value)s” ends before it starts. Put the earlier date first, like "
                "1940-04/1940-05."
            ),
            code="edtf_reversed",
            params={"value": text},
        )
    first, last = _ends(parsed)
    return DateRange(_minus(earliest, _padding(first)), _plus(latest, _padding(last)))


def describe_date(value: str) -> str:
    """What an EDTF date means and the days stored for it, as the editor's form reads it back:
    "about October 1944: stored as 1 September – 30 November 1944". A ValidationError with
    ``parse_date_range``'s message when the text is no date."""
    span = parse_date_range(value)
    return f"{_meaning(value.strip())}: stored as {_days(span)}"


def _ends(parsed: object) -> tuple[object, object]:
    """The part of the date that gives its first day, and the part that gives its last."""
    if isinstance(parsed, Interval):
        return parsed.lower, parsed.upper
    return parsed, parsed


def _padding(part: object) -> relativedelta:
    """How far a qualified date reaches beyond the days it names.

    The library's own ``lower_fuzzy``/``upper_fuzzy`` pad a date qualified as a whole
    (``1944-10~``) by a year *and* a month, and add a month to the last day of a month, which
    lands on the 30th of May for April; here the padding is that of the date's precision, as
    the library pads a single qualified component (``1944-~10``), and is added to whole days.
    """
    if isinstance(part, PartialUncertainOrApproximate):
        # edtf annotates this as a struct_time; it builds and returns a relativedelta.
        return cast(relativedelta, part._get_fuzzy_padding(EARLIEST))
    if not isinstance(part, UncertainOrApproximate) or not part.ua:
        return relativedelta()
    ua = part.ua
    if ua.is_uncertain_and_approximate:
        multiplier = appsettings.MULTIPLIER_IF_BOTH
    elif ua.is_uncertain:
        multiplier = appsettings.MULTIPLIER_IF_UNCERTAIN
    else:
        multiplier = appsettings.MULTIPLIER_IF_APPROXIMATE
    date = part.date
    if isinstance(date, Season):
        padding = appsettings.PADDING_SEASON_PRECISION
    elif getattr(date, "day", None):
        padding = appsettings.PADDING_DAY_PRECISION
    elif getattr(date, "month", None):
        padding = appsettings.PADDING_MONTH_PRECISION
    else:
        padding = appsettings.PADDING_YEAR_PRECISION
    return padding * multiplier


def _minus(day: datetime.date, padding: relativedelta) -> datetime.date:
    try:
        return day - padding
    except (OverflowError, ValueError):
        return datetime.date.min


def _plus(day: datetime.date, padding: relativedelta) -> datetime.date:
    """The last day of the padding after ``day``: counted from the next day, so that a month
    after 30 April is 31 May."""
    try:
        return day + datetime.timedelta(days=1) + padding - datetime.timedelta(days=1)
    except (OverflowError, ValueError):
        return datetime.date.max


def _meaning(text: str) -> str:
    """The date in words, or the EDTF itself where it has no short wording (sets, partial
    qualifiers)."""
    parsed = parse_edtf(text)
    if isinstance(parsed, Interval):
        lower, upper = (_words(part) for part in (parsed.lower, parsed.upper))
        return f"{lower} to {upper}" if lower and upper else f"“{text}”"
    return _words(parsed) or f"“{text}”"


def _words(part: object) -> str:
    if isinstance(part, UncertainOrApproximate):
        inner = _words(part.date)
        return QUALIFIED[str(part.ua)].format(inner) if inner and part.ua else inner
    if isinstance(part, PartialUncertainOrApproximate) or not isinstance(part, Date):
        return ""
    if isinstance(part, Unspecified):
        written = str(part.year)
        if part.month or part.day or "X" not in written:
            return ""
        digits = written.rstrip("X")
        if len(digits) == 3:
            return f"some year of the {digits}0s"
        if len(digits) == 2:
            return f"some year of the {digits}00s"
        return ""
    if isinstance(part, Season):
        name = SEASONS.get(str(part.season))
        return f"{name} {int(part.year)}" if name else ""
    year = int(part.year)
    if part.day:
        return f"{int(part.day)} {MONTHS[int(part.month) - 1]} {year}"
    if part.month:
        return f"{MONTHS[int(part.month) - 1]} {year}"
    return str(year)


def _days(span: DateRange) -> str:
    first, last = span.earliest, span.latest
    if first == last:
        return _day(first)
    if first.year == last.year:
        return f"{first.day} {MONTHS[first.month - 1]} – {_day(last)}"
    return f"{_day(first)} – {_day(last)}"


def _day(day: datetime.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
