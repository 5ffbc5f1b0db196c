"""What follows for readers: which figures disagree, each measure's headline, the words for a
figure, a share and a derived count, and the relations between figures that cannot be true."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext, ngettext, pgettext

from archive.estimates.figures import (
    INFINITY,
    OPEN_ABOVE,
    OPEN_BELOW,
    Figure,
    bounds,
    is_count,
    is_share,
    is_whole,
    kept,
    measure_label,
    number,
    scope_key,
)
from archive.models import Assessment, Measure, Per, Qualifier

# -- Conflict ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Two figures that count the same thing and cannot both be true."""

    measure: str
    scope: str
    higher: Figure  # the figure whose bottom is above ...
    lower: Figure  # ... this figure's top

    @property
    def reason(self) -> str:
        what = measure_label(self.measure) + (f" ({self.scope})" if self.scope else "")
        # Translators: why two figures of one measure cannot both be true, after "Sources
        # disagree on": the measure, then each figure as written with who gives it.
        return gettext(
            "%(what)s: “%(higher)s” (%(higher_claimant)s) is more than “%(lower)s” "
            "(%(lower_claimant)s) allows"
        ) % {
            "what": what,
            "higher": self.higher.as_written,
            "higher_claimant": self.higher.claimant,
            "lower": self.lower.as_written,
            "lower_claimant": self.lower.claimant,
        }


def conflicts(estimates: Iterable[Figure]) -> list[Conflict]:
    """Per measure and scope, the counts not rejected whose ranges cannot all be true.

    Parts, shares and rates never conflict with anything: they count something else.
    """
    groups: dict[tuple[str, str], list[Figure]] = {}
    for estimate in estimates:
        if is_count(estimate) and kept(estimate):
            groups.setdefault((estimate.measure, scope_key(estimate)), []).append(estimate)
    found = []
    for (measure, _), group in groups.items():
        if len(group) < 2:
            continue
        higher = max(group, key=lambda e: bounds(e)[0])
        lower = min(group, key=lambda e: bounds(e)[1])
        if bounds(higher)[0] > bounds(lower)[1]:
            found.append(Conflict(measure, group[0].scope.strip(), higher, lower))
    return found


def disagree(estimates: Iterable[Figure]) -> bool:
    """True when two figures count the same thing and cannot both be right."""
    return bool(conflicts(estimates))


# -- Headlines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineFigure:
    """What one measure of an incident comes to, as the page words it."""

    measure: str
    low: int | None
    high: int | None
    low_open: bool  # no bottom: "up to 2,000,000"
    high_open: bool  # no top: "over 20,000"
    text: str

    @property
    def has_figure(self) -> bool:
        return self.low is not None or self.high is not None


def _qualifier_word(estimates: Sequence[Figure]) -> str:
    qualifiers = {e.qualifier for e in estimates}
    if len(qualifiers) == 1 and (qualifier := qualifiers.pop()) != Qualifier.EXACT:
        return str(Qualifier(qualifier).label) + " "
    return ""


def _span_text(estimates: Sequence[Figure]) -> tuple[int | None, int | None, str]:
    spans = [bounds(e) for e in estimates]
    lower, upper = min(lo for lo, _ in spans), max(hi for _, hi in spans)
    if upper == INFINITY:
        at_bottom = [e for e in estimates if bounds(e)[0] == lower]
        if all(e.qualifier == Qualifier.OVER for e in at_bottom):
            # Translators: a figure with no top, as the source words it: "over 20,000".
            text = pgettext("figure", "over %(figure)s") % {"figure": number(lower)}
        else:
            # Translators: figures with no top, the lowest of them: "at least 14,000".
            text = pgettext("figure", "at least %(figure)s") % {"figure": number(lower)}
        return int(lower), None, text
    if lower == 0 and any(e.qualifier in OPEN_BELOW and e.low is None for e in estimates):
        at_top = {e.qualifier for e in estimates if bounds(e)[1] == upper}
        # Translators: a qualifier before a figure that has no bottom: "up to 2,000".
        up_to = pgettext("qualifier", "up to")
        word = str(Qualifier(at_top.pop()).label) if len(at_top) == 1 else up_to
        word = up_to if word == str(Qualifier.EXACT.label) else word
        return None, int(upper), f"{word} {number(upper)}"
    if lower == upper:
        return int(lower), int(upper), _qualifier_word(estimates) + number(lower)
    about = _about() if all(e.qualifier == Qualifier.ABOUT for e in estimates) else ""
    return int(lower), int(upper), f"{about}{number(lower)} – {number(upper)}"


def _about() -> str:
    # Translators: before an approximate figure or range: "about 1,400", "about 120 – 150".
    return pgettext("qualifier", "about") + " "


def _hedge(estimates: Sequence[Figure]) -> str:
    """The doubt the table shows beside a figure, carried into the headline."""
    contested = sum(1 for e in estimates if e.assessment == Assessment.CONTESTED)
    if not contested:
        return ""
    if contested == len(estimates):
        # Translators: after a headline whose every figure the editors judged contested.
        return " (" + pgettext("assessment", "contested") + ")"
    # Translators: after a headline: how many of its figures the editors judged contested.
    return " " + ngettext(
        "(%(contested)s of %(count)s figure contested)",
        "(%(contested)s of %(count)s figures contested)",
        len(estimates),
    ) % {"contested": contested, "count": len(estimates)}


def figure_text(estimate: Figure) -> str:
    """One count in words: "over 5,000", "9,254 – 10,861", "about 120"."""
    return _span_text([estimate])[2]


def _scoped(estimate: Figure) -> str:
    scope = estimate.scope.strip()
    text = figure_text(estimate)
    if scope:  # "406 Wehrmacht soldiers", "60,000 in Polish camps", "1,803,392 (1930–1931)"
        text += f" ({scope})" if scope[0].isdigit() else f" {scope}"
    if estimate.per:
        # Translators: a rate's period after its figure: "ten girls a day" (Per: day, week…).
        text += " " + pgettext("rate", "a %(period)s") % {"period": Per(estimate.per).label}
    return text


def share_text(share: Figure, whole: Figure | None) -> str:
    """A share as the page words it: "at least 33.33 % of 320,000 captured"."""
    low, high = share.share_low, share.share_high
    if low is not None and high is not None and low != high:
        percent = f"{percent_text(low)} – {percent_text(high)} %"
    else:
        percent = _qualifier_word([share]) + f"{percent_text(low if low is not None else high)} %"
    scope = share.scope.strip()
    who = f"{scope}: " if scope else ""
    if whole is None:
        # Translators: a share of another figure of the incident, named by its reference.
        return who + gettext("%(percent)s of figure “%(reference)s”") % {
            "percent": percent,
            "reference": share.share_of,
        }
    # Translators: a share of another figure: "at least 33.33 % of 320,000 captured".
    return who + gettext("%(percent)s of %(figure)s %(measure)s") % {
        "percent": percent,
        "figure": figure_text(whole),
        "measure": measure_label(whole.measure),
    }


def percent_text(value: Decimal | None) -> str:
    """33.33 stays 33.33; 58.00 is 58."""
    if value is None:
        return "–"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def headlines(estimates: Iterable[Figure]) -> list[HeadlineFigure]:
    """Per measure, in the vocabulary's order: the span of the whole counts not rejected, with
    their open bounds; where there is none, what the figures are (a list by group, a share, a
    rate), never an invented total."""
    estimates = [e for e in estimates if kept(e)]
    by_ref = {e.ref: e for e in estimates}
    result = []
    for measure in Measure.values:
        own = [e for e in estimates if e.measure == measure]
        if not own:
            continue
        label = measure_label(measure)
        wholes = [e for e in own if is_whole(e)]
        if wholes:
            low, high, text = _span_text(wholes)
            text = f"{text} {label}{_hedge(wholes)}"
            result.append(HeadlineFigure(measure, low, high, low is None, high is None, text))
            continue
        words = [_scoped(e) for e in own if is_count(e) or e.per]
        words += [share_text(e, by_ref.get(e.share_of)) for e in own if is_share(e)]
        if words:  # parts alone, of a whole that was rejected, say nothing on their own
            # Translators: a measure for which no source gives a figure for all the victims,
            # only figures for parts of them, shares or rates, listed after the colon.
            text = gettext("%(measure)s: no overall figure; given separately: %(figures)s") % {
                "measure": label,
                "figures": "; ".join(words),
            }
            result.append(HeadlineFigure(measure, None, None, False, False, text))
    return result


def derived_count(share: Figure, whole: Figure) -> tuple[int, int | None]:
    """The count a share implies: (low, high), high None when open. Arithmetic, not a
    source's figure: the page labels it as derived."""
    lower, upper = bounds(whole)
    share_low = share.share_low if share.share_low is not None else Decimal(0)
    if share.share_high is not None:
        share_high = share.share_high
    elif share.qualifier in OPEN_ABOVE:
        share_high = Decimal(100)  # "at least one third": up to all of them
    else:
        share_high = share_low
    low = math.floor(lower * float(share_low) / 100)
    high = None if upper == INFINITY else math.ceil(upper * float(share_high) / 100)
    return low, high


def derived_text(share: Figure, whole: Figure) -> str:
    """The derived count in words, keeping the whole's and the share's hedges: "about 1,400",
    "almost 870,000", "at least 3,000", "106,656 – 320,000"."""
    low, high = derived_count(share, whole)
    about = _about() if Qualifier.ABOUT in (share.qualifier, whole.qualifier) else ""
    if high is None:
        return pgettext("figure", "at least %(figure)s") % {"figure": f"{about}{number(low)}"}
    if low == 0 and whole.qualifier in OPEN_BELOW and whole.low is None:
        return f"{Qualifier(whole.qualifier).label} {about}{number(high)}"
    if low == high:
        return f"{about}{number(low)}"
    return f"{about}{number(low)} – {number(high)}"


# -- Relations, checked across the figures of one version -----------------------------------


def relation_errors(estimates: Iterable[Figure]) -> dict[str, dict[str, str]]:
    """What is wrong with the parts and shares of one version's figures, per ref and field.

    The database checks each row on its own; what needs the other figures is checked here,
    by the admin, the import and the workflow alike."""
    estimates = list(estimates)
    by_ref = {e.ref: e for e in estimates}
    errors: dict[str, dict[str, str]] = {}
    for estimate in estimates:
        mine = errors.setdefault(estimate.ref, {})
        if estimate.part_of:
            whole = by_ref.get(estimate.part_of)
            if whole is None:
                mine["part_of"] = gettext(
                    "“{ref}” is not a figure of this incident: a part breaks down a figure of "
                    "the same incident (give the ref of that figure)."
                ).format(ref=estimate.part_of)
            elif not is_count(whole) and not whole.part_of:
                mine["part_of"] = gettext(
                    "“{ref}” is a share or a rate: a part breaks down a count of people."
                ).format(ref=whole.ref)
            elif whole.measure != estimate.measure:
                mine["part_of"] = gettext(
                    # Translators: {whole} and {part} are measures, e.g. "killed", "deported".
                    "“{ref}” counts people {whole}, this figure people {part}: a part has its "
                    "whole's measure."
                ).format(
                    ref=whole.ref,
                    whole=measure_label(whole.measure),
                    part=measure_label(estimate.measure),
                )
            elif bounds(estimate)[0] > bounds(whole)[1]:
                mine["part_of"] = gettext(
                    "This part ({part}) is more than its whole “{ref}” ({whole}) allows."
                ).format(part=estimate.as_written, ref=whole.ref, whole=whole.as_written)
            if not estimate.scope.strip():
                mine["scope"] = gettext(
                    "Say which part of the whole this figure counts, e.g. “girls”."
                )
        if estimate.share_of:
            whole = by_ref.get(estimate.share_of)
            if whole is None:
                mine["share_of"] = gettext(
                    "“{ref}” is not a figure of this incident: a share is taken of a figure of "
                    "the same incident (give the ref of that figure)."
                ).format(ref=estimate.share_of)
            elif is_share(whole) or whole.per:
                mine["share_of"] = gettext(
                    "“{ref}” is itself a share or a rate: a share is taken of a count."
                ).format(ref=whole.ref)
        if estimate.per and estimate.part_of:
            mine["per"] = gettext("A rate cannot be a part of a count: clear “part of” or “per”.")
    for estimate in estimates:
        seen = [estimate.ref]
        current = estimate
        while current.part_of and current.part_of in by_ref:
            current = by_ref[current.part_of]
            if current.ref in seen:
                chain = " → ".join([*seen, current.ref])
                errors[estimate.ref]["part_of"] = (
                    f"These figures are parts of one another in a circle ({chain}): one of "
                    "them must be the whole."
                )
                break
            seen.append(current.ref)
    return {ref: fields for ref, fields in errors.items() if fields}
