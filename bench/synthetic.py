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
from array import array
from collections.abc import Callable

from django.contrib.auth.models import Group, User
from django.db import transaction

from archive import pages
from archive.caching import publication_changed
from archive.dates import DateRange
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
    State,
    Verification,
    VictimGroup,
    estimate_ref,
)
from bench.publish import SLUG_PREFIX, synthetic_incidents, synthetic_publish
from bench.synthetic_reference import Reference, make_reference
from bench.synthetic_rows import date_range, insert, round_figure, words
from bench.vocabulary import (
    CATEGORY_WORDS,
    CONFLICT_REASONS,
    COURTS,
    FIRST_NAMES,
    INSTITUTIONAL_CLAIMANTS,
    LOCATORS,
    MEASURE_SCALE,
    SURNAMES,
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

    def make_reference(self) -> Reference:
        """The reference records every incident draws on, made once (bench.synthetic_reference)."""
        return make_reference(rnd=self.random, incidents=self.incidents, ref=self.ref)

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
            source_id, lead, year = rnd.choice(sources)
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
        # Eight bytes an incident (a list of a million ints holds 36 MB).
        ids = array("q", synthetic_incidents().values_list("pk", flat=True).iterator(2000))
        if not ids:
            return 0
        rows, links = [], []
        sources = self.ref.sources
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
                    source_id=rnd.choice(sources)[0],
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
