"""The reference records of the synthetic archive (``bench.synthetic``): places by country with
their other names, actors and their units, victim groups, contexts and sources, made once per
run in batches, each with a slug no other record has."""

from __future__ import annotations

import random
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import overload

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

CHUNK = 2000  # reference records written, and held as model instances, at a time
# Syllables between a place name's first and last: with none, one, two… every number has a
# name of its own, so a place's name is a word no other place has (a selective search term
# at any size; "Łękowo 2" numbering made every word common past a few thousand places).
MIDDLES = ["a", "el", "in", "or", "us", "an", "ek", "ir", "ol", "um"]
MIDDLES += ["ar", "et", "iv", "ok", "ub", "av", "en", "is", "ot", "yn"]


def place_name(number: int) -> tuple[str, tuple]:
    """The name and country of synthetic place ``number`` (0, 1, 2…): its country's first and
    last syllables with ``MIDDLES`` between them, numbered like columns in a spreadsheet, and
    every fourth with a word before it ("Nowa", "Upper")."""
    country = COUNTRIES[number % len(COUNTRIES)]
    rest = number // len(COUNTRIES)
    first, last = country[4], country[5]
    name = first[rest % len(first)]
    rest //= len(first)
    ending = last[rest % len(last)]
    rest //= len(last)
    while rest:
        rest -= 1
        name += MIDDLES[rest % len(MIDDLES)]
        rest //= len(MIDDLES)
    name = (name + ending).strip()
    if number % 4 == 3:
        name = f"{ALSO_CALLED[number // 4 % len(ALSO_CALLED)]} {name}"
    return name, country


class Rows[T](Sequence[T]):
    """Records the generator wrote, by position, kept as arrays (``ids`` and more) rather
    than as tuples: a subclass says what the row at a position is."""

    ids: array[int]

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self.row(i) for i in range(*index.indices(len(self)))]
        return self.row(index)

    def row(self, index: int) -> T:
        raise NotImplementedError


class Places(Rows[tuple[int, str, str]]):
    """The places written, as (id, name, country), held as two arrays of numbers: a place's name
    and country follow from its number (place_name). A third of a million places take 5 MB."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.numbers = array("q")

    def row(self, index: int) -> tuple[int, str, str]:
        name, country = place_name(self.numbers[index])
        return self.ids[index], name, country[0]

    def extend(self, written: Iterable[tuple[int, int]]) -> None:
        for pk, number in written:
            self.ids.append(pk)
            self.numbers.append(number)


class Sources(Rows[tuple[int, str, int]]):
    """The sources written, as (id, lead name, year), in arrays and one list of shared names."""

    def __init__(self) -> None:
        self.ids = array("q")
        self.years = array("h")
        self.leads: list[str] = []
        self.known: dict[str, str] = {}  # one string per lead name (a few hundred)

    def row(self, index: int) -> tuple[int, str, int]:
        return self.ids[index], self.leads[index], self.years[index]

    def extend(self, written: Iterable[tuple[int, str, int]]) -> None:
        for pk, lead, year in written:
            self.ids.append(pk)
            self.leads.append(self.known.setdefault(lead, lead))
            self.years.append(year)


def write_places(rnd: random.Random, numbers: range) -> list[tuple[int, int]]:
    """Insert the places ``numbers``, leaving out a name the database has (the seed's, or one
    that other syllables spell the same way, about 1 in 10,000); their id and number."""
    named = {number: place_name(number) for number in numbers}
    taken = set(
        Place.objects.filter(name__in=[n for n, _ in named.values()]).values_list("name", flat=True)
    )
    places, kept = [], []
    for number, (name, country) in named.items():
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
        if name in taken:  # the seed's, or one spelled the same by other syllables
            continue
        taken.add(name)
        places.append(
            Place(
                name=name,
                # The number makes the slug unique: two names can fold to one ("Łęk", "Lęk").
                slug=f"{slugify(name)[:180]}-{number}",
                alternative_names="\n".join(alternatives),
                country=country[0],
                region=rnd.choice(country[1]) if rnd.random() < 0.8 else "",
                latitude=latitude,
                longitude=longitude,
                coordinate_precision=precision,
            )
        )
        kept.append(number)
    Place.objects.bulk_create(places)
    return [(place.pk, number) for place, number in zip(places, kept, strict=True)]


def write_sources(sources: list[Source]) -> list[tuple[int, str, int]]:
    """Insert ``sources`` and empty the list; their id, lead name and year."""
    Source.objects.bulk_create(sources)
    written = [(s.pk, (s.authors.split(",")[0] or s.title[:40]), s.year) for s in sources]
    sources.clear()
    return written


@dataclass
class Reference:
    """The reference records an incident draws on, with their ids."""

    places: Sequence[tuple[int, str, str]] = field(default_factory=list)  # id, name, country
    actors: list[tuple[int, str]] = field(default_factory=list)
    groups: list[tuple[int, str]] = field(default_factory=list)
    contexts: list[tuple[int, str, int, int]] = field(default_factory=list)
    sources: Sequence[tuple[int, str, int]] = field(default_factory=list)  # id, lead, year
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

    # Places: a name of its country's syllables each (place_name), most with coordinates,
    # written a chunk at a time. The generator keeps each place's id and number, not its name.
    place_count = max(40, n // 3)  # most places in a few incidents, as in life
    places, number = Places(), 0
    while len(places) < place_count:
        chunk = range(number, number + min(CHUNK, place_count - len(places)))
        number = chunk.stop
        places.extend(write_places(rnd, chunk))
    ref.places = places

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
    written = Sources()
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
            written.extend(write_sources(sources))
    written.extend(write_sources(sources))
    ref.sources = written
    return ref
