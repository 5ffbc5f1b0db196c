"""What each figure counts, and what follows: conflicts, headlines, relations, derived counts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from archive.estimates import (
    conflicts,
    derived_count,
    disagree,
    headlines,
    relation_errors,
    summarise,
)
from archive.models import Estimate


def figure(ref: str = "a", **fields) -> Estimate:
    values = {"measure": "killed", "as_written": ref, "claimant": f"Claimant {ref}", **fields}
    return Estimate(ref=ref, **values)


CASES = [
    # (what, figures, disagree?)
    ("identical figures", [figure("a", best=360), figure("b", best=360)], False),
    ("overlapping ranges", [figure("a", low=44, high=3000), figure("b", best=200)], False),
    ("ranges apart", [figure("a", best=200), figure("b", low=300, high=400)], True),
    (
        "an open bound that allows the other",
        [figure("a", low=20000, qualifier="over"), figure("b", best=22000)],
        False,
    ),
    (
        "an open bound above the other",
        [figure("a", low=20000, qualifier="over"), figure("b", best=4000)],
        True,
    ),
    (
        "'up to' allows anything below",
        [figure("a", high=2_000_000, qualifier="up_to"), figure("b", best=562_000)],
        False,
    ),
    ("a part of the other", [figure("a", best=360), figure("b", best=20, part_of="a")], False),
    (
        "a share of the other",
        [
            figure("a", best=320_000, measure="captured"),
            figure("b", share_low=Decimal("33.33"), share_of="a", qualifier="at_least"),
            figure("c", best=4000),
        ],
        False,
    ),
    (
        "'almost' allows anything a little below",
        [figure("a", high=1000, qualifier="almost"), figure("b", best=990)],
        False,
    ),
    ("a rate beside a count", [figure("a", best=10, per="day"), figure("b", best=5000)], False),
    (
        "a rejected figure",
        [
            figure("a", best=200),
            figure("b", best=1000, assessment="rejected", assessment_reason="No source."),
        ],
        False,
    ),
    (
        "different scopes",
        [figure("a", best=406, scope="Wehrmacht soldiers"), figure("b", best=120, scope="cellar")],
        False,
    ),
    (
        "the same scope, written differently",
        [
            figure("a", best=406, scope="Wehrmacht soldiers"),
            figure("b", best=9, scope=" wehrmacht  soldiers"),
        ],
        True,
    ),
    (
        "different measures",
        [figure("a", best=100), figure("b", best=5000, measure="deported")],
        False,
    ),
]


@pytest.mark.parametrize(("what", "figures", "expected"), CASES, ids=[c[0] for c in CASES])
def test_two_figures_disagree_only_when_they_count_the_same_thing(what, figures, expected):
    assert disagree(figures) is expected, what


def test_a_conflict_says_which_figures_and_why():
    found = conflicts([figure("a", best=200), figure("b", low=300, high=400)])
    assert [c.reason for c in found] == [
        "killed: “b” (Claimant b) is more than “a” (Claimant a) allows"
    ]


HEADLINES = [
    ([figure("a", low=20000, qualifier="over")], "over 20,000 killed", (20000, None, False, True)),
    (
        [figure("a", high=2_000_000, qualifier="up_to")],
        "up to 2,000,000 killed",
        (None, 2_000_000, True, False),
    ),
    (
        [figure("a", low=44, high=3000), figure("b", best=200)],
        "44 – 3,000 killed",
        (44, 3000, False, False),
    ),
    (
        [figure("a", low=14000, qualifier="at_least"), figure("b", best=20000)],
        "at least 14,000 killed",
        (14000, None, False, True),
    ),
    ([figure("a", best=120, qualifier="about")], "about 120 killed", (120, 120, False, False)),
    (
        [figure("a", high=1000, qualifier="almost")],
        "almost 1,000 killed",
        (None, 1000, True, False),
    ),
    (
        [figure("a", low=100000, qualifier="over", assessment="contested", assessment_reason="r")],
        "over 100,000 killed (contested)",
        (100000, None, False, True),
    ),
    (
        [
            figure("a", best=474967),
            figure(
                "b", best=10**6, qualifier="about", assessment="contested", assessment_reason="r"
            ),
        ],
        "474,967 – 1,000,000 killed (1 of 2 figures contested)",
        (474967, 1000000, False, False),
    ),
    (
        # a part is never the low end of its whole
        [figure("a", best=360), figure("b", best=20, scope="girls", part_of="a")],
        "360 killed",
        (360, 360, False, False),
    ),
    (
        [
            figure("a", best=406, scope="Wehrmacht soldiers"),
            figure("b", best=58, scope="Organisation Todt members"),
            figure("c", best=2, scope="Danish nationals", part_of="b"),
        ],
        "killed: no overall figure; given separately: 406 Wehrmacht soldiers; 58 Organisation "
        "Todt members",
        (None, None, False, False),
    ),
    (
        [figure("a", best=10, scope="girls", per="day", measure="raped")],
        "raped: no overall figure; given separately: 10 girls a day",
        (None, None, False, False),
    ),
]


@pytest.mark.parametrize(("figures", "text", "values"), HEADLINES, ids=[h[1] for h in HEADLINES])
def test_a_headline_keeps_its_qualifier_and_never_invents_a_total(figures, text, values):
    (headline,) = headlines(figures)
    assert headline.text == text
    assert (headline.low, headline.high, headline.low_open, headline.high_open) == values


def test_a_share_reads_as_written_and_its_count_is_only_derived():
    captured = figure("a", best=320_000, measure="captured")
    share = figure("b", share_low=Decimal("33.33"), share_of="a", qualifier="at_least")
    texts = {h.measure: h.text for h in headlines([captured, share])}
    assert texts == {
        "killed": "killed: no overall figure; given separately: at least 33.33 % of 320,000 "
        "captured",
        "captured": "320,000 captured",
    }
    assert derived_count(share, captured) == (106_656, 320_000)
    (killed,) = [s for s in summarise([captured, share]) if s.key == "killed"]
    assert killed.rows[0].derived == "106,656 – 320,000"


@pytest.mark.parametrize(
    ("share", "whole", "text"),
    [
        (
            {"share_low": Decimal(40), "share_high": Decimal(40), "qualifier": "about"},
            {"best": 3500, "qualifier": "about"},
            "about 1,400",
        ),
        (
            {"share_low": Decimal(58), "share_high": Decimal(58)},
            {"high": 1_500_000, "qualifier": "almost"},
            "almost 870,000",
        ),
        (
            {"share_low": Decimal(50), "qualifier": "over"},
            {"low": 6000, "qualifier": "at_least"},
            "at least 3,000",
        ),
    ],
)
def test_a_derived_count_keeps_the_hedges_of_its_share_and_its_whole(share, whole, text):
    summary = summarise(
        [figure("w", measure="affected", **whole), figure("s", share_of="w", **share)]
    )
    (row,) = [r for m in summary for r in m.rows if r.estimate.ref == "s"]
    assert row.derived == text


def test_rejected_figures_stay_out_of_the_headline_and_are_counted_as_left_out():
    figures = [
        figure("a", best=200),
        figure("b", best=9000, assessment="rejected", assessment_reason="No source."),
    ]
    (summary,) = summarise(figures)
    assert summary.headline.text == "200 killed" and summary.rejected == 1


def test_sources_are_counted_as_publications_not_claimants():
    figures = [
        figure("a", best=200, claimant="A", source_id=1),
        figure("b", best=210, claimant="B", source_id=1),
        figure("c", best=220, claimant="C", source_id=2),
    ]
    assert summarise(figures)[0].sources == 2


def test_parts_are_listed_under_their_whole():
    whole = figure("a", best=360)
    girls = figure("b", best=20, scope="girls", part_of="a")
    older = figure("c", low=12, qualifier="over", scope="older people", part_of="a")
    (summary,) = summarise([girls, whole, older])
    assert [(row.estimate.ref, row.depth) for row in summary.rows] == [
        ("a", 0),
        ("b", 1),
        ("c", 1),
    ]
    assert summary.rows[1].counts == "girls, part of 360"
    assert summary.charts == []  # nothing to compare: one whole, two parts


def test_chart_rows_say_who_and_when_or_else_the_figure():
    by_year = [
        figure("a", best=381_067, claimant="Soviet archives", claim_year=1956),
        figure("b", best=1_000_000, qualifier="about", claimant="Overmans", claim_year=2000),
    ]
    (summary,) = summarise(by_year)
    assert [row.label for row in summary.charts[0].rows] == [
        "Soviet archives, 1956",
        "Overmans, 2000",
    ]
    same = [figure("a", best=5, claimant="Article"), figure("b", best=9, claimant="Article")]
    (summary,) = summarise(same)
    assert [row.label for row in summary.charts[0].rows] == ["a", "b"]


RELATIONS = [
    (
        [figure("a", best=20, scope="girls", part_of="zzz")],
        {
            "a": {
                "part_of": "“zzz” is not a figure of this incident: a part breaks down a "
                "figure of the same incident (give the ref of that figure)."
            }
        },
    ),
    (
        [figure("a", best=360), figure("b", best=20, part_of="a")],
        {"b": {"scope": "Say which part of the whole this figure counts, e.g. “girls”."}},
    ),
    (
        [figure("a", best=360, measure="deported"), figure("b", best=20, scope="x", part_of="a")],
        {
            "b": {
                "part_of": "“a” counts people deported, this figure people killed: a part has "
                "its whole's measure."
            }
        },
    ),
    (
        [figure("a", best=36), figure("b", best=200, scope="girls", part_of="a")],
        {"b": {"part_of": "This part (b) is more than its whole “a” (a) allows."}},
    ),
    (
        [
            figure("a", best=10, scope="x", part_of="b"),
            figure("b", best=10, scope="y", part_of="a"),
        ],
        {
            "a": {
                "part_of": "These figures are parts of one another in a circle (a → b → a): "
                "one of them must be the whole."
            },
            "b": {
                "part_of": "These figures are parts of one another in a circle (b → a → b): "
                "one of them must be the whole."
            },
        },
    ),
    (
        [figure("a", share_low=Decimal(50), share_of="nope")],
        {
            "a": {
                "share_of": "“nope” is not a figure of this incident: a share is taken of a "
                "figure of the same incident (give the ref of that figure)."
            }
        },
    ),
    (
        [
            figure("a", best=100),
            figure("b", share_low=Decimal(50), share_of="a"),
            figure("c", share_low=Decimal(50), share_of="b"),
        ],
        {"c": {"share_of": "“b” is itself a share or a rate: a share is taken of a count."}},
    ),
]


@pytest.mark.parametrize(("figures", "errors"), RELATIONS)
def test_relations_that_cannot_be_true_are_explained(figures, errors):
    assert relation_errors(figures) == errors


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"share_low": Decimal(120), "share_of": "a"},
            {
                "share_low": [
                    "120 % is not a share: enter a percentage from 0 to 100 (one third is 33.33)."
                ]
            },
        ),
        (
            {"share_low": Decimal(60), "share_high": Decimal(40), "share_of": "a"},
            {"share_low": ["Share low (60 %) is above share high (40 %): swap them."]},
        ),
        (
            {"share_low": Decimal(30)},
            {
                "share_of": [
                    "Say which figure of this incident the percentage is taken of: its ref."
                ]
            },
        ),
        (
            {"share_low": Decimal(30), "share_of": "a", "best": 5},
            {
                "best": [
                    "A share is given as a percentage: leave low, best and high empty. The "
                    "page shows the count it implies as derived arithmetic, not as the "
                    "source's figure."
                ]
            },
        ),
        (
            {"best": 5, "part_of": "x"},
            {"part_of": ["A figure cannot be a part or a share of itself."]},
        ),
    ],
)
def test_a_share_out_of_bounds_is_refused_with_its_reason(fields, errors):
    estimate = figure("x", **fields)
    with pytest.raises(Exception) as error:
        estimate.clean()
    assert error.value.message_dict == errors
