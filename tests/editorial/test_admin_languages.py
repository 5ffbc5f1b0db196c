"""The editors' side speaks the interface's language wherever a catalogue translates it:
templates (with contexts and plural forms), messages and the services' refusals. What is
stored stays in the archive's language. A small catalogue written here stands in for the
translators' German one."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from django.urls import reverse

from editorial import services
from editorial.models import Thread
from tests.factories import make_contributor, make_draft, make_reviewer

GERMAN = {
    # {% translate "Verified" context "button: ..." %} on the review page
    "button: the reviewer confirms the figure matches its source\x04Verified": "Geprüft",
    # {% blocktranslate with ... context "figures in the verified state" %}
    "figures in the verified state\x04%(verified)s of %(total)s verified": (
        "%(verified)s von %(total)s geprüft"
    ),
    # {% blocktranslate count counter=... %} with its plural
    "%(counter)s open query\x00%(counter)s open queries": (
        "%(counter)s offene Rückfrage\x00%(counter)s offene Rückfragen"
    ),
    # The review checklist, built in Python
    "Date": "Datum",
    # A workflow button, pgettext_lazy at import time
    "button: approve a version\x04Approve": "Freigeben",
    # A message after an admin action
    "Taken: the version waits for your review.": "Übernommen: die Version wartet auf Ihre Prüfung.",
    # A stored constant, translated only where it is shown
    "The version as a whole": "Die Version als Ganzes",
}


def write_catalogue(folder: Path, language: str, messages: dict[str, str]) -> None:
    """A compiled gettext catalogue (.mo) of ``messages``: keys are msgids, with
    ``context\\x04msgid`` for a context and ``singular\\x00plural`` for plural forms."""
    header = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"
    entries = sorted({"": header, **messages}.items())
    ids = strs = b""
    offsets = []
    for key, value in entries:
        key_bytes, value_bytes = key.encode(), value.encode()
        offsets.append((len(ids), len(key_bytes), len(strs), len(value_bytes)))
        ids += key_bytes + b"\0"
        strs += value_bytes + b"\0"
    key_start = 7 * 4 + 16 * len(entries)
    value_start = key_start + len(ids)
    key_table = b"".join(struct.pack("<2I", length, key_start + at) for at, length, _, _ in offsets)
    value_table = b"".join(
        struct.pack("<2I", length, value_start + at) for _, _, at, length in offsets
    )
    head = struct.pack("<7I", 0x950412DE, 0, len(entries), 7 * 4, 7 * 4 + 8 * len(entries), 0, 0)
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.mo").write_bytes(head + key_table + value_table + ids + strs)


@pytest.fixture
def in_german(settings, tmp_path):
    write_catalogue(tmp_path, "de", GERMAN)
    settings.LOCALE_PATHS = [tmp_path]
    settings.LANGUAGE_CODE = "de"


def queried_version(author, reviewer):
    version = services.version_submit(version=make_draft(author, estimates=2), user=author)
    first, second = version.estimates.order_by("ref")
    services.estimate_verify(estimate=first, user=reviewer)
    services.estimate_query(estimate=second, user=reviewer, note="Which page?")
    return version


@pytest.mark.django_db
def test_the_review_page_reads_in_the_interface_language(client, in_german):
    author, reviewer = make_contributor(), make_reviewer()
    version = queried_version(author, reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("admin:version_review", args=[version.pk])).content.decode()
    assert "<strong>1 von 2 geprüft</strong>" in page  # a context and named placeholders
    assert "1 offene Rückfrage" in page  # the singular of a plural form
    assert '<button type="submit" class="button default">Geprüft</button>' in page
    assert "<dt>Datum</dt>" in page  # Python, at request time
    assert ">Freigeben</button>" in page  # a lazy label, translated when shown
    # What the catalogue lacks stays in English, word for word.
    assert "Look at these as well. They do not block approval" in page


@pytest.mark.django_db
def test_a_message_after_an_action_reads_in_the_interface_language(client, in_german):
    author, reviewer = make_contributor(), make_reviewer()
    version = services.version_submit(version=make_draft(author, estimates=1), user=author)
    client.force_login(reviewer)
    response = client.post(reverse("admin:version_take", args=[version.pk]), follow=True)
    assert "Übernommen: die Version wartet auf Ihre Prüfung." in response.content.decode()


@pytest.mark.django_db
def test_a_stored_subject_stays_english_and_is_translated_where_shown(client, in_german):
    author, reviewer = make_contributor(), make_reviewer()
    version = services.version_submit(version=make_draft(author, estimates=1), user=author)
    client.force_login(reviewer)
    client.post(
        reverse("admin:version_discussion", args=[version.pk, "open"]),
        {"back": "review", "text": "Is the date right?"},
    )
    assert Thread.objects.get().subject == "The version as a whole"
    page = client.get(reverse("admin:version_review", args=[version.pk])).content.decode()
    assert "<h3>Die Version als Ganzes <span" in page  # the thread's heading


@pytest.mark.django_db
def test_the_review_checklist_writes_dates_as_the_language_does(client):
    """The Polish catalogue's long date names the month in the genitive after a day."""
    author, reviewer = make_contributor(), make_reviewer()
    version = make_draft(author, estimates=1, date="1940-04-07", date_text="7 April 1940")
    services.version_submit(version=version, user=author)
    client.force_login(reviewer)
    url = reverse("admin:version_review", args=[version.pk])
    assert "7 April 1940" in client.get(url).content.decode()
    polish = client.get(url, headers={"Accept-Language": "pl"}).content.decode()
    assert "7 kwietnia 1940" in polish
