"""The reference records of the synthetic archive (``bench.synthetic``): places by country with
their other names, actors and their units, victim groups, contexts and sources, made once per
run in batches, each with a slug no other record has."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.text import slugify

from archive.models import (
    Actor,
    Category,
    Context,
    Place,
    Source,
    VictimGroup,
)
from bench.publish import SLUG_PREFIX
from bench.vocabulary import (
    ALSO_CALLED,
    CONTEXTS,
    COUNTRIES,
    FIRST_NAMES,
    GROUP_KINDS,
    JOURNALS,
    NATIONALITIES,
    PUBLISHERS,
    SURNAMES,
    TOP_ACTORS,
    TOPICS,
    UNIT_KINDS,
)


@dataclass
class Reference:
    """The reference records an incident draws on, with their ids."""

    places: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, country
    actors: list[tuple[int, str]] = field(default_factory=list)
    groups: list[tuple[int, str]] = field(default_factory=list)
    contexts: list[tuple[int, str, int, int]] = field(default_factory=list)
    sources: list[tuple[int, str, str, int]] = field(default_factory=list)  # id, key, lead, year
    categories: dict[str, int] = field(default_factory=dict)


def taken_names(model: type[models.Model]) -> set[str]:
    return {name.lower() for name in model.objects.values_list("name", flat=True)}


def unique_slugs(model: type[models.Model], names: Iterable[str]) -> list[str]:
    taken = set(model.objects.values_list("slug", flat=True))
    slugs = []
    for name in names:
        base = slugify(name)[:180] or "item"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def make_reference(*, rnd: random.Random, incidents: int, ref: Reference) -> Reference:
    """Places, actors, victim groups, contexts and sources for ``incidents`` incidents, added to
    ``ref`` with their ids. The same ``rnd`` state makes the same records."""
    n = incidents
    ref.categories = dict(Category.objects.values_list("slug", "pk"))

    # Places: names with their country's letters, most with coordinates.
    place_count = max(40, n // 3)  # most places in a few incidents, as in life
    taken = taken_names(Place)
    names: list[str] = []
    countries: list[tuple] = []
    for _ in range(place_count * 20):
        if len(names) >= place_count:
            break
        country = rnd.choice(COUNTRIES)
        name = (rnd.choice(country[4]) + rnd.choice(country[5])).strip()
        if rnd.random() < 0.25:
            name = f"{rnd.choice(ALSO_CALLED)} {name}"
        if name.lower() not in taken:
            taken.add(name.lower())
            names.append(name)
            countries.append(country)
    # Past what the syllables allow, number the hamlets: "Łękowo 2".
    base_count = len(names)
    while len(names) < place_count:
        k = len(names)
        name = f"{names[k % base_count]} {k // base_count + 1}"
        if name.lower() not in taken:
            taken.add(name.lower())
            names.append(name)
            countries.append(countries[k % base_count])
    # Written a chunk at a time: a million incidents' third of a million places would hold
    # hundreds of MB as model instances; what the generator keeps is their id, name, country.
    places: list[Place] = []
    for name, slug, country in zip(names, unique_slugs(Place, names), countries, strict=True):
        latitude = longitude = None
        precision = ""
        if rnd.random() < 0.7:
            latitude = Decimal(f"{rnd.uniform(*country[2]):.5f}")
            longitude = Decimal(f"{rnd.uniform(*country[3]):.5f}")
            precision = rnd.choice(["settlement", "settlement", "exact", "region"])
        alternatives = []
        folded = slugify(name).replace("-", " ").title()
        if folded != name:
            alternatives.append(folded)
        if rnd.random() < 0.2:
            alternatives.append(f"{name}sk")
        places.append(
            Place(
                name=name,
                slug=slug,
                alternative_names="\n".join(alternatives),
                country=country[0],
                region=rnd.choice(country[1]) if rnd.random() < 0.8 else "",
                latitude=latitude,
                longitude=longitude,
                coordinate_precision=precision,
            )
        )
        if len(places) == CHUNK:
            ref.places += write_places(places)
    ref.places += write_places(places)

    # Actors: the top-level bodies (reused when the seed has them) and units inside them.
    existing = {a.name.lower(): a for a in Actor.objects.filter(name__in=TOP_ACTORS)}
    top = [Actor(name=name, slug="") for name in TOP_ACTORS if name.lower() not in existing]
    for actor, slug in zip(top, unique_slugs(Actor, [a.name for a in top]), strict=True):
        actor.slug = slug
    Actor.objects.bulk_create(top)
    parents = {a.name: a for a in [*existing.values(), *top]}
    parents = {name: parents.get(name) or existing[name.lower()] for name in TOP_ACTORS}

    taken = taken_names(Actor)
    units, unit_parents = [], []
    for _ in range(max(10, n // 40) * 20):
        if len(units) >= max(10, n // 40):
            break
        parent = rnd.choice(TOP_ACTORS)
        number = rnd.randint(1, 400)
        suffix = (
            "th"
            if number % 100 in (11, 12, 13)
            else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        )
        name = f"{number}{suffix} {rnd.choice(UNIT_KINDS[parent])}"
        if name.lower() not in taken:
            taken.add(name.lower())
            units.append(name)
            unit_parents.append(parents[parent])
    unit_rows = [
        Actor(name=name, slug=slug, parent=parent)
        for name, slug, parent in zip(units, unique_slugs(Actor, units), unit_parents, strict=True)
    ]
    Actor.objects.bulk_create(unit_rows, batch_size=2000)
    ref.actors = [(a.pk, a.name) for a in [*parents.values(), *unit_rows]]

    # Victim groups.
    wanted = [f"{nat} {kind}" for nat in NATIONALITIES for kind in GROUP_KINDS]
    rnd.shuffle(wanted)
    known = {g.name.lower(): g for g in VictimGroup.objects.all()}
    wanted = wanted[: max(10, min(len(wanted), n // 40))]
    new_groups = [VictimGroup(name=name) for name in wanted if name.lower() not in known]
    for group, slug in zip(
        new_groups, unique_slugs(VictimGroup, [g.name for g in new_groups]), strict=True
    ):
        group.slug = slug
    VictimGroup.objects.bulk_create(new_groups)
    groups = [known.get(name.lower()) for name in wanted]
    new_iter = iter(new_groups)
    ref.groups = [(g or next(new_iter)).pk for g in groups]
    ref.groups = list(zip(ref.groups, wanted, strict=True))

    # Contexts: a handful, reused by name when they exist.
    for name, first, last in CONTEXTS:
        context = Context.objects.filter(name__iexact=name).first()
        if context is None:
            context = Context(name=name, slug=unique_slugs(Context, [name])[0])
            Context.objects.bulk_create([context])
        ref.contexts.append((context.pk, name, first, last))

    # Sources: N/10 books, articles, reports and archival documents, a chunk at a time.
    sources: list[Source] = []
    for k in range(1, max(5, n // 10) + 1):
        surname, first = rnd.choice(SURNAMES), rnd.choice(FIRST_NAMES)
        authors = f"{surname}, {first}"
        if rnd.random() < 0.3:
            authors += f" and {rnd.choice(SURNAMES)}, {rnd.choice(FIRST_NAMES)}"
        kind = rnd.choices(
            ["book", "article", "chapter", "report", "archival_document", "web_page", "news"],
            weights=[40, 25, 10, 10, 8, 4, 3],
        )[0]
        country = rnd.choice(COUNTRIES)
        y1 = rnd.randint(1919, 1985)
        topic = rnd.choice(TOPICS).format(
            region=rnd.choice(country[1]),
            nationality=rnd.choice(NATIONALITIES),
            y1=y1,
            y2=y1 + rnd.randint(1, 12),
        )
        year = rnd.randint(1950, 2024)
        publisher, place = rnd.choice(PUBLISHERS)
        source = Source(
            key=f"{SLUG_PREFIX}-{slugify(surname)}-{year}-{k}",
            kind=kind,
            authors="" if kind == "archival_document" else authors,
            title=topic,
            year=year,
            language=rnd.choice(["en", "en", "en", "pl", "ru", "de", "lt", "uk"]),
        )
        if kind in ("article", "chapter"):
            source.container = rnd.choice(JOURNALS)
            if rnd.random() < 0.6:
                source.doi = f"10.{rnd.randint(1000, 9999)}/synthetic.{year}.{k}"
        elif kind in ("book", "report"):
            source.publisher, source.place = publisher, place
            if rnd.random() < 0.5:
                source.isbn = f"978{rnd.randint(10**9, 10**10 - 1)}"
        elif kind in ("web_page", "news"):
            source.url = f"https://example.org/{SLUG_PREFIX}/{k}"
            source.archived_url = f"https://web.archive.example.org/{year}/{k}"
        sources.append(source)
        if len(sources) == CHUNK:
            ref.sources += write_sources(sources)
    ref.sources += write_sources(sources)
    return ref


CHUNK = 2000  # reference records written, and held as model instances, at a time


def write_places(places: list[Place]) -> list[tuple[int, str, str]]:
    """Insert ``places`` and empty the list; their id, name and country."""
    Place.objects.bulk_create(places)
    written = [(p.pk, p.name, p.country) for p in places]
    places.clear()
    return written


def write_sources(sources: list[Source]) -> list[tuple[int, str, str, int]]:
    """Insert ``sources`` and empty the list; their id, key, lead name and year."""
    Source.objects.bulk_create(sources)
    written = [(s.pk, s.key, (s.authors.split(",")[0] or s.title[:40]), s.year) for s in sources]
    sources.clear()
    return written


# Incidents ----------------------------------------------------------------------------
