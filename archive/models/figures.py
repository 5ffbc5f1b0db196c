"""Estimates: the figures of a version, as each claimant gives them, the citations that
support them and the headline numbers kept at publication."""

from __future__ import annotations

import hashlib
from collections.abc import Container, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from archive.models.records import DATA_PERMISSIONS
from archive.models.states import State


class Measure(models.TextChoices):
    # Translators: the measures are what a figure counts, read after a number: "4,421
    # killed", "1.2 million deported". Use the form that reads after a number of people.
    KILLED = "killed", pgettext_lazy("measure", "killed")
    # Deaths of any cause where the source does not say the victims were killed: hunger,
    # disease, cold, transport. Deaths in camps and prisons are ``died_in_custody``.
    DIED = "died", pgettext_lazy("measure", "died")
    DIED_IN_CUSTODY = "died_in_custody", pgettext_lazy("measure", "died in custody")
    DEPORTED = "deported", pgettext_lazy("measure", "deported")
    RAPED = "raped", pgettext_lazy("measure", "raped")
    INJURED = "injured", pgettext_lazy("measure", "injured")
    MISSING = "missing", pgettext_lazy("measure", "missing")
    CAPTURED = "captured", pgettext_lazy("measure", "captured")
    AFFECTED = "affected", pgettext_lazy("measure", "affected")


class Qualifier(models.TextChoices):
    # Translators: qualifiers come before a figure as its source words it: "about 1,400",
    # "at least 14,000", "over 20,000" (more than), "up to 2,000", "almost 1,000" (a little
    # below); "exact" means the figure is given as it is.
    EXACT = "exact", pgettext_lazy("qualifier", "exact")
    ABOUT = "about", pgettext_lazy("qualifier", "about")
    AT_LEAST = "at_least", pgettext_lazy("qualifier", "at least")
    OVER = "over", pgettext_lazy("qualifier", "over")
    AT_MOST = "at_most", pgettext_lazy("qualifier", "at most")
    UP_TO = "up_to", pgettext_lazy("qualifier", "up to")
    # "nearly 1,000", "almost 780,000": a little below the figure, how far not said.
    ALMOST = "almost", pgettext_lazy("qualifier", "almost")


class Per(models.TextChoices):
    """The period of a rate (“10 girls each day”): a rate is never summed or compared with a
    count."""

    DAY = "day", pgettext_lazy("period", "day")
    WEEK = "week", pgettext_lazy("period", "week")
    MONTH = "month", pgettext_lazy("period", "month")
    YEAR = "year", pgettext_lazy("period", "year")


class Assessment(models.TextChoices):
    # Translators: the editors' judgement of a figure against the others: preferred (the most
    # credible), accepted, contested (doubted, with a reason), rejected (left out of totals).
    PREFERRED = "preferred", pgettext_lazy("assessment", "preferred")
    ACCEPTED = "accepted", pgettext_lazy("assessment", "accepted")
    CONTESTED = "contested", pgettext_lazy("assessment", "contested")
    REJECTED = "rejected", pgettext_lazy("assessment", "rejected")


class ClaimantPosition(models.TextChoices):
    PERPETRATOR_STATE = (
        "perpetrator_state",
        pgettext_lazy("claimant position", "the perpetrator state's own records"),
    )
    VICTIM_SIDE = (
        "victim_side",
        pgettext_lazy("claimant position", "the victims' side or their state"),
    )
    INDEPENDENT_SCHOLARSHIP = (
        "independent_scholarship",
        pgettext_lazy("claimant position", "independent scholarship"),
    )
    COURT = "court", pgettext_lazy("claimant position", "a court")
    INTERNATIONAL_BODY = (
        "international_body",
        pgettext_lazy("claimant position", "an international body"),
    )
    JOURNALISM = "journalism", pgettext_lazy("claimant position", "journalism")
    WITNESS = "witness", pgettext_lazy("claimant position", "a witness")
    UNKNOWN = "unknown", pgettext_lazy("claimant position", "not stated")


class Verification(models.TextChoices):
    # Translators: whether a second editor checked a figure against its citation: verified
    # means the source really says it, not that the source is right.
    UNVERIFIED = "unverified", pgettext_lazy("verification", "unverified")
    VERIFIED = "verified", pgettext_lazy("verification", "verified")
    QUERIED = "queried", pgettext_lazy("verification", "queried")


class EstimateQuerySet(models.QuerySet["Estimate"]):
    def published(self) -> EstimateQuerySet:
        """The figures of published versions."""
        return self.filter(version__state=State.PUBLISHED)

    def not_verified(self) -> EstimateQuerySet:
        return self.exclude(verification=Verification.VERIFIED)

    def get_by_natural_key(self, slug: str, number: int, ref: str) -> Estimate:
        return self.get(version__incident__slug=slug, version__number=number, ref=ref)


class Estimate(models.Model):
    """One published figure for one measure of one incident, as one claimant gives it."""

    version = models.ForeignKey(
        "archive.IncidentVersion", on_delete=models.CASCADE, related_name="estimates"
    )
    ref = models.SlugField(
        max_length=100, help_text=_("Stable key that follows the estimate from version to version.")
    )
    measure = models.CharField(max_length=20, choices=Measure, default=Measure.KILLED)
    low = models.BigIntegerField(null=True, blank=True)
    best = models.BigIntegerField(null=True, blank=True)
    high = models.BigIntegerField(null=True, blank=True)
    qualifier = models.CharField(max_length=10, choices=Qualifier, default=Qualifier.EXACT)
    as_written = models.CharField(
        _("figure as written"), max_length=200, help_text=_("e.g. “about 1.0 million”, “44–3,000”.")
    )
    claimant = models.CharField(
        max_length=300, help_text=_("Who gives the figure, e.g. Soviet archives.")
    )
    claimant_position = models.CharField(
        max_length=30, choices=ClaimantPosition, default=ClaimantPosition.UNKNOWN
    )
    claim_year = models.PositiveSmallIntegerField(null=True, blank=True)
    assessment = models.CharField(max_length=10, choices=Assessment, default=Assessment.ACCEPTED)
    assessment_reason = models.TextField(
        blank=True, help_text=_("Required when the estimate is contested or rejected.")
    )
    source = models.ForeignKey(
        "archive.Source",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="estimates",
        help_text=_("Where the figure is published."),
    )
    locator = models.CharField(max_length=200, blank=True, help_text=_("e.g. pp. 70–71."))
    quote = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    # What the figure counts (archive/estimates.py draws the consequences: only figures that
    # count the same thing can disagree, and only whole counts make a headline or a total).
    scope = models.CharField(
        max_length=200,
        blank=True,
        help_text=_(
            "When the figure counts only some of the victims: a group, a period or a place "
            "(“girls”, “1930–1931”). Empty: all the victims of this measure."
        ),
    )
    part_of = models.SlugField(
        _("part of"),
        max_length=100,
        blank=True,
        help_text=_(
            "The ref of the figure of this incident that this one breaks down (the 20 girls "
            "of the 360 shot)."
        ),
    )
    share_low = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a proportion: the lowest percentage (one third is 33.33)."),
    )
    share_high = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For a proportion: the highest percentage."),
    )
    share_of = models.SlugField(
        _("share of"),
        max_length=100,
        blank=True,
        help_text=_("The ref of the figure of this incident that the percentage is taken of."),
    )
    per = models.CharField(
        max_length=5,
        choices=Per,
        blank=True,
        help_text=_("For a rate (“10 each day”): the period. Rates are never summed."),
    )

    verification = models.CharField(
        max_length=12, choices=Verification, default=Verification.UNVERIFIED, editable=False
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)
    query_note = models.TextField(blank=True, editable=False)

    objects = EstimateQuerySet.as_manager()
    footnotes: list[int]  # set on the incident page: the numbers of its citations' notes

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["version", "measure", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "ref"], name="estimate_ref_unique_in_version"
            ),
            models.CheckConstraint(condition=Q(low__gte=0), name="estimate_low_non_negative"),
            models.CheckConstraint(condition=Q(best__gte=0), name="estimate_best_non_negative"),
            models.CheckConstraint(condition=Q(high__gte=0), name="estimate_high_non_negative"),
            models.CheckConstraint(condition=Q(low__lte=F("best")), name="estimate_low_le_best"),
            models.CheckConstraint(condition=Q(best__lte=F("high")), name="estimate_best_le_high"),
            models.CheckConstraint(condition=Q(low__lte=F("high")), name="estimate_low_le_high"),
            models.CheckConstraint(
                condition=Q(low__isnull=False)
                | Q(best__isnull=False)
                | Q(high__isnull=False)
                | Q(share_low__isnull=False)
                | Q(share_high__isnull=False),
                name="estimate_has_a_figure",
            ),
            # A share is a percentage of another figure: the count it implies is arithmetic,
            # never stored as if a source had given it.
            models.CheckConstraint(
                condition=(
                    Q(share_low__isnull=True, share_high__isnull=True, share_of="")
                    | (
                        (Q(share_low__isnull=False) | Q(share_high__isnull=False))
                        & ~Q(share_of="")
                        & Q(low__isnull=True, best__isnull=True, high__isnull=True)
                        & Q(part_of="", per="")
                    )
                ),
                name="estimate_share_is_a_share",
            ),
            models.CheckConstraint(
                condition=Q(share_low__gte=0, share_low__lte=100) | Q(share_low__isnull=True),
                name="estimate_share_low_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(share_high__gte=0, share_high__lte=100) | Q(share_high__isnull=True),
                name="estimate_share_high_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(share_low__lte=F("share_high")),
                name="estimate_share_low_le_high",
            ),
            models.CheckConstraint(
                condition=~Q(part_of=F("ref")) & ~Q(share_of=F("ref")),
                name="estimate_not_related_to_itself",
            ),
            models.CheckConstraint(
                condition=Q(assessment__in=[Assessment.PREFERRED, Assessment.ACCEPTED])
                | ~Q(assessment_reason=""),
                name="estimate_doubt_has_a_reason",
            ),
            models.CheckConstraint(
                condition=~Q(verification=Verification.VERIFIED)
                | Q(verified_by__isnull=False, verified_at__isnull=False),
                name="estimate_verified_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        # Plain values, not translated labels: imports print thousands of these.
        return f"{self.as_written} {self.measure.replace('_', ' ')} ({self.claimant})"

    def clean(self) -> None:
        """Say what is wrong with the figures and how to write them instead."""
        errors: dict[str, str] = {}
        figures = {"low": self.low, "best": self.best, "high": self.high}
        for name, value in figures.items():
            if value is not None and value < 0:
                errors[name] = gettext(
                    "{value} is negative. Figures count people: enter 0 or more, and put any "
                    "wording in “figure as written”."
                ).format(value=value)
        shares = {"share_low": self.share_low, "share_high": self.share_high}
        is_share = any(value is not None for value in shares.values())
        if all(value is None for value in figures.values()) and not is_share:
            errors["best"] = gettext(
                "Enter at least one figure: best for a single number, low and high for a range "
                "(“44–3,000” is low 44, high 3000), low alone for “over 20,000”; or a share "
                "low/high in percent with the figure it is a share of."
            )
        for name, share in shares.items():
            if share is not None and not 0 <= share <= 100:
                errors[name] = gettext(
                    # xgettext:no-python-format ("% is" is text here, not a %-directive)
                    "{share} % is not a share: enter a percentage from 0 to 100 "
                    "(one third is 33.33)."
                ).format(share=share)
        if (
            not errors.keys() & shares.keys()
            and self.share_low is not None
            and self.share_high is not None
            and self.share_low > self.share_high
        ):
            errors["share_low"] = gettext(
                "Share low ({low} %) is above share high ({high} %): swap them."
            ).format(low=self.share_low, high=self.share_high)
        if is_share and not self.share_of:
            errors["share_of"] = gettext(
                "Say which figure of this incident the percentage is taken of: its ref."
            )
        if self.share_of and not is_share:
            errors["share_low"] = gettext(
                "Enter the percentage (share low and/or high), or clear “share of”."
            )
        if is_share and any(value is not None for value in figures.values()):
            errors.setdefault(
                "best",
                gettext(
                    "A share is given as a percentage: leave low, best and high empty. The page "
                    "shows the count it implies as derived arithmetic, not as the source's figure."
                ),
            )
        if is_share and (self.part_of or self.per):
            errors["share_of"] = gettext(
                "A share cannot also be a part or a rate: enter one of part of, share or per."
            )
        if self.ref and self.ref in (self.part_of, self.share_of):
            field = "part_of" if self.part_of == self.ref else "share_of"
            errors[field] = gettext("A figure cannot be a part or a share of itself.")
        pairs = [
            # Translators: low, best and high are the three numbers of an estimate (its lower
            # bound, best figure and upper bound), as the form's fields are named.
            ("low", "best", gettext_noop("Low ({a}) is above best ({b}).")),
            ("best", "high", gettext_noop("Best ({a}) is above high ({b}).")),
            ("low", "high", gettext_noop("Low ({a}) is above high ({b}).")),
        ]
        for smaller, larger, above in pairs:
            a, b = figures[smaller], figures[larger]
            if a is not None and b is not None and a > b and smaller not in errors:
                errors[smaller] = (
                    gettext(above).format(a=f"{a:,}", b=f"{b:,}")
                    + " "
                    + gettext("Low ≤ best ≤ high: swap them, or check for a mistyped digit.")
                )
        if (
            self.assessment in (Assessment.CONTESTED, Assessment.REJECTED)
            and not (self.assessment_reason or "").strip()
        ):
            errors["assessment_reason"] = (
                gettext("Say why this estimate is contested: readers see the reason beside it.")
                if self.assessment == Assessment.CONTESTED
                else gettext("Say why this estimate is rejected: readers see the reason beside it.")
            )
        if errors:
            raise ValidationError(errors)

    def natural_key(self) -> tuple[str, int, str]:
        return (*self.version.natural_key(), self.ref)

    natural_key.dependencies = ["archive.incidentversion"]  # type: ignore[attr-defined]


def estimate_ref(
    *,
    incident: str,
    measure: str,
    claim: Sequence[str] | None = None,
    taken: Container[str] = frozenset(),
) -> str:
    """The ref of a figure entered without one: the incident's slug, the measure, then

    - with ``claim`` (what identifies it: measure, claimant, as written, source, locator), a
      digest of it, so that an import read again finds the same figure (katyn-killed-1f0e2c9a);
    - else the first number no other figure of the version has ``taken`` (katyn-killed-1), for
      a figure typed into the admin or generated.
    """
    stem = slugify(f"{incident}-{measure or 'figure'}")[:REF_STEM_LENGTH]
    if claim is not None:
        return f"{stem}-{hashlib.blake2s('|'.join(claim).encode()).hexdigest()[:8]}"
    number = 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


# Room for the number or the digest after the stem, within the ref's 100 characters.
REF_STEM_LENGTH = 90


class Citation(models.Model):
    """Links a version (and optionally one of its estimates) to a source."""

    version = models.ForeignKey(
        "archive.IncidentVersion", on_delete=models.CASCADE, related_name="citations"
    )
    estimate = models.ForeignKey(
        Estimate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="citations",
        help_text=_("Leave empty for a citation of the incident as a whole."),
    )
    source = models.ForeignKey("archive.Source", on_delete=models.PROTECT, related_name="citations")
    locator = models.CharField(max_length=200, blank=True, help_text=_("e.g. pp. 70–71."))
    quote = models.TextField(blank=True)
    note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        default_permissions = DATA_PERMISSIONS
        ordering = ["version", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.source.key}, {self.locator}" if self.locator else self.source.key


class Headline(models.Model):
    """The numbers of one measure's headline of a published version
    (``archive.estimates.headlines``), kept at publication so that totals across incidents are
    one SQL sum. Only what a total adds is kept: the page and the API word the headline from
    the figures each time. A change to the headline rule needs a data migration that derives
    these rows again (as 0013 does)."""

    version = models.ForeignKey(
        "archive.IncidentVersion", on_delete=models.CASCADE, related_name="headlines"
    )
    measure = models.CharField(max_length=20, choices=Measure)
    low = models.BigIntegerField(null=True, blank=True)
    high = models.BigIntegerField(null=True, blank=True)
    high_open = models.BooleanField(default=False)

    class Meta:
        default_permissions = ()
        ordering = ["version", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["version", "measure"], name="headline_one_per_measure"),
            models.CheckConstraint(condition=Q(low__lte=F("high")), name="headline_low_le_high"),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.low}–{'…' if self.high_open else self.high}"
