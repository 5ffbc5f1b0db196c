#!/usr/bin/env python
"""A load test of the production-style server while an editor publishes: ``make loadtest``.

    python bench/load.py [--incidents 500] [--readers 16] [--seconds 30] [--publishes 5]

It builds a fresh database with a small synthetic archive (SQLite: bench/bench-load.sqlite3;
PostgreSQL: a database ``archive_bench_load`` beside DATABASE_URL's) and starts gunicorn as
``bench/run.py`` does (2 workers, DEBUG off, WhiteNoise) on a free port of 127.0.0.1. N reader
threads, one request at a time each on a keep-alive connection, loop over public pages and the
API for the whole run (the first one also downloads /data/estimates.csv once a cycle).
Meanwhile an editor process (bench/load_editor.py, with the server's settings, DATABASE_URL
and shared cache) takes one published incident through a new version — draft, edit, submit,
verify, approve, publish — several times, spaced through the run, each version's title and
summary carrying a unique marker. As soon as a publication has committed, the detail page and
the API item are fetched until they show its marker; every response of the run is checked for
the marker it shows.

The run fails (exit 1) on any error (a connection error, a timeout or a status outside
200–399), on any response to a request sent after a publication committed that shows an older
version, on an older version seen again after a newer one had been shown, and on a publication
not shown by a request sent within --visible-within seconds (default 2) of its commit. It
prints a table and writes bench/load-results.json. The server and the editor are always stopped
and the database dropped at the end, even on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime
import http.client
import json
import os
import queue
import re
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.harness import BENCH, HOST, PYTHON, Bench, BenchDatabase, get  # noqa: E402
from bench.load_editor import PREFIX  # noqa: E402
from bench.report import machine  # noqa: E402

REQUEST_TIMEOUT = 30
# The pages whose every answer names the incident being revised, so show its version.
TARGETS = ("detail", "api_item")


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass(slots=True)
class Response:
    key: str
    status: int  # 0: no answer (connection error or timeout)
    started: float  # time.monotonic(), comparable with the editor process's
    ended: float
    version: int | None  # the newest marker number in the body; 0: the original version
    probe: bool = False
    error: str = ""


class Markers:
    """Marker ``k`` is in the title and summary of the k-th revision published in this run."""

    def __init__(self) -> None:
        self.token = f"loadtest{secrets.token_hex(4)}"
        self.pattern = re.compile(re.escape(self.token).encode() + rb"n(\d+)")

    def marker(self, number: int) -> str:
        return f"{self.token}n{number}"

    def version(self, key: str, status: int, body: bytes) -> int | None:
        if status != 200:
            return None
        found = self.pattern.findall(body)
        if found:
            return max(int(number) for number in found)
        return 0 if key in TARGETS else None  # other pages need not mention the incident


# A long streamed answer: the first reader alone downloads it, once a cycle, so that it keeps
# at most one worker busy and the pages keep the rest.
DOWNLOAD = ("estimates_csv", "/data/estimates.csv")


def public_paths(slug: str, markers: Markers) -> list[tuple[str, str]]:
    """What every reader cycles through; the revised incident's pages come twice a cycle."""
    return [
        ("home", "/"),
        ("detail", f"/incidents/{slug}/"),
        ("list", "/incidents/"),
        ("api_item", f"/api/incidents/{slug}/"),
        ("filtered", "/incidents/?category=massacre&year_from=1941"),
        ("detail", f"/incidents/{slug}/"),
        ("search", "/incidents/?q=village"),
        ("api_item", f"/api/incidents/{slug}/"),
        ("api_list", "/api/incidents/"),
        ("search_marker", f"/incidents/?q={markers.token}"),
    ]


# Readers ------------------------------------------------------------------------------------


def read_until(
    stop: threading.Event,
    number: int,
    port: str,
    paths: list[tuple[str, str]],
    markers: Markers,
    responses: list[Response],
) -> None:
    """One reader: one request at a time on a keep-alive connection, reopened when closed."""
    connection: http.client.HTTPConnection | None = None
    position = number  # readers spread over the cycle
    while not stop.is_set():
        key, path = paths[position % len(paths)]
        position += 1
        started = time.monotonic()
        try:
            if connection is None:
                connection = http.client.HTTPConnection(HOST, int(port), timeout=REQUEST_TIMEOUT)
            connection.request("GET", path)
            answer = connection.getresponse()
            body = answer.read()
            if answer.will_close:  # gunicorn's sync workers close after every response
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            responses.append(Response(key, 0, started, time.monotonic(), None, error=repr(error)))
            if connection is not None:
                connection.close()
            connection = None
            continue
        ended = time.monotonic()
        version = markers.version(key, answer.status, body)
        responses.append(Response(key, answer.status, started, ended, version))
    if connection is not None:
        connection.close()


def probe(
    port: str,
    paths: dict[str, str],
    markers: Markers,
    number: int,
    committed_at: float,
    within: float,
    responses: list[Response],
) -> dict:
    """Fetch each of the revised incident's pages, all at once, right after publication
    ``number`` committed, again and again until it shows the publication, for ``within``
    seconds at most. ``sent_ms``: from the commit to sending the first request that showed
    it; ``answered_ms``: to its answer, which includes the wait behind the readers."""

    def fetch_until_seen(key: str, found: dict) -> None:
        fetches = 0
        while time.monotonic() < committed_at + within:
            started = time.monotonic()
            fetches += 1
            try:
                status, body, _ = get(port, paths[key], timeout=REQUEST_TIMEOUT)
            except (OSError, http.client.HTTPException) as error:
                ended = time.monotonic()
                responses.append(Response(key, 0, started, ended, None, True, repr(error)))
                continue
            ended = time.monotonic()
            version = markers.version(key, status, body)
            responses.append(Response(key, status, started, ended, version, probe=True))
            if version is not None and version >= number:
                found[key] = {
                    "sent_ms": round((started - committed_at) * 1000, 1),
                    "answered_ms": round((ended - committed_at) * 1000, 1),
                    "fetches": fetches,
                }
                return
            time.sleep(0.01)
        found[key] = {"sent_ms": None, "answered_ms": None, "fetches": fetches}

    found: dict[str, dict] = {}
    threads = [threading.Thread(target=fetch_until_seen, args=(key, found)) for key in TARGETS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {key: found[key] for key in TARGETS}


# The editor ---------------------------------------------------------------------------------


class EditorProcess:
    """bench/load_editor.py in its own process, with the environment the server has: the same
    settings, database, shared cache and collected static files."""

    def __init__(self, bench: Bench, env: dict[str, str], slug: str) -> None:
        self.log_path = bench.tmp / "editor.log"
        self.messages: queue.Queue[dict] = queue.Queue()
        with self.log_path.open("w") as errors:
            self.process = subprocess.Popen(  # noqa: S603 - our own command, no shell
                [PYTHON, "-m", "bench.load_editor", "--slug", slug],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                bufsize=1,
                start_new_session=True,  # Ctrl-C reaches load.py, which stops it in order
            )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            if line.startswith(PREFIX):
                self.messages.put(json.loads(line[len(PREFIX) :]))
        self.messages.put({"event": "exit"})

    def send(self, **command: object) -> None:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self, timeout: float) -> dict:
        try:
            message = self.messages.get(timeout=timeout)
        except queue.Empty:
            raise SystemExit(f"load: the editor did not answer within {timeout:.0f} s") from None
        if message["event"] == "exit":
            tail = self.log_path.read_text()[-3000:]
            raise SystemExit(f"load: the editor exited:\n{tail}")
        return message

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self.send(quit=True)
                self.process.stdin.close()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)  # the editor we started
                self.process.wait(timeout=10)


# Analysis -----------------------------------------------------------------------------------


def stale_after_publication(responses: list[Response], commits: list[tuple[float, int]]) -> Counter:
    """Responses sent after publication k committed that show a version older than k, by k."""
    times = [at for at, _ in commits]
    stale = Counter()
    for response in responses:
        if response.version is None:
            continue
        committed = bisect.bisect_left(times, response.started)  # publications before it
        if committed and response.version < commits[committed - 1][1]:
            stale[commits[committed - 1][1]] += 1
    return stale


def seen_again(responses: list[Response]) -> list[Response]:
    """Responses showing an older version than one another response had already shown
    (ended before this one was sent), on any page: the old title coming back."""
    shown = sorted((r for r in responses if r.version is not None), key=lambda r: r.ended)
    ends = [r.ended for r in shown]
    newest_so_far = []
    newest = -1
    for response in shown:
        newest = max(newest, response.version)
        newest_so_far.append(newest)
    older = []
    for response in shown:
        before = bisect.bisect_left(ends, response.started)
        if before and response.version < newest_so_far[before - 1]:
            older.append(response)
    return older


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarise(
    responses: list[Response],
    publications: list[dict],
    reader_seconds: float,
    args: argparse.Namespace,
) -> dict:
    readers = [r for r in responses if not r.probe]
    errors = [r for r in responses if not 200 <= r.status < 400]
    commits = sorted((p["committed_at"], p["number"]) for p in publications)
    stale = stale_after_publication(responses, commits)
    again = seen_again(responses)
    pages = {}
    for key in dict.fromkeys(r.key for r in responses):
        ms = [(r.ended - r.started) * 1000 for r in readers if r.key == key and r.status]
        pages[key] = {
            "requests": sum(1 for r in responses if r.key == key),
            "errors": sum(1 for r in errors if r.key == key),
            "p50_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
            "max_ms": round(max(ms), 1) if ms else None,
        }
    by_status = Counter(str(r.status) if r.status else "no answer" for r in responses)
    for publication in publications:
        number, committed_at = publication["number"], publication["committed_at"]
        first = [
            r.ended for r in readers if r.version is not None and r.version >= number
        ]  # a reader may see it a moment before the editor took its clock
        publication["first_seen_by_a_reader_ms"] = (
            round((min(first) - committed_at) * 1000, 1) if first else None
        )
        publication["stale_after"] = stale.get(number, 0)
        publication["committed_at_s"] = round(committed_at - publication.pop("load_started"), 2)
        del publication["committed_at"]
    failures = []
    if errors:
        kinds = Counter(r.error or f"HTTP {r.status}" for r in errors)
        failures.append(f"{len(errors)} error(s): {dict(kinds.most_common(5))}")
    if len(publications) < args.publishes:
        failures.append(f"only {len(publications)} of {args.publishes} publications were made")
    for publication in publications:
        late = [
            key
            for key in TARGETS
            if publication["visible"][key]["sent_ms"] is None
            or publication["visible"][key]["sent_ms"] > args.visible_within * 1000
        ]
        if late:
            failures.append(
                f"publication {publication['number']} not visible on {', '.join(late)} "
                f"within {args.visible_within} s"
            )
    if sum(stale.values()):
        failures.append(f"{sum(stale.values())} stale response(s) after publication")
    if again:
        failures.append(f"{len(again)} response(s) showed an older version after a newer one")
    latencies = [(r.ended - r.started) * 1000 for r in readers if r.status]
    return {
        "requests": {
            "total": len(responses),
            "readers": len(readers),
            "probes": len(responses) - len(readers),
            "by_status": dict(sorted(by_status.items())),
            "errors": len(errors),
            "rps": round(len(readers) / reader_seconds, 1),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
            "max_ms": round(max(latencies), 1) if latencies else None,
        },
        "pages": pages,
        "publications": publications,
        "stale_after_publication": sum(stale.values()),
        "older_after_newer": len(again),
        "older_after_newer_examples": [
            {"page": r.key, "version": r.version, "status": r.status} for r in again[:5]
        ],
        "failures": failures,
        "passed": not failures,
    }


def table(results: dict) -> str:
    m, s, q = results["machine"], results["settings"], results["requests"]
    lines = [
        f"Incident Archive load test — {results['incidents']:,} incidents, {m['database']}, "
        f"{m['date']}",
        f"{m['cores']} cores ({m['cpu']}), Python {m['python']}, gunicorn 2 workers, "
        f"{s['readers']} readers for {s['seconds']} s, {s['publishes']} publications",
        "",
        f"{'page':<16} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}",
    ]
    for key, page in results["pages"].items():
        lines.append(
            f"{key:<16} {page['requests']:>9} {page['p50_ms'] or 0:>8.1f} "
            f"{page['p95_ms'] or 0:>8.1f} {page['max_ms'] or 0:>8.1f} {page['errors']:>7}"
        )
    statuses = ", ".join(f"{status}: {count}" for status, count in q["by_status"].items())
    lines += [
        f"{'all':<16} {q['total']:>9} {q['p50_ms'] or 0:>8.1f} {q['p95_ms'] or 0:>8.1f} "
        f"{q['max_ms'] or 0:>8.1f} {q['errors']:>7}",
        "",
        f"requests: {q['total']} ({q['readers']} by readers, {q['probes']} probes after "
        f"publishing); by status: {statuses}; errors: {q['errors']}",
        f"requests/s (readers): {q['rps']}",
        "",
        f"{'publication':<12} {'at s':>6} {'publish ms':>11} {'detail shown by':>24} "
        f"{'API shown by':>24} {'stale':>6}",
    ]

    def shown(visible: dict) -> str:
        if visible["sent_ms"] is None:
            return f"not in {visible['fetches']} fetches"
        return f"fetch {visible['fetches']}, {visible['sent_ms']:.1f}/{visible['answered_ms']:.0f}"

    for p in results["publications"]:
        lines.append(
            f"{p['number']:<12} {p['committed_at_s']:>6.1f} {p['steps']['publish_ms']:>11.1f} "
            f"{shown(p['visible']['detail']):>24} {shown(p['visible']['api_item']):>24} "
            f"{p['stale_after']:>6}"
        )
    lines += [
        "  at s: when the publication committed; shown by: the first fetch after the commit that",
        "  showed the new version (1: at once), sent/answered so many ms after the commit (the",
        "  answer waits behind the readers); stale: responses to requests sent after the commit",
        "  that showed an older version, on any page",
        "",
        f"publications made: {len(results['publications'])} of {s['publishes']}; stale after "
        f"publication: {results['stale_after_publication']}; older version seen after a newer "
        f"one: {results['older_after_newer']}",
    ]
    if results["server_log_errors"]:
        lines.append(f"gunicorn error log: {len(results['server_log_errors'])} error line(s)")
    if results["passed"]:
        lines.append("PASSED")
    else:
        lines += ["FAILED:", *(f"  {failure}" for failure in results["failures"])]
    return "\n".join(lines)


# The run ------------------------------------------------------------------------------------


def run_load(
    bench: Bench, env: dict[str, str], port: str, args: argparse.Namespace
) -> tuple[list[Response], list[dict], float]:
    markers = Markers()
    editor = EditorProcess(bench, env, args.slug)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    try:
        ready = editor.receive(timeout=120)
        log(f"editor ready (pid {ready['pid']}): revising {args.slug} “{ready['title']}”")
        paths = public_paths(args.slug, markers)
        for key, path in dict([*paths, DOWNLOAD]).items():  # every page answers; caches filled
            status, body, _ = get(port, path, timeout=REQUEST_TIMEOUT)
            if status != 200:
                raise SystemExit(f"load: {key} {path} answered {status}: {body[:300]!r}")
        per_reader: list[list[Response]] = [[] for _ in range(args.readers)]
        probes: list[Response] = []
        threads = [
            threading.Thread(
                target=read_until,
                args=(
                    stop,
                    number,
                    port,
                    [*paths, DOWNLOAD] if number == 0 else paths,
                    markers,
                    per_reader[number],
                ),
                daemon=True,
            )
            for number in range(args.readers)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        log(f"{args.readers} readers started for {args.seconds} s")
        publications = []
        for number in range(1, args.publishes + 1):
            due = started + args.seconds * (number - 0.5) / args.publishes
            time.sleep(max(0.0, due - time.monotonic()))
            editor.send(publish=number, marker=markers.marker(number))
            message = editor.receive(timeout=120)
            received = time.monotonic()
            if message["event"] != "published":
                log(f"publication {number} FAILED: {message.get('error')}")
                continue
            # The editor's time.monotonic() is CLOCK_MONOTONIC, one clock for the machine;
            # should it not be, take the time its answer arrived, a moment later.
            committed_at = message["committed_at"]
            if not started <= committed_at <= received:
                committed_at = received
            visible = probe(
                port,
                dict(paths),
                markers,
                number,
                committed_at,
                args.visible_within,
                probes,
            )
            publications.append(
                {
                    "number": number,
                    "marker": message["marker"],
                    "version": message["version"],
                    "committed_at": committed_at,
                    "load_started": started,
                    "steps": message["steps"],
                    "visible": visible,
                }
            )
            detail, api = visible["detail"], visible["api_item"]
            log(
                f"publication {number} (version {message['version']}) committed; shown by "
                f"fetch {detail['fetches']} of the detail page (answered after "
                f"{detail['answered_ms']} ms) and fetch {api['fetches']} of the API item "
                f"({api['answered_ms']} ms)"
            )
        time.sleep(max(0.0, started + args.seconds - time.monotonic()))
        stop.set()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT + 10)
        reader_seconds = time.monotonic() - started
        log("readers stopped")
    finally:
        stop.set()
        editor.stop()
    responses = [response for responses in per_reader for response in responses] + probes
    return responses, publications, reader_seconds


def server_log_errors(bench: Bench) -> list[str]:
    path = bench.tmp / "gunicorn.log"
    if not path.exists():
        return []
    return [
        line
        for line in path.read_text(errors="replace").splitlines()
        if "[ERROR]" in line or "[CRITICAL]" in line or "WORKER TIMEOUT" in line
    ][:20]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", "-n", type=int, default=500)
    parser.add_argument("--readers", type=int, default=16, help="concurrent readers")
    parser.add_argument("--seconds", type=float, default=30, help="how long the readers read")
    parser.add_argument("--publishes", type=int, default=5, help="publications during the run")
    parser.add_argument(
        "--visible-within",
        type=float,
        default=2.0,
        help="seconds a publication may take to show on its pages (default 2)",
    )
    parser.add_argument("--slug", default="synthetic-1", help="the incident the editor revises")
    parser.add_argument("--keep-db", action="store_true", help="keep the load test database")
    parser.add_argument("--output", default=str(BENCH / "load-results.json"))
    args = parser.parse_args()
    if args.readers < 1 or args.publishes < 1 or args.seconds <= 0 or args.incidents < 1:
        parser.error("--incidents, --readers, --seconds and --publishes must be positive")

    def interrupted(signum, frame):
        raise SystemExit(f"load: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    bench = Bench(args)
    database = BenchDatabase(os.environ.get("DATABASE_URL", ""), "-load")
    results: dict = {
        "incidents": args.incidents,
        "settings": {
            "readers": args.readers,
            "seconds": args.seconds,
            "publishes": args.publishes,
            "visible_within_s": args.visible_within,
            "slug": args.slug,
        },
    }
    started = time.perf_counter()
    try:
        log(f"building {database.url.split('@')[-1]} with {args.incidents:,} synthetic incidents")
        results["build"] = bench.build(database, args.incidents)
        port = bench.start_server(database)
        log(f"gunicorn (2 workers, DEBUG off) answers on {HOST}:{port}")
        try:
            env = bench.server_env(database)  # the editor publishes as the server would
            responses, publications, reader_seconds = run_load(bench, env, port, args)
        finally:
            bench.stop_server()
            log("gunicorn stopped")
        results["machine"] = machine(database, "python")
        results["server_log_errors"] = server_log_errors(bench)
    finally:
        bench.cleanup()
    results.update(summarise(responses, publications, reader_seconds, args))
    if results["server_log_errors"]:
        results["failures"].append("gunicorn logged errors: " + results["server_log_errors"][0])
        results["passed"] = False
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["date"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    output = Path(args.output)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    output.write_text(text)
    (output.parent / f"load-results-{database.vendor}.json").write_text(text)
    print()
    print(table(results))
    print(f"\nwritten to {output} ({results['seconds']} s in all)")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nload: interrupted; the server and the editor are stopped, the database dropped")
        sys.exit(130)
