"""The editor of the load test: a separate process that publishes new versions on request.

    python -m bench.load_editor --slug synthetic-1

``bench/load.py`` starts it with the server's environment (the same settings, DATABASE_URL,
shared cache and collected static files), so the publication generation it bumps is the one
the gunicorn workers read and the pages it renders on publishing are the ones they serve. It
answers on stdout, one JSON object a line prefixed with ``LOAD``: first ``ready``, then one
``published`` (or ``error``) for every ``{"publish": k, "marker": "..."}`` line read on stdin,
and one ``withdrawn`` (or ``error``) for every ``{"withdraw": k}`` (bench/scaletest.py).
Publishing after a withdrawal publishes the incident again.
Every change goes through editorial.services, as an editor's would: an author starts a draft,
edits its title and summary and submits it; a reviewer verifies every estimate and approves;
a publisher publishes with a public note. The accounts are the tool's own (``synthetic-*``)
and every history entry names the benchmark tool as its channel: the steps are taken, but by
the load test, not by a person.
"""

from __future__ import annotations

import json
import os
import sys
import time

PREFIX = "LOAD "


def say(**message: object) -> None:
    sys.stdout.write(PREFIX + json.dumps(message) + "\n")
    sys.stdout.flush()


class Editor:
    def __init__(self, slug: str) -> None:
        from archive.models import Incident
        from bench.synthetic import synthetic_users

        self.incident = Incident.objects.get(slug=slug)
        users = synthetic_users()
        self.author, self.reviewer = users["contributor"], users["reviewer"]
        self.publisher = users["publisher"]
        published = self.incident.versions.published().first()
        if published is None:
            raise SystemExit(f"load editor: {slug} has no published version")
        self.original_title = published.title
        self.original_summary = published.summary

    def publish(self, number: int, marker: str) -> dict:
        """One new version from draft to published; returns the time each step took."""
        from django.db import connection

        from editorial import services
        from editorial.models import Channel

        steps: dict[str, float] = {}
        started = time.perf_counter()

        def step(name: str) -> None:
            nonlocal started
            now = time.perf_counter()
            steps[name] = round((now - started) * 1000, 1)
            started = now

        draft = services.version_start_draft(
            incident=self.incident, user=self.author, channel=Channel.BENCHMARK
        )
        step("start_draft_ms")
        services.version_edit(
            version=draft,
            user=self.author,
            seen_lock_version=draft.lock_version,
            fields={
                "title": f"{self.original_title[:200]} (revised, {marker})",
                "summary": f"{self.original_summary} Revised by the load test: {marker}.",
            },
            channel=Channel.BENCHMARK,
        )
        step("edit_ms")
        services.version_submit(version=draft, user=self.author, channel=Channel.BENCHMARK)
        step("submit_ms")
        for estimate in draft.estimates.all():
            services.estimate_verify(
                estimate=estimate, user=self.reviewer, channel=Channel.BENCHMARK
            )
        services.version_approve(version=draft, user=self.reviewer, channel=Channel.BENCHMARK)
        step("verify_approve_ms")
        if connection.in_atomic_block:  # the publication must have committed on return
            raise RuntimeError("the editor must not publish inside an outer transaction")
        services.version_publish(
            version=draft,
            user=self.publisher,
            note=f"Load test revision {number}.",
            channel=Channel.BENCHMARK,
        )
        # CLOCK_MONOTONIC is one clock for every process of the machine: load.py compares it
        # with the times its readers sent their requests.
        committed_at = time.monotonic()
        step("publish_ms")
        return {"committed_at": committed_at, "version": draft.number, "steps": steps}

    def withdraw(self, number: int) -> dict:
        """Withdraw the published version, as a publisher would (bench/scaletest.py)."""
        from django.db import connection

        from editorial import services
        from editorial.models import Channel

        published = self.incident.versions.published().first()
        if published is None:
            raise RuntimeError(f"{self.incident.slug} has no published version to withdraw")
        if connection.in_atomic_block:
            raise RuntimeError("the editor must not withdraw inside an outer transaction")
        services.version_withdraw(
            version=published,
            user=self.publisher,
            reason=f"Withdrawn by the scale test ({number}).",
            channel=Channel.BENCHMARK,
        )
        return {"committed_at": time.monotonic(), "version": published.number}


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slug", required=True, help="the published incident to revise")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()
    editor = Editor(args.slug)
    say(event="ready", slug=args.slug, title=editor.original_title, pid=os.getpid())
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("quit"):
            break
        if "withdraw" in command:
            number = command["withdraw"]
            try:
                done = editor.withdraw(number)
            except Exception as error:  # reported to the caller, which fails the run
                say(event="error", number=number, error=f"{type(error).__name__}: {error}")
                continue
            say(event="withdrawn", number=number, **done)
            continue
        number, marker = command["publish"], command["marker"]
        try:
            done = editor.publish(number, marker)
        except Exception as error:  # reported to load.py, which fails the run
            say(event="error", number=number, error=f"{type(error).__name__}: {error}")
            continue
        say(event="published", number=number, marker=marker, **done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
