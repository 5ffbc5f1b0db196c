"""bench.load_report: what the load test counts as a stale answer after a publication."""

from __future__ import annotations

from bench.load_report import Response, seen_again, stale_after_publication


def answer(started: float, ended: float, version: int | None, key: str = "detail") -> Response:
    return Response(key=key, status=200, started=started, ended=ended, version=version)


def test_an_answer_to_a_request_sent_after_a_commit_must_show_that_version():
    commits = [(10.0, 1), (20.0, 2)]
    responses = [
        answer(9.0, 11.0, 0),  # sent before the first commit: the original is fine
        answer(10.5, 10.6, 0),  # sent after commit 1, shows the original: stale
        answer(21.0, 21.2, 1),  # sent after commit 2, shows 1: stale
        answer(21.5, 21.6, 2),
        answer(22.0, 22.1, None, key="home"),  # a page that names no version
    ]

    assert stale_after_publication(responses, commits) == {1: 1, 2: 1}


def test_an_older_version_seen_after_a_newer_one_had_been_shown_is_counted_on_any_page():
    newer = answer(1.0, 2.0, 1)
    older_later = answer(2.5, 3.0, 0, key="api_item")
    overlapping = answer(1.5, 2.2, 0)  # sent before the newer answer arrived

    assert seen_again([newer, older_later, overlapping]) == [older_later]
