"""Who wrote what a command-line import brings in: four eyes holds for imports too."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from archive.models import Incident, State
from editorial import services
from editorial.models import Action, Channel, HistoryEntry
from editorial.sites import my_work
from tests.editorial.test_import import (
    GOOD_ESTIMATE,
    INCIDENT_HEADER,
    INCIDENT_ROW,
    estimates_file,
)
from tests.factories import make_contributor, make_published, make_reviewer, make_source, make_user

VERIFY_REFUSED = (
    "You cannot verify estimates of a version you wrote or edited: ask another reviewer."
)
APPROVE_REFUSED = "You cannot approve a version you wrote or edited: ask another reviewer."


def import_file(tmp_path, resource: str, text: str, *extra: str) -> str:
    path = tmp_path / f"{resource}.csv"
    path.write_text(text)
    out = io.StringIO()
    call_command(
        "import",
        f"editorial.resources.{resource}",
        str(path),
        "--no-input",
        *extra,
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def import_katyn(tmp_path, *extra: str):
    make_source("naimark-1995")
    import_file(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW, *extra)
    import_file(tmp_path, "EstimateResource", estimates_file(GOOD_ESTIMATE), *extra)
    return Incident.objects.get(slug="katyn-massacre").versions.get()


def review_refused(version, user) -> None:
    """``user`` may neither verify the version's figures nor approve it."""
    with pytest.raises(services.WorkflowError) as verify:
        services.estimate_verify(estimate=version.estimates.get(), user=user)
    with pytest.raises(services.WorkflowError) as approve:
        services.version_approve(version=version, user=user)
    assert (str(verify.value), str(approve.value)) == (VERIFY_REFUSED, APPROVE_REFUSED)


def review_passes(version, user) -> None:
    services.estimate_verify(estimate=version.estimates.get(), user=user)
    services.version_approve(version=version, user=user)
    version.refresh_from_db()
    assert version.state == State.APPROVED


@pytest.mark.django_db
def test_an_import_with_user_makes_that_person_an_author_who_cannot_review_it(tmp_path):
    alice = make_user("alice", "Data editors", "Contributors", "Reviewers")
    version = import_katyn(tmp_path, "--user", "alice")
    assert version.created_by == alice
    imports = HistoryEntry.objects.filter(version=version, action=Action.IMPORT)
    assert {(entry.user, entry.channel) for entry in imports} == {(alice, Channel.COMMAND)}
    services.version_submit(version=version, user=alice)
    review_refused(version, alice)
    review_passes(version, make_reviewer())


@pytest.mark.django_db
def test_an_import_with_user_into_a_published_incident_makes_that_person_the_drafts_author(
    tmp_path,
):
    make_published("katyn-massacre")
    alice = make_user("alice", "Data editors", "Contributors", "Reviewers")
    import_file(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW, "--user", "alice")
    draft = Incident.objects.get(slug="katyn-massacre").versions.get(state=State.DRAFT)
    assert draft.created_by == alice
    assert alice.pk in services.author_ids(draft)


@pytest.mark.django_db
def test_whoever_submits_an_import_without_user_counts_as_its_author(tmp_path):
    version = import_katyn(tmp_path)
    assert version.created_by is None
    assert set(HistoryEntry.objects.filter(version=version).values_list("user", "channel")) == {
        (None, Channel.COMMAND)
    }
    bob = make_user("bob", "Contributors", "Reviewers")
    services.version_submit(version=version, user=bob)
    review_refused(version, bob)
    review_passes(version, make_reviewer())


@pytest.mark.django_db
def test_the_submitter_of_a_draft_imported_without_user_into_a_published_incident_cannot_review_it(
    tmp_path,
):
    make_published("katyn-massacre")
    import_file(tmp_path, "IncidentResource", INCIDENT_HEADER + INCIDENT_ROW)
    draft = Incident.objects.get(slug="katyn-massacre").versions.get(state=State.DRAFT)
    bob = make_user("bob", "Contributors", "Reviewers")
    services.version_submit(version=draft, user=bob)
    review_refused(draft, bob)
    review_passes(draft, make_reviewer())


@pytest.mark.django_db
def test_submitting_a_colleagues_draft_does_not_make_the_submitter_an_author(tmp_path):
    """The draft has an accountable author, so author and reviewer are already two people."""
    alice = make_user("alice", "Data editors", "Contributors")
    version = import_katyn(tmp_path, "--user", "alice")
    bob = make_user("bob", "Contributors", "Reviewers")
    services.version_submit(version=version, user=bob)
    assert services.author_ids(version) == {alice.pk}
    review_passes(version, bob)


def refused(tmp_path, username: str) -> str:
    path = tmp_path / "incidents.csv"
    path.write_text(INCIDENT_HEADER + INCIDENT_ROW)
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            "editorial.resources.IncidentResource",
            str(path),
            "--no-input",
            "--user",
            username,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Incident.objects.exists()
    assert not HistoryEntry.objects.exists()
    return str(error.value)


@pytest.mark.django_db
def test_an_unknown_import_user_is_refused_and_nothing_is_written(tmp_path):
    make_user("alice", "Data editors", "Contributors")
    assert refused(tmp_path, "alcie") == (
        "There is no user “alcie”: give --user the username of the person the import is "
        "recorded as, or leave it out to record it as the command line's."
    )


@pytest.mark.django_db
def test_an_inactive_import_user_is_refused_and_nothing_is_written(tmp_path):
    make_user("alice", "Data editors", "Contributors", is_active=False)
    assert refused(tmp_path, "alice") == (
        "The user “alice” is inactive and cannot import: give --user an active account."
    )


@pytest.mark.django_db
def test_an_import_user_without_the_admins_import_permissions_is_refused(tmp_path):
    make_contributor("carol")
    assert refused(tmp_path, "carol") == (
        "“carol” may not import incident versions: the account lacks "
        "archive.import_incidentversion. The Data editors group gives the import permission, "
        "the Contributors group adding and changing content."
    )


@pytest.mark.django_db
def test_an_unknown_import_user_is_refused_before_the_file_is_read(tmp_path):
    with pytest.raises(CommandError) as error:
        call_command(
            "import",
            "editorial.resources.IncidentResource",
            str(tmp_path / "missing.csv"),
            "--no-input",
            "--user",
            "nobody",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert str(error.value).startswith("There is no user “nobody”")


@pytest.mark.django_db
def test_the_submitter_of_an_import_without_user_finds_it_among_their_own_not_to_review(
    tmp_path,
):
    version = import_katyn(tmp_path)
    bob = make_user("bob", "Contributors", "Reviewers")
    services.version_submit(version=version, user=bob)
    services.version_request_changes(version=version, user=make_reviewer(), comment="Page?")

    def queue(user, title: str) -> list:
        return next(q["versions"] for q in my_work(user) if q["title"] == title)

    assert queue(bob, "Sent back to me") == [version]
    services.version_submit(version=version, user=bob)
    assert queue(bob, "Waiting for my review") == []
    assert queue(make_reviewer(), "Waiting for my review") == [version]
