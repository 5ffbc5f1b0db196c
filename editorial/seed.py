"""Load the seed content (fixtures/seed/*.csv) into an empty archive with the project's own
import, then take the versions this load created, and only those, through the real workflow:
submitted by the contributor, each figure verified and the version approved by the reviewer,
published by the publisher. Those steps are recorded as the seed's (channel ``seed``): the
project checked its fixtures against the article; no person of this archive reviewed them.

An archive that holds anything already (the seed itself, or editors' own work) is left exactly
as it is: the import would otherwise write over editors' drafts and shared records."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils.translation import gettext

from archive.models import (
    OPEN_STATES,
    Actor,
    Context,
    Incident,
    IncidentAlias,
    IncidentVersion,
    Place,
    Proceeding,
    Source,
    State,
    VictimGroup,
)
from editorial import resources, services
from editorial.models import Channel
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

# What the seed's files write to (the categories are the migrations'): the seed is loaded
# only when the archive holds none of it.
SEED_RECORDS: list[tuple[type[models.Model], str]] = [
    (Incident, "incident(s)"),
    (Source, "source(s)"),
    (Place, "place(s)"),
    (Actor, "actor(s)"),
    (Context, "context(s)"),
    (VictimGroup, "victim group(s)"),
    (Proceeding, "proceeding(s)"),
]

SEED_LOADED = "Seed content, loaded from the project's fixtures (fixtures/seed/) by the demo."
SEED_REVIEW = (
    "Seed content: every figure was checked against the article by the project before it went "
    "into its fixtures; not verified by a person of this archive."
)


class SeedError(Exception):
    pass


def seed_dir() -> Path:
    return settings.BASE_DIR / "fixtures" / "seed"


@transaction.atomic
def load_seed(
    *, contributor: User, reviewer: User, publisher: User, directory: Path | None = None
) -> str:
    """Load and publish the seed into an empty archive; on any other, change nothing and say
    what was left alone. One transaction: the seed is loaded whole or not at all."""
    directory = directory or seed_dir()
    held = [(model._default_manager.count(), label) for model, label in SEED_RECORDS]
    held = [(count, label) for count, label in held if count]
    if held:
        return left_alone(directory, held)
    lines = []
    created: set[int] = set()
    for file_name, resource_class in SEED_FILES:
        path = directory / file_name
        dataset = read_upload(path.name, path.read_bytes())
        resource = resource_class()
        result = resource.import_data(
            dataset, user=contributor, file_name=file_name, channel=Channel.SEED
        )
        if result.has_errors() or result.has_validation_errors():
            errors = [str(e.error) for e in result.base_errors]
            raise SeedError(
                gettext("{file} could not be imported:\n{errors}").format(
                    file=file_name, errors="\n".join(errors)
                )
            )
        created |= set(resource.touched)  # the archive was empty: every version is this load's
        totals = result.totals
        lines.append(
            f"{file_name}: {totals['new']} new, {totals['update']} updated, "
            f"{totals['skip']} unchanged"
        )
    published = publish_seed_versions(
        version_ids=created, contributor=contributor, reviewer=reviewer, publisher=publisher
    )
    lines.append(f"published through the workflow: {published} incident version(s)")
    return "\n".join(lines)


def left_alone(directory: Path, held: list[tuple[int, str]]) -> str:
    """What the demo found and did not touch, in a sentence for the console."""
    counts = dict(
        IncidentVersion.objects.open().order_by().values_list("state").annotate(models.Count("pk"))
    )
    open_versions = ", ".join(
        f"{counts[state]} {State(state).label}" for state in OPEN_STATES if counts.get(state)
    )
    untouched = (
        f"open versions left untouched: {open_versions}." if open_versions else "no open versions."
    )
    path = directory / "incidents.csv"
    slugs = {
        slug.strip()
        for slug in read_upload(path.name, path.read_bytes())["slug"]
        if slug and slug.strip()
    }
    found = set(Incident.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    found |= set(IncidentAlias.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if found == slugs:
        incidents = Incident.objects.count()
        return (
            f"The archive already holds the seed content ({incidents} incidents): left as it "
            f"is; {untouched}"
        )
    holdings = ", ".join(f"{count} {label}" for count, label in held)
    return (
        "The seed content is loaded only into an empty archive; this one already holds "
        f"{holdings}: nothing was loaded or changed; {untouched}"
    )


def publish_seed_versions(
    *, version_ids: set[int], contributor: User, reviewer: User, publisher: User
) -> int:
    """Submit, verify, approve and publish the drafts the seed's load just created, one step
    per role, each recorded as the seed's."""
    versions = list(
        IncidentVersion.objects.filter(pk__in=version_ids).select_related("incident").order_by("pk")
    )
    not_new = [v.incident.slug for v in versions if v.state != State.DRAFT or v.number != 1]
    if len(versions) != len(version_ids) or not_new:
        raise SeedError(
            gettext("The seed's load did not create these versions: {slugs}.").format(
                slugs=not_new[:10]
            )
        )
    for version in versions:
        services.version_submit(
            version=version, user=contributor, comment=SEED_LOADED, channel=Channel.SEED
        )
        for estimate in version.estimates.all():
            services.estimate_verify(estimate=estimate, user=reviewer, channel=Channel.SEED)
        services.version_approve(
            version=version, user=reviewer, comment=SEED_REVIEW, channel=Channel.SEED
        )
        services.version_publish(version=version, user=publisher, channel=Channel.SEED)
    return len(versions)
