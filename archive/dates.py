"""Fuzzy historical dates written in EDTF (Extended Date/Time Format, Library of Congress)."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from edtf import parse_edtf, struct_time_to_date
from edtf.parser.edtf_exceptions import EDTFParseException

EDTF_EXAMPLES = "1940-04-13, 1940-04/1940-05, 1945-04~ (about April 1945), 1941/1942"


@dataclass(frozen=True)
class DateRange:
    earliest: datetime.date
    latest: datetime.date


# Every save of a version or proceeding derives its range again, and the EDTF grammar is slow
# to run. The answer depends on the text alone and cannot be changed; a refusal is raised
# afresh each time (exceptions are not cached).
@functools.lru_cache(maxsize=4096)
def parse_date_range(value: str) -> DateRange:
    """The earliest and latest day an EDTF string can mean, or a ValidationError saying why not."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(
            "Enter the date in EDTF, for example %(examples)s.",
            code="edtf_required",
            params={"examples": EDTF_EXAMPLES},
        )
    try:
        parsed = parse_edtf(text)
        lower, upper = parsed.lower_strict(), parsed.upper_strict()
    except (EDTFParseException, TypeError, ValueError, AttributeError):
        raise ValidationError(
            "“%(value)s” is not a valid EDTF date. Write it like %(examples)s.",
            code="edtf_invalid",
            params={"value": text, "examples": EDTF_EXAMPLES},
        ) from None
    if not all(hasattr(bound, "tm_year") for bound in (lower, upper)):  # open ends are inf
        raise ValidationError(
            "“%(value)s” has an open or unknown end. Give both ends, for example 1945-01/1945-05.",
            code="edtf_open",
            params={"value": text},
        )
    earliest, latest = struct_time_to_date(lower), struct_time_to_date(upper)
    if earliest > latest:
        raise ValidationError(
            "“%(value)s” ends before it starts. Put the earlier date first, like 1940-04/1940-05.",
            code="edtf_reversed",
            params={"value": text},
        )
    return DateRange(earliest, latest)
