import datetime

import pytest
from django.core.exceptions import ValidationError

from archive.dates import parse_date_range


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("1940-04/1940-05", datetime.date(1940, 4, 1), datetime.date(1940, 5, 31)),
        ("1945-04~", datetime.date(1945, 4, 1), datetime.date(1945, 4, 30)),
        ("1941/1942", datetime.date(1941, 1, 1), datetime.date(1942, 12, 31)),
        ("1990-01-19/1990-01-20", datetime.date(1990, 1, 19), datetime.date(1990, 1, 20)),
        ("1944", datetime.date(1944, 1, 1), datetime.date(1944, 12, 31)),
    ],
)
def test_edtf_strings_give_the_span_they_mean(text, earliest, latest):
    span = parse_date_range(text)
    assert (span.earliest, span.latest) == (earliest, latest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "April 1940",
            "“April 1940” is not a valid EDTF date. Write it like 1940-04-13, "
            "1940-04/1940-05, 1945-04~ (about April 1945), 1941/1942.",
        ),
        ("1945-13", "“1945-13” is not a valid EDTF date."),
        ("1942/1941", "“1942/1941” ends before it starts."),
        ("1945-01/..", "“1945-01/..” has an open or unknown end."),
        ("", "Enter the date in EDTF, for example 1940-04-13"),
    ],
)
def test_bad_edtf_gets_a_message_with_a_valid_example(text, message):
    with pytest.raises(ValidationError) as error:
        parse_date_range(text)
    assert error.value.messages[0].startswith(message)
