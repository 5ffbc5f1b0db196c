"""Load the seed content (fixtures/seed/*.csv) with the project's own import, then take every
new draft through the real workflow: submitted by the contributor, each figure verified and
the version approved by the reviewer, published by the publisher."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from archive.models import IncidentVersion, State
from editorial import resources, services
from editorial.uploads import read_upload

# In dependency order: what a file refers to is imported before it.
SEED_FILES = [
    ("sources.csv", resources.SourceResource),
    ("places.csv", resources.PlaceResource),
    ("actors.csv", resources.ActorResource),
    ("incidents.csv", resources.IncidentResource),
    ("estimates.csv", resources.EstimateResource),
    ("citations.csv", resources.CitationResource),
    ("proceedings.csv", resources.ProceedingResource),
]


class SeedError(Exception):
    pass


def seed_dir() -> Path:
    return settings.BASE_DIR / "fixtures" / "seed"


@transaction.atomic
def load_seed(
    *, contributor: User, reviewer: User, publisher: User, directory: Path | None = None
) -> str:
    directory = directory or seed_dir()
    lines = []
    for file_name, resource_class in SEED_FILES:
        path = directory / file_name
        dataset = read_upload(path.name, path.read_bytes())
        result = resource_class().import_data(dataset, user=contributor, file_name=file_name)
        if result.has_errors() or result.has_validation_errors():
            errors = [str(e.error) for e in result.base_errors]
            raise SeedError(f"{file_name} could not be imported:\n" + "\n".join(errors))
        totals = result.totals
        lines.append(
            f"{file_name}: {totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged"
        )
    published = publish_drafts(contributor=contributor, reviewer=reviewer, publisher=publisher)
    lines.append(f"published through the workflow: {published} incident version(s)")
    return "\n".join(lines)


def publish_drafts(*, contributor: User, reviewer: User, publisher: User) -> int:
    """Submit, verify, approve and publish the contributor's drafts, one step per role."""
    drafts = IncidentVersion.objects.filter(state=State.DRAFT).select_related("incident")
    count = 0
    for version in drafts:
        services.version_submit(version=version, user=contributor, comment="Seed content.")
        for estimate in version.estimates.all():
            services.estimate_verify(estimate=estimate, user=reviewer)
        services.version_approve(
            version=version, user=reviewer, comment="Every figure checked against the article."
        )
        previous = version.incident.versions.published().exists()
        services.version_publish(
            version=version,
            user=publisher,
            note="Seed content updated from the article." if previous else "",
        )
        count += 1
    return count
