"""Load the seed content (fixtures/seed/*.csv) into an empty archive with the project's own
import, then take the versions this load created, and only those, through the real workflow:
submitted by the contributor, each figure verified and the version approved by the reviewer,
published by the publisher. Those steps are recorded as the seed's (channel ``seed``): the
project checked its fixtures against the article; no person of this archive reviewed them.

An archive that holds anything already (the seed itself, or editors' own work) is left exactly
as it is: the import would otherwise write over editors' drafts and shared records."""

from __future__ import annotations

from collections.abc import Callable
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
SEED_EARLIER = (
    "Seed content: the text as the project's fixtures had it before commit {commit} corrected "
    "it; the demo publishes it first, then replays that correction."
)
SEED_CORRECTION_EDIT = (
    "Seed content: the text as the project's fixtures have it since commit {commit} corrected "
    "it, replayed by the demo."
)
SEED_CORRECTED = (
    "Seed content: the project's own correction of its fixtures (commit {commit}), replayed by "
    "the demo; every figure as in the version it corrects."
)
SEED_TRANSLATED = (
    "Seed content: translated by the project from the English text of its fixtures "
    "(fixtures/seed/translations.csv)."
)
SEED_TRANSLATION_REVIEW = (
    "Seed content: the translation was checked against the English text by the project before "
    "it went into its fixtures; not reviewed by a person of this archive."
)
SEED_REVIEW = (
    "Seed content: every figure was checked against the article by the project before it went "
    "into its fixtures; not verified by a person of this archive."
)
SEED_CORRECTION_REVIEW = (
    "Seed content: the project checked its correction (commit {commit}) of the text against the "
    "article before it went into its fixtures; not reviewed by a person of this archive. The "
    "figures are those of the version it corrects."
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
    corrections = read_rows(directory / "corrections.csv")
    corrected = take_earlier_text(
        version_ids=created, corrections=corrections, contributor=contributor
    )
    published = publish_seed_versions(
        version_ids=created, contributor=contributor, reviewer=reviewer, publisher=publisher
    )
    lines.append(f"published through the workflow: {published} incident version(s)")
    translated = publish_seed_translations(
        rows=read_rows(directory / "translations.csv"),
        contributor=contributor,
        reviewer=reviewer,
        publisher=publisher,
    )
    lines.append(f"translations published through the workflow: {translated}")
    replayed = replay_corrections(
        corrections=corrections,
        corrected=corrected,
        contributor=contributor,
        reviewer=reviewer,
        publisher=publisher,
    )
    lines.append(f"corrections of the fixtures replayed: {replayed}")
    return "\n".join(lines)


def read_rows(path: Path) -> list[dict[str, str]]:
    """A seed CSV file's rows (an absent file: none)."""
    if not path.exists():
        return []
    dataset = read_upload(path.name, path.read_bytes())
    return [dict(zip(dataset.headers or [], row, strict=True)) for row in dataset]


def take_earlier_text(
    *, version_ids: set[int], corrections: list[dict[str, str]], contributor: User
) -> dict[str, dict[str, str]]:
    """Give the new drafts named in corrections.csv the text the project's fixtures had before
    it corrected them (commit named there), so that the demo publishes that text first and
    then the correction, as it happened: a translation made of the earlier text is then out
    of date. Returns the fixtures' current text of each field, to correct them back."""
    current: dict[str, dict[str, str]] = {}
    drafts = IncidentVersion.objects.filter(pk__in=version_ids).select_related("incident")
    by_slug = {version.incident.slug: version for version in drafts}
    for row in corrections:
        version = by_slug.get(row["slug"])
        if version is None:
            raise SeedError(f"corrections.csv names {row['slug']}, which the seed has not.")
        field = row["field"]
        current.setdefault(row["slug"], {})[field] = getattr(version, field)
        version = IncidentVersion.objects.get(pk=version.pk)
        services.version_edit(
            version=version,
            user=contributor,
            seen_lock_version=version.lock_version,
            fields={field: row["earlier"]},
            apply=seed_note(SEED_EARLIER.format(commit=row["commit"])),
            channel=Channel.SEED,
        )
    return current


def seed_note(note: str) -> Callable[[IncidentVersion], services.EditMade]:
    """What an edit of the seed says in its history entry, beside the fields it changed."""

    def made(version: IncidentVersion) -> services.EditMade:
        return services.EditMade(changes={"seed": note})

    return made


def publish_seed_translations(
    *, rows: list[dict[str, str]], contributor: User, reviewer: User, publisher: User
) -> int:
    """Write, submit, approve and publish the seed's translations of published versions, one
    step per role, each recorded as the seed's."""
    for row in rows:
        version = IncidentVersion.objects.published().get(incident__slug=row["slug"])
        translation = services.translation_create(
            version=version,
            language=row["language"],
            user=contributor,
            fields={"title": row["title"], "summary": row["summary"]},
            channel=Channel.SEED,
        )
        services.translation_submit(
            translation=translation, user=contributor, comment=SEED_TRANSLATED, channel=Channel.SEED
        )
        services.translation_approve(
            translation=translation,
            user=reviewer,
            comment=SEED_TRANSLATION_REVIEW,
            channel=Channel.SEED,
        )
        services.translation_publish(translation=translation, user=publisher, channel=Channel.SEED)
    return len(rows)


def replay_corrections(
    *,
    corrections: list[dict[str, str]],
    corrected: dict[str, dict[str, str]],
    contributor: User,
    reviewer: User,
    publisher: User,
) -> int:
    """Publish the fixtures' current text of each incident in corrections.csv as a new
    version, through the workflow, with the project's note for the public corrections log."""
    for row in corrections:
        incident = Incident.objects.get(slug=row["slug"])
        commit = row["commit"]
        draft = services.version_start_draft(
            incident=incident, user=contributor, channel=Channel.SEED
        )
        services.version_edit(
            version=draft,
            user=contributor,
            seen_lock_version=draft.lock_version,
            fields=corrected[row["slug"]],
            apply=seed_note(SEED_CORRECTION_EDIT.format(commit=commit)),
            channel=Channel.SEED,
        )
        services.version_submit(
            version=draft,
            user=contributor,
            comment=SEED_CORRECTED.format(commit=commit),
            channel=Channel.SEED,
        )
        services.version_approve(
            version=draft,
            user=reviewer,
            comment=SEED_CORRECTION_REVIEW.format(commit=commit),
            channel=Channel.SEED,
        )
        services.version_publish(
            version=draft, user=publisher, note=row["note"], channel=Channel.SEED
        )
    return len(corrections)


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
