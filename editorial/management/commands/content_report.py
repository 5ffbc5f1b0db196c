"""Per section of the source article: each published incident's headline, every figure with
what it counts (parts under their whole, shares with their derived count, rates) and every
conflict with its reason, so the archive can be read against the article in one sitting."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.core.management.base import BaseCommand, CommandParser

from archive.estimates import Figure, Row, is_share, is_whole, percent_text, summarise
from archive.models import Citation, Estimate, IncidentVersion

ARTICLE = "wikipedia-soviet-war-crimes"


class Command(BaseCommand):
    help = "List, per article section, the published incidents and the figures recorded."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", default=ARTICLE, help="Source key of the article.")

    def handle(self, *args: object, **options: object) -> None:
        versions = (
            IncidentVersion.objects.published()
            .select_related("incident")
            .prefetch_related("estimates")
            .order_by("date_earliest", "title")
        )
        sections: dict[str, list[IncidentVersion]] = defaultdict(list)
        citations = Citation.objects.filter(
            source__key=options["source"], estimate__isnull=True, version__in=versions
        ).values_list("version_id", "locator")
        section_of: dict[int, str] = {}
        for version_id, locator in citations:
            section_of.setdefault(version_id, locator or "(no section)")
        for version in versions:
            sections[section_of.get(version.pk, "(not cited to the article)")].append(version)
        total_incidents = total_figures = flagged = 0
        kinds: Counter[str] = Counter()
        for section in sorted(sections):
            self.stdout.write(f"\n## {section}")
            for version in sections[section]:
                total_incidents += 1
                flagged += version.has_conflict
                self.stdout.write(
                    f"\n- {version.title} [{version.incident.slug}], "
                    f"{version.date_text} ({version.date})"
                )
                estimates: list[Figure] = list(version.estimates.all())
                for measure in summarise(estimates):
                    if measure.headline:
                        self.stdout.write(f"    headline: {measure.headline.text}")
                    for row in measure.rows:
                        total_figures += 1
                        kind = self.kind(row.estimate)
                        kinds[kind] += 1
                        self.stdout.write(self.figure_line(row, kind))
                    for conflict in measure.conflicts:
                        self.stdout.write(f"    CONFLICT {conflict.reason}")
        self.stdout.write(
            f"\n{total_incidents} incidents, {total_figures} figures in {len(sections)} sections; "
            f"{flagged} incident(s) flagged as conflicting; "
            + ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
            + "."
        )

    @staticmethod
    def kind(estimate: Figure) -> str:
        if is_share(estimate):
            return "share"
        if estimate.per:
            return "rate"
        if estimate.part_of:
            return "part"
        return "whole count" if is_whole(estimate) else "scoped count"

    @staticmethod
    def figure_line(row: Row, kind: str) -> str:
        estimate = row.estimate
        assert isinstance(estimate, Estimate)  # the summary of saved figures
        figures = "/".join(
            "–" if v is None else f"{v:,}" for v in (estimate.low, estimate.best, estimate.high)
        )
        if is_share(estimate):
            figures = f"{percent_text(estimate.share_low)}%/{percent_text(estimate.share_high)}%"
        line = (
            f"    {'  ' * row.depth}{estimate.ref} [{kind}]: {estimate.get_measure_display()} "
            f"“{estimate.as_written}” = {figures} ({estimate.get_qualifier_display()}); "
            f"counts: {row.counts}"
        )
        if row.derived:
            line += f"; derived count {row.derived}"
        return (
            f"{line} — {estimate.claimant}"
            + (f", {estimate.claim_year}" if estimate.claim_year else "")
            + f"; {estimate.get_assessment_display()}"
        )
