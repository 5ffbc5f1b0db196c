"""Per section of the source article: the incidents recorded and every figure, so a reviewer
can check the archive against the article line by line."""

from __future__ import annotations

from collections import defaultdict

from django.core.management.base import BaseCommand

from archive.models import Citation, IncidentVersion

ARTICLE = "wikipedia-soviet-war-crimes"


class Command(BaseCommand):
    help = "List, per article section, the published incidents and the figures recorded."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", default=ARTICLE, help="Source key of the article.")

    def handle(self, *args, **options) -> None:
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
        section_of = {}
        for version_id, locator in citations:
            section_of.setdefault(version_id, locator or "(no section)")
        for version in versions:
            sections[section_of.get(version.pk, "(not cited to the article)")].append(version)
        total_incidents = total_figures = 0
        for section in sorted(sections):
            self.stdout.write(f"\n## {section}")
            for version in sections[section]:
                total_incidents += 1
                self.stdout.write(
                    f"- {version.title} [{version.incident.slug}], "
                    f"{version.date_text} ({version.date})"
                )
                for estimate in version.estimates.all():
                    total_figures += 1
                    figures = "/".join(
                        "–" if v is None else f"{v:,}"
                        for v in (estimate.low, estimate.best, estimate.high)
                    )
                    self.stdout.write(
                        f"    {estimate.ref}: {estimate.get_measure_display()} "
                        f"“{estimate.as_written}” = {figures} ({estimate.get_qualifier_display()})"
                        f" — {estimate.claimant}; {estimate.get_assessment_display()}"
                    )
        self.stdout.write(
            f"\n{total_incidents} incidents, {total_figures} figures in {len(sections)} sections."
        )
