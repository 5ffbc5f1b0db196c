"""The seed content: loaded with the project's own import into an empty archive only, and
published through the workflow as the project's own review, never over editors' work."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import gettext

from archive.models import (
    Actor,
    Citation,
    Context,
    Correction,
    Estimate,
    Headline,
    Incident,
    IncidentAlias,
    IncidentVersion,
    Place,
    Proceeding,
    Source,
    State,
    Translation,
    VictimGroup,
)
from editorial import services
from editorial.models import Action, Channel, HistoryEntry, RecordChange
from editorial.seed import (
    SEED_CORRECTED,
    SEED_CORRECTION_EDIT,
    SEED_CORRECTION_REVIEW,
    SEED_EARLIER,
    SEED_LOADED,
    SEED_REVIEW,
    SEED_TRANSLATED,
    SEED_TRANSLATION_REVIEW,
    load_seed,
)
from tests.crawl import leaks
from tests.factories import (
    make_contributor,
    make_draft,
    make_estimate,
    make_published,
    make_publisher,
    make_reviewer,
    make_source,
)


@pytest.fixture
def seeded(db):
    users = {
        "contributor": make_contributor("contributor"),
        "reviewer": make_reviewer("reviewer"),
        "publisher": make_publisher("publisher"),
    }
    report = load_seed(**users)
    return users, report


@pytest.mark.django_db
def test_seed_content_is_complete_cited_and_published_through_the_workflow(seeded, client):
    users, _ = seeded
    versions = IncidentVersion.objects.published()
    assert versions.count() >= 80
    # Every incident is published; one was published first with its fixtures' earlier text
    # and then corrected (the replay of the project's own correction, corrections.csv).
    assert list(
        IncidentVersion.objects.exclude(state=State.PUBLISHED).values_list(
            "incident__slug", "number", "state"
        )
    ) == [("grishchino-massacre", 1, State.SUPERSEDED)]
    titles = list(versions.values_list("title", flat=True))
    assert len(titles) == len(set(titles)), "two incidents share a title"
    for version in versions.prefetch_related("categories", "places"):
        assert version.date and version.date_text, version.incident.slug
        assert version.categories.exists(), version.incident.slug
        assert version.places.exists() or "unknown" in version.date_text.lower(), version
    estimates = Estimate.objects.published().select_related("source")
    assert estimates.count() >= 90
    for estimate in estimates:
        assert estimate.claimant and estimate.as_written, estimate.ref
        assert estimate.source_id or estimate.citations.exists(), estimate.ref
        figures = [v for v in (estimate.low, estimate.best, estimate.high) if v is not None]
        if estimate.share_of:  # a share is a percentage of another figure, no count of its own
            assert not figures and estimate.share_low is not None, estimate.ref
        else:
            assert figures == sorted(figures) and min(figures) >= 0, estimate.ref
        assert estimate.verification == "verified" and estimate.verified_by == users["reviewer"]
        if estimate.source.key != "wikipedia-soviet-war-crimes":
            # The chain of evidence always reaches the article itself.
            assert estimate.citations.filter(source__key="wikipedia-soviet-war-crimes").exists()
    assert Proceeding.objects.filter(title__icontains="Kononov").exists()
    assert Proceeding.objects.count() >= 6
    # The history is real: each role did its own step.
    transitions = HistoryEntry.objects.filter(action=Action.TRANSITION)
    assert set(
        transitions.filter(to_state="in_review").values_list("user__username", flat=True)
    ) == {"contributor"}
    assert set(
        transitions.filter(to_state="approved").values_list("user__username", flat=True)
    ) == {"reviewer"}
    assert set(
        transitions.filter(to_state="published").values_list("user__username", flat=True)
    ) == {"publisher"}
    # ... and says what it was: the project's own check of its fixtures, not a person's review.
    review = HistoryEntry.objects.filter(
        action__in=[Action.TRANSITION, Action.VERIFY, Action.IMPORT]
    )
    assert set(review.values_list("channel", flat=True)) == {Channel.SEED}
    assert set(RecordChange.objects.values_list("channel", "status")) == {
        (Channel.SEED, RecordChange.Status.APPLIED)
    }
    assert set(transitions.filter(to_state="approved").values_list("comment", flat=True)) == {
        SEED_REVIEW,
        SEED_CORRECTION_REVIEW.format(commit="dd29a52"),
    }
    assert "checked against the article by the project" in SEED_REVIEW
    assert "not verified by a person of this archive" in SEED_REVIEW
    # The replayed correction changed a text, not figures: its approval says so.
    corrected = HistoryEntry.objects.filter(
        version__incident__slug="grishchino-massacre", action=Action.TRANSITION
    )
    assert list(
        corrected.filter(to_state="approved").order_by("pk").values_list("comment", flat=True)
    ) == [
        SEED_REVIEW,
        "Seed content: the project checked its correction (commit dd29a52) of the text against "
        "the article before it went into its fixtures; not reviewed by a person of this "
        "archive. The figures are those of the version it corrects.",
    ]
    # Both edits of the seed's text say what they were: dd29a52 is the commit that corrected it.
    edits = HistoryEntry.objects.filter(
        version__incident__slug="grishchino-massacre", changes__has_key="seed"
    ).order_by("pk")
    assert [(entry.version.number, entry.changes["seed"]) for entry in edits] == [
        (1, SEED_EARLIER.format(commit="dd29a52")),
        (2, SEED_CORRECTION_EDIT.format(commit="dd29a52")),
    ]
    assert SEED_EARLIER.format(commit="dd29a52") == (
        "Seed content: the text as the project's fixtures had it before commit dd29a52 "
        "corrected it; the demo publishes it first, then replays that correction."
    )
    assert SEED_CORRECTION_EDIT.format(commit="dd29a52") == (
        "Seed content: the text as the project's fixtures have it since commit dd29a52 "
        "corrected it, replayed by the demo."
    )
    assert set(transitions.filter(to_state="in_review").values_list("comment", flat=True)) == {
        SEED_LOADED,
        SEED_CORRECTED.format(commit="dd29a52"),
    }
    # Conflicting figures appear side by side on the public page.
    page = client.get("/incidents/fantana-alba-massacre/").content.decode()
    assert "44–3,000" in page
    rejected = Estimate.objects.filter(assessment="rejected")
    assert rejected.filter(version__incident__slug__contains="treuenbrietzen").exists()

    # A second load changes nothing and writes no history.
    history = HistoryEntry.objects.count()
    again = load_seed(**users)
    assert "already holds the seed content" in again and HistoryEntry.objects.count() == history

    out = io.StringIO()
    call_command("content_report", stdout=out)
    assert "fantana-alba-massacre" in out.getvalue()
    assert f"{estimates.count()} figures" in out.getvalue()


@pytest.mark.django_db
def test_seed_figures_count_what_the_article_says_they_count(seeded):
    """Breakdowns are parts, proportions are shares, "each day" is a rate, and figures of a
    group, a period or a place have a scope: only a true disagreement is flagged, and the
    headlines keep the article's qualifiers and invent no totals."""
    published = IncidentVersion.objects.published()
    # Soviet sources' 474,967 against Overmans' about 1.0 million: the one true disagreement.
    assert set(published.filter(has_conflict=True).values_list("incident__slug", flat=True)) == {
        "german-prisoners-of-war-in-soviet-captivity"
    }

    def headline(slug: str, measure: str) -> SimpleNamespace:
        """The headline as the API words it; the row kept for totals holds the same numbers."""
        found = next(
            h
            for h in Client().get(f"/api/incidents/{slug}/").json()["headline"]
            if h["measure"] == measure
        )
        stored = Headline.objects.get(
            version__in=published, version__incident__slug=slug, measure=measure
        )
        assert (stored.low, stored.high, stored.high_open) == (
            found["low"],
            found["high"],
            found["high_open"],
        )
        return SimpleNamespace(**found)

    katyn = headline("katyn-massacre", "killed")
    assert (katyn.low, katyn.high_open) == (20000, True) and "over 20,000" in katyn.text
    kulchabat = headline("kulchabat-bala-karz-mushkizi-massacre", "killed")
    assert (kulchabat.low, kulchabat.high) == (360, 360)
    # The WuSt list by group gives no total, and none is made up.
    grishchino = headline("grishchino-massacre", "killed")
    assert grishchino.low is None and grishchino.high is None
    assert "406 Wehrmacht soldiers" in grishchino.text

    figures = {e.ref: e for e in Estimate.objects.filter(version__in=published)}
    assert (figures["beian-raped-1"].per, figures["beian-raped-1"].scope) == ("day", "girls")
    quigley = figures["polish-pows-killed-1"]
    assert (quigley.measure, quigley.share_low, quigley.share_of) == (
        "killed",
        Decimal("33.33"),
        "polish-pows-captured-1",
    )
    assert quigley.low is None and quigley.best is None and quigley.high is None
    assert figures["kulchabat-killed-2"].part_of == "kulchabat-killed-1"
    assert figures["afghanistan-killed-1"].scope  # the whole war, all parties
    # The 1974 study's totals are deaths, mostly from hunger and disease, not killings.
    totals = [
        "expulsion-killed-1",
        "expulsion-killed-2",
        "expulsion-killed-4",
        "expulsion-killed-5",
    ]
    assert {figures[ref].measure for ref in totals} == {"died"}
    # A hedge stays visible.
    assert "might have exceeded" in figures["poland-rape-raped-1"].as_written
    assert figures["poland-rape-raped-1"].assessment == "contested"
    for estimate in figures.values():
        if estimate.part_of:
            assert estimate.scope, estimate.ref


# A second run over editors' work in progress ---------------------------------------------

WORK = "EDITORS-WORK-IN-PROGRESS"


def editors_work(contributor) -> list[IncidentVersion]:
    """What editors do between two demo runs: (a) a new incident, (b) a draft of a published
    seed incident with a changed title and figure, (c) a seed incident in review, (d) a
    draft figure without a citation. Every text carries the marker the public must not see."""
    new = make_draft(
        contributor, "a-contributors-new-incident", title=f"{WORK} new", summary=f"{WORK} new"
    )

    katyn = Incident.objects.get(slug="katyn-massacre")
    edited = services.version_start_draft(incident=katyn, user=contributor)
    IncidentVersion.objects.filter(pk=edited.pk).update(title=f"{WORK} changed title")
    edited.estimates.filter(ref="katyn-killed-1").update(
        best=21857, as_written=f"{WORK} 21,857", claimant=f"{WORK} claimant"
    )

    fantana = Incident.objects.get(slug="fantana-alba-massacre")
    in_review = services.version_start_draft(incident=fantana, user=contributor)
    IncidentVersion.objects.filter(pk=in_review.pk).update(summary=f"{WORK} summary in review")
    services.version_submit(version=in_review, user=contributor)

    uncited = make_draft(contributor, "an-uncited-figure", title=f"{WORK} uncited")
    make_estimate(uncited, ref="uncited-killed-1", source=None, as_written=f"{WORK} 300")
    return [new, edited, in_review, uncited]


def archive_rows() -> dict[str, list[tuple]]:
    """Every row the seed's load could write to, with every value, in a fixed order."""
    models = [
        Incident,
        IncidentAlias,
        IncidentVersion,
        Estimate,
        Citation,
        Proceeding,
        Source,
        Place,
        Actor,
        Context,
        VictimGroup,
        Correction,
        HistoryEntry,
        *(getattr(IncidentVersion, name).through for name in VERSION_LISTS),
        Proceeding.incidents.through,
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values_list()) for model in models}


VERSION_LISTS = ("places", "categories", "perpetrators", "victim_groups", "related")


@pytest.mark.django_db
def test_a_second_demo_run_leaves_editors_work_in_progress_exactly_as_it_was(seeded):
    users, _ = seeded
    work = editors_work(users["contributor"])
    before = archive_rows()

    out = io.StringIO()
    call_command("demo", stdout=out)  # a CommandError here would be exit status 1

    assert archive_rows() == before, "the second run wrote to the archive"
    assert not IncidentVersion.objects.filter(
        pk__in=[v.pk for v in work], state=State.PUBLISHED
    ).exists()
    assert IncidentVersion.objects.get(pk=work[2].pk).state == State.IN_REVIEW
    report = out.getvalue()
    assert (
        f"The archive already holds the seed content ({Incident.objects.count()} incidents): "
        "left as it is; open versions left untouched: 3 draft, 1 in review."
    ) in report
    assert "contributor" in report and "reviewer" in report  # the demo users, as always
    assert leaks([WORK]) == []


@pytest.mark.django_db
@pytest.mark.parametrize("content", ["an incident", "a source"])
def test_the_seed_is_not_loaded_into_an_archive_that_holds_other_content(content):
    if content == "an incident":
        make_published("an-editors-incident")
    else:
        make_source("an-editors-source")
    before = archive_rows()

    out = io.StringIO()
    call_command("demo", stdout=out)

    assert archive_rows() == before
    assert not Incident.objects.filter(slug="katyn-massacre").exists()
    assert (
        "The seed content is loaded only into an empty archive; this one already holds "
        + ("1 incident(s)" if content == "an incident" else "1 source(s)")
    ) in out.getvalue()


# Translations of the seed ------------------------------------------------------------------


def figures_in(text: str) -> list[int]:
    """The numbers of a text, whatever their thousands separator (20,000; 20.000; 20 000)."""
    found = re.findall(r"\d(?:[\d,. \u00a0]*\d)?", text)
    return sorted(int(re.sub(r"\D", "", number)) for number in found)


def read_in(client, url: str, language: str) -> str:
    """The page at ``url`` in ``language``, at that language's address."""
    return client.get(translate_url(url, language)).content.decode()


@pytest.mark.django_db
def test_seed_translations_are_published_through_the_workflow_as_the_seeds(seeded):
    published = Translation.objects.published()
    for language in ("de", "pl"):
        translated = published.filter(language=language)
        assert translated.count() >= 10, language
        assert all(t.title and t.summary for t in translated)
    steps = HistoryEntry.objects.filter(action__in=[Action.TRANSLATE, Action.TRANSLATION])
    assert set(steps.values_list("channel", flat=True)) == {Channel.SEED}
    by_step = {
        to_state: set(steps.filter(to_state=to_state).values_list("user__username", "comment"))
        for to_state in ("", State.IN_REVIEW, State.APPROVED, State.PUBLISHED)
    }
    assert by_step == {
        "": {("contributor", "Translation of version 1 started.")},
        State.IN_REVIEW: {("contributor", SEED_TRANSLATED)},
        State.APPROVED: {("reviewer", SEED_TRANSLATION_REVIEW)},
        State.PUBLISHED: {("publisher", "")},
    }
    assert "not reviewed by a person of this archive" in SEED_TRANSLATION_REVIEW


@pytest.mark.django_db
def test_seed_translations_keep_every_figure_of_the_text_they_translate(seeded):
    for translation_ in Translation.objects.select_related("version"):
        original = translation_.version
        assert figures_in(translation_.title) == figures_in(original.title), translation_
        assert figures_in(translation_.summary) == figures_in(original.summary), translation_


@pytest.mark.django_db
def test_the_demo_shows_a_translation_a_fallback_and_an_out_of_date_one(seeded, client):
    katyn = "/incidents/katyn-massacre/"
    german = read_in(client, katyn, "de")
    assert "<h1>Massaker von Katyn</h1>" in german
    assert "über 20.000 gefangene polnische Offiziere" in german
    # The description has no translation: shown in English, marked.
    assert re.search(r'<section class="description" aria-label="[^"]+" lang="en">', german)
    # No Russian translation at all: the English text, marked, with the notice.
    russian = read_in(client, katyn, "ru")
    assert '<h1><span lang="en">Katyn massacre</span></h1>' in russian
    # Grishchino's translations were made of the summary the project's fixtures had before
    # commit dd29a52 corrected it; the demo replays that correction, so both are out of date.
    assert {(t.incident.slug, t.language) for t in Translation.objects.out_of_date()} == {
        ("grishchino-massacre", "de"),
        ("grishchino-massacre", "pl"),
    }
    grishchino = read_in(client, "/incidents/grishchino-massacre/", "pl")
    assert "<h1>Masakra w Grishchino</h1>" in grishchino
    with translation.override("pl"):
        assert gettext("Translation out of date:") in grishchino
    correction = Correction.objects.get(incident__slug="grishchino-massacre")
    assert correction.note.startswith("The summary now says what the article says")
    current = IncidentVersion.objects.published().get(incident__slug="grishchino-massacre")
    assert "when German forces retook the towns" in current.summary
