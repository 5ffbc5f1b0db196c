import datetime

import pytest
from django.core.exceptions import ValidationError

from archive.dates import describe_date, parse_date_range


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("1940-04/1940-05", datetime.date(1940, 4, 1), datetime.date(1940, 5, 31)),
        ("1941/1942", datetime.date(1941, 1, 1), datetime.date(1942, 12, 31)),
        ("1990-01-19/1990-01-20", datetime.date(1990, 1, 19), datetime.date(1990, 1, 20)),
        ("1944", datetime.date(1944, 1, 1), datetime.date(1944, 12, 31)),
        ("1944-10", datetime.date(1944, 10, 1), datetime.date(1944, 10, 31)),
    ],
)
def test_edtf_strings_give_the_span_they_mean(text, earliest, latest):
    span = parse_date_range(text)
    assert (span.earliest, span.latest) == (earliest, latest)


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        # A month either side of an approximate or uncertain month, to the month's last day.
        ("1944-10~", datetime.date(1944, 9, 1), datetime.date(1944, 11, 30)),
        ("1944-10?", datetime.date(1944, 9, 1), datetime.date(1944, 11, 30)),
        ("1945-04~", datetime.date(1945, 3, 1), datetime.date(1945, 5, 31)),
        ("1944-12~", datetime.date(1944, 11, 1), datetime.date(1945, 1, 31)),
        # Uncertain and approximate (%) widens twice as far.
        ("1944-10%", datetime.date(1944, 8, 1), datetime.date(1944, 12, 31)),
        ("1944~", datetime.date(1943, 1, 1), datetime.date(1945, 12, 31)),
        ("1945-04-30~", datetime.date(1945, 4, 29), datetime.date(1945, 5, 1)),
        # Only the qualified component, or the qualified end of an interval, widens.
        ("1944-~10", datetime.date(1944, 9, 1), datetime.date(1944, 11, 30)),
        ("1944?-10", datetime.date(1943, 10, 1), datetime.date(1945, 10, 31)),
        ("1940-04~/1940-05", datetime.date(1940, 3, 1), datetime.date(1940, 5, 31)),
        ("1940-04/1940-05?", datetime.date(1940, 4, 1), datetime.date(1940, 6, 30)),
        ("1941~/1942?", datetime.date(1940, 1, 1), datetime.date(1943, 12, 31)),
    ],
)
def test_approximate_and_uncertain_dates_widen_the_stored_range(text, earliest, latest):
    span = parse_date_range(text)
    assert (span.earliest, span.latest) == (earliest, latest)


@pytest.mark.parametrize(
    ("text", "read_back"),
    [
        ("1944-10~", "about October 1944: stored as 1 September – 30 November 1944"),
        ("1944-10?", "possibly October 1944: stored as 1 September – 30 November 1944"),
        ("1944-10%", "possibly about October 1944: stored as 1 August – 31 December 1944"),
        ("1944~", "about 1944: stored as 1 January 1943 – 31 December 1945"),
        ("1940-04-13", "13 April 1940: stored as 13 April 1940"),
        ("1940-04/1940-05", "April 1940 to May 1940: stored as 1 April – 31 May 1940"),
        ("1941/1942", "1941 to 1942: stored as 1 January 1941 – 31 December 1942"),
        ("1944-23", "autumn 1944: stored as 1 September – 30 November 1944"),
        ("194X", "some year of the 1940s: stored as 1 January 1940 – 31 December 1949"),
        (" 1944-~10 ", "“1944-~10”: stored as 1 September – 30 November 1944"),
    ],
)
def test_a_date_is_read_back_in_words_with_the_days_stored(text, read_back):
    assert describe_date(text) == read_back


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
