"""A realistic archive at scale, for measuring performance (``python -m bench.generate``).

Everything is made in batches with ``bulk_create`` (no ``save()``, no signals), so the derived
fields are computed here: the EDTF date range with ``archive.dates.parse_date_range``. Each
batch of drafts is then published in the same transaction by ``bench.publish``, which derives
what a publication derives and records that the benchmark tool published it without review:
nobody verified its figures, and nothing says anybody did. Deterministic for a given seed.
"""

from __future__ import annotations

import calendar
import datetime
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils.text import slugify

from archive import pages
from archive.caching import publication_changed
from archive.dates import DateRange, parse_date_range
from archive.models import (
    Actor,
    Category,
    Citation,
    Context,
    Estimate,
    Incident,
    IncidentVersion,
    Place,
    Proceeding,
    Source,
    State,
    Verification,
    VictimGroup,
    estimate_ref,
)
from bench.publish import SLUG_PREFIX, synthetic_incidents, synthetic_publish
from bench.vocabulary import (
    ALSO_CALLED,
    CATEGORY_WORDS,
    CONFLICT_REASONS,
    CONTEXTS,
    COUNTRIES,
    COURTS,
    FIRST_NAMES,
    GROUP_KINDS,
    INSTITUTIONAL_CLAIMANTS,
    JOURNALS,
    LOCATORS,
    MEASURE_SCALE,
    NATIONALITIES,
    PUBLISHERS,
    SURNAMES,
    TOP_ACTORS,
    TOPICS,
    UNIT_KINDS,
)
from editorial.models import Action, Channel, HistoryEntry

DRAFTED = (
    "Synthetic draft for the benchmarks' imports, made by the benchmark tool "
    "(bench/synthetic.py): nobody wrote it."
)
# The accounts the load test's editor (bench/load_editor.py) takes a synthetic incident through
# the real workflow as, one per role so that four eyes hold. The generator acts as none of them.
USERS = {
    "contributor": ("synthetic-contributor", "Contributors"),
    "reviewer": ("synthetic-reviewer", "Reviewers"),
    "publisher": ("synthetic-publisher", "Publishers"),
}


def synthetic_users() -> dict[str, User]:
    """The load test's three workflow accounts, created once and then reused."""
    users = {}
    for role, (username, group) in USERS.items():
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=group))
        users[role] = User.objects.get(pk=user.pk)  # a fresh permission cache
    return users


def date_range(edtf: str, earliest: datetime.date, latest: datetime.date) -> DateRange:
    """The range of a generated EDTF date, computed directly (the EDTF grammar is slow).

    The first few of each run are checked against ``parse_date_range``, which ``save()``
    uses, so the two cannot drift apart unnoticed; the test suite checks every one.
    """
    span = DateRange(earliest, latest)
    if len(_checked) < 40 and edtf not in _checked:
        _checked.add(edtf)
        parsed = parse_date_range(edtf)
        if parsed != span:
            raise AssertionError(f"{edtf}: computed {span}, EDTF says {parsed}")
    return span


_checked: set[str] = set()


ESTIMATE_FIELDS = [
    "ref",
    "measure",
    "low",
    "best",
    "high",
    "qualifier",
    "as_written",
    "claimant",
    "claimant_position",
    "claim_year",
    "assessment",
    "assessment_reason",
    "source_id",
    "locator",
    "quote",
    "position",
]
# Every synthetic figure counts all the victims of its measure: no scope, part, share or rate.
WHOLE = ["scope", "part_of", "share_of", "per"]


def insert(model, fields: list[str], rows: list[tuple]) -> None:
    """Multi-row INSERTs for rows whose ids nobody needs back: bulk_create spends several
    times the database's own time preparing each value, and these are most of the rows."""
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in fields)
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for values in rows:
                copy.write_row(values)
        return
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    chunk = max(1, 20000 // len(fields))  # well inside every database's parameter limit
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([row] * len(part)),
                [value for values in part for value in values],
            )


def words(number: int) -> str:
    """A figure as a source would print it: 1,200 or 1.2 million."""
    if number >= 1_000_000:
        millions = f"{number / 1_000_000:.1f}".rstrip("0").rstrip(".")
        return f"{millions} million"
    return f"{number:,}"


def round_figure(value: float) -> int:
    """Figures as sources give them: two significant digits above a hundred."""
    value = max(1, round(value))
    if value < 100:
        return value
    magnitude = 10 ** (len(str(value)) - 2)
    return round(value / magnitude) * magnitude


@dataclass
class Reference:
    """The reference records an incident draws on, with their ids."""

    places: list[tuple[int, str, str]] = field(default_factory=list)  # id, name, country
    actors: list[tuple[int, str]] = field(default_factory=list)
    groups: list[tuple[int, str]] = field(default_factory=list)
    contexts: list[tuple[int, str, int, int]] = field(default_factory=list)
    sources: list[tuple[int, str, str, int]] = field(default_factory=list)  # id, key, lead, year
    categories: dict[str, int] = field(default_factory=dict)


class SyntheticArchive:
    """Makes the reference records once, then incidents in batches."""

    def __init__(
        self, *, incidents: int, seed: int = 1, batch_size: int = 1000, pages: bool = True
    ) -> None:
        self.incidents = incidents
        self.pages = pages
        self.random = random.Random(seed)  # noqa: S311 - test data, not security
        self.batch_size = batch_size
        self.ref = Reference()

    # Reference records --------------------------------------------------------------------

    def taken_names(self, model) -> set[str]:
        return {name.lower() for name in model.objects.values_list("name", flat=True)}

    def unique_slugs(self, model, names: Iterable[str]) -> list[str]:
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

    def make_reference(self) -> Reference:
        rnd, n = self.random, self.incidents
        ref = self.ref
        ref.categories = dict(Category.objects.values_list("slug", "pk"))

        # Places: names with their country's letters, most with coordinates.
        place_count = max(40, n // 3)  # most places in a few incidents, as in life
        taken = self.taken_names(Place)
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
        places = []
        for name, slug, country in zip(
            names, self.unique_slugs(Place, names), countries, strict=True
        ):
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
        Place.objects.bulk_create(places, batch_size=2000)
        ref.places = [(p.pk, p.name, p.country) for p in places]

        # Actors: the top-level bodies (reused when the seed has them) and units inside them.
        existing = {a.name.lower(): a for a in Actor.objects.filter(name__in=TOP_ACTORS)}
        top = [Actor(name=name, slug="") for name in TOP_ACTORS if name.lower() not in existing]
        for actor, slug in zip(top, self.unique_slugs(Actor, [a.name for a in top]), strict=True):
            actor.slug = slug
        Actor.objects.bulk_create(top)
        parents = {a.name: a for a in [*existing.values(), *top]}
        parents = {name: parents.get(name) or existing[name.lower()] for name in TOP_ACTORS}

        taken = self.taken_names(Actor)
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
            for name, slug, parent in zip(
                units, self.unique_slugs(Actor, units), unit_parents, strict=True
            )
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
            new_groups, self.unique_slugs(VictimGroup, [g.name for g in new_groups]), strict=True
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
                context = Context(name=name, slug=self.unique_slugs(Context, [name])[0])
                Context.objects.bulk_create([context])
            ref.contexts.append((context.pk, name, first, last))

        # Sources: N/10 books, articles, reports and archival documents.
        sources = []
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
        Source.objects.bulk_create(sources, batch_size=2000)
        ref.sources = [
            (s.pk, s.key, (s.authors.split(",")[0] or s.title[:40]), s.year) for s in sources
        ]
        return ref

    # Incidents ----------------------------------------------------------------------------

    def incident_date(self, first: int, last: int) -> tuple[str, str, DateRange]:
        """An EDTF date, the words a source would use, and the days it can mean."""
        rnd, day_ = self.random, datetime.date
        year = rnd.randint(first, last)
        month = rnd.randint(1, 12)
        name = calendar.month_name[month]
        month_end = calendar.monthrange(year, month)[1]
        kind = rnd.choices(
            ["day", "month", "months", "about", "year", "years", "days"],
            weights=[25, 25, 15, 10, 12, 8, 5],
        )[0]
        if kind == "day":
            day = rnd.randint(1, 28)
            edtf, text = f"{year}-{month:02d}-{day:02d}", f"{day} {name} {year}"
            return edtf, text, date_range(edtf, day_(year, month, day), day_(year, month, day))
        if kind == "months" and month < 12:
            end = rnd.randint(month + 1, 12)
            edtf = f"{year}-{month:02d}/{year}-{end:02d}"
            text = f"{name} to {calendar.month_name[end]} {year}"
            last_day = day_(year, end, calendar.monthrange(year, end)[1])
            return edtf, text, date_range(edtf, day_(year, month, 1), last_day)
        if kind == "about":  # a month either side, as archive.dates widens "~"
            before = day_(year, month, 1) - datetime.timedelta(days=1)
            after = day_(year, month, month_end) + datetime.timedelta(days=1)
            after_end = calendar.monthrange(after.year, after.month)[1]
            edtf, text = f"{year}-{month:02d}~", f"about {name} {year}"
            return edtf, text, date_range(edtf, before.replace(day=1), after.replace(day=after_end))
        if kind in ("month", "months"):
            edtf, text = f"{year}-{month:02d}", f"{name} {year}"
            return edtf, text, date_range(edtf, day_(year, month, 1), day_(year, month, month_end))
        if kind == "years" and year < last:
            edtf, text = f"{year}/{year + 1}", f"{year}–{year + 1}"
            return edtf, text, date_range(edtf, day_(year, 1, 1), day_(year + 1, 12, 31))
        if kind == "days":
            day = rnd.randint(1, 20)
            end = day + rnd.randint(1, 8)
            edtf = f"{year}-{month:02d}-{day:02d}/{year}-{month:02d}-{end:02d}"
            text = f"{day}–{end} {name} {year}"
            return edtf, text, date_range(edtf, day_(year, month, day), day_(year, month, end))
        edtf = f"{year}"
        return edtf, edtf, date_range(edtf, day_(year, 1, 1), day_(year, 12, 31))

    def estimates_for(self, slug: str, measure: str, sources: list[tuple]) -> list[dict]:
        """About five claims about one incident: mostly overlapping, sometimes irreconcilable."""
        rnd = self.random
        low_power, high_power = MEASURE_SCALE[measure]
        truth = round_figure(10 ** rnd.uniform(low_power, high_power))
        secondary = rnd.choice(["injured", "missing", "deported", "captured", "died_in_custody"])
        if secondary == measure:
            secondary = "missing"
        plan = [measure] * rnd.choice([2, 3, 3, 4, 4, 5]) + [secondary] * rnd.choice([0, 1, 1, 2])
        claims = []
        point_taken: set[str] = set()
        truths = {measure: truth, secondary: round_figure(truth * rnd.uniform(0.05, 0.5))}
        for what in plan:
            t = truths[what]
            kinds = ["range", "over", "up_to", "at_least", "about_range"]
            if what not in point_taken:
                kinds += ["exact", "about"] * 2
            kind = rnd.choice(kinds)
            low = best = high = None
            qualifier = "exact"
            if kind == "exact":
                best, text = t, words(t)
            elif kind == "about":
                best, qualifier, text = t, "about", f"about {words(t)}"
            elif kind in ("range", "about_range"):
                low = round_figure(t * rnd.uniform(0.4, 0.95))
                high = max(low, round_figure(t * rnd.uniform(1.05, 2.5)))
                best = t if rnd.random() < 0.3 and low <= t <= high else None
                text = f"{words(low)}–{words(high)}"
                if kind == "about_range":
                    qualifier, text = "about", f"about {text}"
            elif kind in ("over", "at_least"):
                low = round_figure(t * rnd.uniform(0.4, 0.95))
                qualifier = kind
                text = f"{'over' if kind == 'over' else 'at least'} {words(low)}"
            else:
                high = round_figure(t * rnd.uniform(1.05, 3))
                qualifier, text = "up_to", f"up to {words(high)}"
            if kind in ("exact", "about"):
                point_taken.add(what)
            claims.append((what, low, best, high, qualifier, text, "accepted", ""))
        if rnd.random() < 0.3:  # a far-off figure, contested: the sources cannot all be right
            far = round_figure(truth * rnd.choice([0.05, 0.1, 0.2, 4, 6, 10]))
            claims.append(
                (
                    measure,
                    None,
                    far,
                    None,
                    "exact",
                    words(far),
                    "contested",
                    rnd.choice(CONFLICT_REASONS),
                )
            )
        if rnd.random() < 0.1:  # a figure nobody believes any more, kept beside the others
            wild = round_figure(truth * rnd.choice([20, 50]))
            claims.append(
                (measure, None, wild, None, "about", f"about {words(wild)}", "rejected", "")
            )
        rows = []
        refs: set[str] = set()
        preferred = rnd.randrange(len(claims))
        for index, (what, low, best, high, qualifier, text, assessment, reason) in enumerate(
            claims
        ):
            source_id, _key, lead, year = rnd.choice(sources)
            if rnd.random() < 0.35:
                claimant, position = rnd.choice(INSTITUTIONAL_CLAIMANTS)
            else:
                claimant, position = f"{lead} ({year})", "independent_scholarship"
            if assessment == "accepted" and index == preferred:
                assessment = "preferred"
            if assessment == "rejected":
                reason = "Propaganda figure, contradicted by every later count."
            a = rnd.randint(1, 400)
            b = a + rnd.randint(1, 6)
            ref = estimate_ref(incident=slug, measure=what, taken=refs)
            refs.add(ref)
            rows.append(
                {
                    "ref": ref,
                    "measure": what,
                    "low": low,
                    "best": best,
                    "high": high,
                    "qualifier": qualifier,
                    "as_written": text,
                    "claimant": claimant,
                    "claimant_position": position,
                    "claim_year": year if year and year >= 1919 else None,
                    "assessment": assessment,
                    "assessment_reason": reason,
                    "source_id": source_id,
                    "locator": rnd.choice(LOCATORS).format(a=a, b=b, c=rnd.randint(1, 12)),
                    "quote": f"… {text} {what.replace('_', ' ')} …" if rnd.random() < 0.3 else "",
                    "position": index,
                }
            )
        return rows

    def batch(
        self,
        numbers: range,
        *,
        publish: bool = True,
        estimates: bool = True,
        prefix: str = SLUG_PREFIX,
    ) -> int:
        """Create (and publish) the incidents ``numbers`` in one transaction."""
        rnd, ref = self.random, self.ref
        with transaction.atomic():
            incidents = Incident.objects.bulk_create(
                [Incident(slug=f"{prefix}-{k}") for k in numbers], batch_size=2000
            )
            versions, links, claims, notes = [], [], [], []
            category_slugs = list(ref.categories)
            for incident in incidents:
                context_id, context_name, first, last = rnd.choice(ref.contexts)
                date, date_text, span = self.incident_date(first, last)
                cats = rnd.sample(category_slugs, rnd.choice([1, 1, 2, 2, 3]))
                if rnd.random() < 0.4:
                    cats[0] = rnd.choice(["massacre", "deportation", "summary-execution"])
                    cats = list(dict.fromkeys(cats))
                title_pattern, verb, measure = CATEGORY_WORDS[cats[0]]
                places = rnd.sample(ref.places, rnd.choice([1, 1, 1, 2, 3]))
                actors = rnd.sample(ref.actors, rnd.choice([1, 1, 2]))
                groups = rnd.sample(ref.groups, rnd.choice([1, 1, 2]))
                place, country = places[0][1], places[0][2]
                title = title_pattern.format(place=place)
                if rnd.random() < 0.3:
                    title += f" ({date_text.split()[-1]})"
                who, whom = actors[0][1], groups[0][1]
                summary = (
                    f"{who} {verb} {whom} in {place}, {country}, "
                    f"{'on' if date_text[0].isdigit() and ' ' in date_text else 'in'} {date_text}."
                    if rnd.random() < 0.8
                    else f"{whom.capitalize()} of {place} were {verb} by {who}."
                )
                sentences = [
                    f"During the {context_name}, units of the *{who}* arrived in {place}.",
                    f"Witnesses describe how {whom} were {verb} over {date_text}.",
                    "The village was searched house by house and the men taken away.",
                    "Survivors reached the district town days later and reported the events.",
                    f"Archival records in {country} give differing figures for the victims.",
                    "Exhumations after 1990 located several mass graves near the road.",
                    "The commanders involved were never tried.",
                    "Later investigations collected testimony from relatives and neighbours.",
                    f"See also the [{country} national archive](https://example.org/archive).",
                ]
                paragraphs = [" ".join(rnd.sample(sentences, rnd.randint(2, 4))) for _ in range(2)]
                version = IncidentVersion(
                    incident=incident,
                    number=1,
                    state=State.DRAFT,
                    title=title[:300],
                    summary=summary,
                    description="\n\n".join(paragraphs),
                    date=date,
                    date_text=date_text,
                    date_earliest=span.earliest,
                    date_latest=span.latest,
                    context_id=context_id,
                    created_by=None,  # made by the tool, not by a person
                )
                versions.append(version)
                related = []
                if rnd.random() < 0.1 and len(versions) > 1:
                    related = [versions[rnd.randrange(len(versions) - 1)].incident_id]
                links.append(
                    (
                        [p[0] for p in places],
                        [ref.categories[c] for c in cats],
                        [a[0] for a in actors],
                        [g[0] for g in groups],
                        related,
                    )
                )
                if estimates:
                    own_sources = rnd.sample(ref.sources, min(len(ref.sources), 3))
                    claims.append(self.estimates_for(incident.slug, measure, own_sources))
            IncidentVersion.objects.bulk_create(versions, batch_size=1000)

            # The many-to-many links, estimates and citations: plain multi-row INSERTs.
            for position, (name, column) in enumerate(
                [
                    ("places", "place_id"),
                    ("categories", "category_id"),
                    ("perpetrators", "actor_id"),
                    ("victim_groups", "victimgroup_id"),
                    ("related", "incident_id"),
                ]
            ):
                insert(
                    getattr(IncidentVersion, name).through,
                    ["incidentversion_id", column],
                    [
                        (version.pk, target)
                        for version, link in zip(versions, links, strict=True)
                        for target in link[position]
                    ],
                )

            if estimates:
                unverified = Verification.UNVERIFIED.value  # nobody checks synthetic figures
                insert(
                    Estimate,
                    [*ESTIMATE_FIELDS, "version_id", "verification", "query_note", *WHOLE],
                    [
                        (*(claim[f] for f in ESTIMATE_FIELDS), version.pk, unverified, "")
                        + ("",) * len(WHOLE)
                        for version, version_claims in zip(versions, claims, strict=True)
                        for claim in version_claims
                    ],
                )
                by_version: dict[int, list[tuple]] = {}
                for row in (
                    Estimate.objects.filter(version__in=versions)
                    .order_by("pk")
                    .values_list("version_id", "pk", "source_id", "locator", "quote")
                ):
                    by_version.setdefault(row[0], []).append(row)
                for version in versions:
                    own = by_version[version.pk]
                    # About three citations: most for one figure, one for the whole entry.
                    for position, (_, pk, source_id, locator, quote) in enumerate(
                        rnd.sample(own, min(len(own), 2))
                    ):
                        notes.append((version.pk, pk, source_id, locator, quote, "", position))
                    for position in range(rnd.choice([0, 1, 1, 2])):
                        notes.append(
                            (
                                version.pk,
                                None,
                                rnd.choice(ref.sources)[0],
                                f"pp. {rnd.randint(1, 300)}–{rnd.randint(301, 400)}",
                                "",
                                "General account of the events." if position else "",
                                2 + position,
                            )
                        )
                insert(
                    Citation,
                    [
                        "version_id",
                        "estimate_id",
                        "source_id",
                        "locator",
                        "quote",
                        "note",
                        "position",
                    ],
                    notes,
                )

            if publish:
                synthetic_publish(versions=versions, render_pages=self.pages)
            else:
                HistoryEntry.objects.bulk_create(
                    [
                        HistoryEntry(
                            incident_id=version.incident_id,
                            version=version,
                            user=None,
                            action=Action.CREATE,
                            channel=Channel.BENCHMARK,
                            comment=DRAFTED,
                        )
                        for version in versions
                    ],
                    batch_size=2000,
                )
        return len(incidents)

    def proceedings(self, count: int) -> int:
        """A few trials, each about one to three synthetic incidents."""
        rnd = self.random
        ids = list(synthetic_incidents().values_list("pk", flat=True))
        if not ids:
            return 0
        rows, links = [], []
        sources = [s[0] for s in self.ref.sources]
        for k in range(1, count + 1):
            year = rnd.randint(1991, 2022)
            when = datetime.date(year, rnd.randint(1, 12), rnd.randint(1, 28))
            date = when.isoformat()
            span = date_range(date, when, when)
            court = rnd.choice(COURTS)
            rows.append(
                Proceeding(
                    slug=f"{SLUG_PREFIX}-proceeding-{k}",
                    title=f"Investigation no. S {k}/{year % 100:02d}/Zk ({court}, {year})",
                    court=court,
                    date=date,
                    date_text=str(year),
                    date_earliest=span.earliest,
                    date_latest=span.latest,
                    defendants="\n".join(
                        f"{rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)}"
                        for _ in range(rnd.randint(0, 3))
                    ),
                    outcome=rnd.choice(
                        [
                            "Discontinued: the perpetrators have died.",
                            "Convicted of crimes against humanity.",
                            "Discontinued: the perpetrators could not be identified.",
                            "Pending.",
                        ]
                    ),
                    in_absentia=rnd.choice(["", "no", "yes"]),
                    source_id=rnd.choice(sources),
                    locator=f"p. {rnd.randint(1, 90)}",
                )
            )
            links.append(rnd.sample(ids, min(len(ids), rnd.randint(1, 3))))
        Proceeding.objects.bulk_create(rows)
        Proceeding.incidents.through.objects.bulk_create(
            [
                Proceeding.incidents.through(proceeding_id=row.pk, incident_id=incident_id)
                for row, incident_ids in zip(rows, links, strict=True)
                for incident_id in incident_ids
            ]
        )
        # bulk_create sends no signals: the linked incidents' pages now show a trial.
        linked = sorted({incident_id for incident_ids in links for incident_id in incident_ids})
        publication_changed()
        pages.forget_pages_showing(linked)
        if self.pages:
            pages.render_published(
                list(
                    IncidentVersion.objects.published()
                    .filter(incident_id__in=linked)
                    .values_list("pk", flat=True)
                )
            )
        return len(rows)


def generate(
    *,
    incidents: int,
    seed: int = 1,
    batch_size: int = 1000,
    progress: Callable[[str], None] | None = None,
    pages: bool = True,
) -> dict[str, int]:
    """The whole synthetic archive; refuses to run twice into one database. ``pages=False``
    leaves each incident page to be rendered when it is first read."""
    existing = synthetic_incidents().count()
    if existing:
        raise SyntheticExists(existing)
    archive = SyntheticArchive(incidents=incidents, seed=seed, batch_size=batch_size, pages=pages)
    with transaction.atomic():
        archive.make_reference()
    done = 0
    for start in range(1, incidents + 1, batch_size):
        numbers = range(start, min(incidents, start + batch_size - 1) + 1)
        done += archive.batch(numbers)
        if progress:
            progress(f"{done} of {incidents} incidents published")
    with transaction.atomic():
        archive.proceedings(max(1, incidents // 200))
    return {
        "incidents": done,
        "sources": len(archive.ref.sources),
        "places": len(archive.ref.places),
        "actors": len(archive.ref.actors),
        "victim_groups": len(archive.ref.groups),
        "contexts": len(archive.ref.contexts),
    }


def create_drafts(*, count: int, prefix: str, seed: int = 2, batch_size: int = 1000) -> list[str]:
    """Draft incidents without estimates (what an import of estimates fills), by slug."""
    archive = SyntheticArchive(incidents=count, seed=seed, batch_size=batch_size)
    ref = archive.ref
    ref.categories = dict(Category.objects.values_list("slug", "pk"))
    ref.places = [
        (pk, name, country)
        for pk, name, country in Place.objects.order_by("pk").values_list("pk", "name", "country")
    ][:500]
    ref.actors = list(Actor.objects.order_by("pk").values_list("pk", "name")[:100])
    ref.groups = list(VictimGroup.objects.order_by("pk").values_list("pk", "name")[:100])
    ref.contexts = [
        (pk, name, 1939, 1945)
        for pk, name in Context.objects.order_by("pk").values_list("pk", "name")[:5]
    ]
    if not (ref.places and ref.actors and ref.groups and ref.contexts):
        raise ValueError("Run bench.generate first: drafts draw on its reference records.")
    for start in range(1, count + 1, batch_size):
        numbers = range(start, min(count, start + batch_size - 1) + 1)
        archive.batch(numbers, publish=False, estimates=False, prefix=prefix)
    return [f"{prefix}-{k}" for k in range(1, count + 1)]


class SyntheticExists(Exception):
    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(
            f"This database already has {count} synthetic incident(s) (slugs synthetic-<n>). "
            "bench.generate adds a synthetic archive once: point DATABASE_URL at a fresh, "
            "migrated database (e.g. DATABASE_URL=sqlite:////tmp/synthetic.sqlite3) and run it "
            "there."
        )
