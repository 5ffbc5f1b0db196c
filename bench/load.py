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
import contextlib
import datetime
import http.client
import json
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.harness import BENCH, HOST, PYTHON, Bench, BenchDatabase, get  # noqa: E402
from bench.load_editor import PREFIX  # noqa: E402
from bench.load_report import TARGETS, Response, summarise, table  # noqa: E402
from bench.report import machine  # noqa: E402

REQUEST_TIMEOUT = 30


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


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
