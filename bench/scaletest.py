#!/usr/bin/env python
"""Several machines, proven: ``make scaletest``.

    python bench/scaletest.py [--incidents 300] [--readers 3] [--visible-within 5]

It starts, in temporary directories on free ports of 127.0.0.1, everything a deployment on
several machines has (docs/deployment.md, "Several machines"):

- a PostgreSQL primary (Debian's binaries in /usr/lib/postgresql/*/bin, run as the
  ``postgres`` user when run as root) and a streaming standby made from it with
  ``pg_basebackup -R``;
- a ``redis-server`` (no persistence) as the shared cache, CACHE_URL=redis://...;
- two gunicorn servers, "A" and "B", each with its own collected static files and 2 workers,
  DATABASE_URL=primary, DATABASE_REPLICA_URL=standby, CACHE_URL=redis: two machines that
  share nothing but the databases and Redis.

It fills the primary with a small synthetic archive (bench.generate), then READERS threads per
server read public pages (the revised incident's page and API item, the home page, the list,
and a list address the cache never keeps, so that every one of its requests reads the
database) while an editor process (bench/load_editor.py, through editorial.services, as the
benchmark's own accounts) changes one incident, phase by phase:

1. normal: a correction, a withdrawal, the incident published again;
2. WAL replay paused on the standby (``pg_wal_replay_pause()``): a correction; public reads
   must fall back to the primary (archive.routers logs each), and no stale page may be cached;
   after ``pg_wal_replay_resume()`` the standby must serve public reads again;
3. Redis stopped: a correction; the site must answer from the database (the cache logs its
   outage) and use Redis again once it is back;
4. Redis frozen (SIGSTOP, as a machine cut off from the network): a correction while it
   hangs; requests wait for the cache's timeout, not for Redis, and once thawed no stale page
   may be served (the writes waiting in its sockets then run; that a generation held through
   an outage is forgotten is shown by tests/archive/test_redis_cache.py);
5. the standby stopped: a correction; reads go to the primary (a read the stop cuts short is
   answered again from the primary); then it is started again and must serve again.

After every change it fetches the incident's page and API item from both servers until they
show it and prints the time from the commit to the first request that showed it. It fails
(exit 1) on any error a reader receives (a connection error, a timeout or a status other than
200; 410 and 404 for the withdrawn incident's page and API item), on any response to a
request sent more than --visible-within seconds after a change committed that does not show
it, on a fallback that did not happen, on a server that logged an error, and on a standby that
does not serve again.
Everything it started is stopped, and its directories removed, at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402
    HOST,
    PYTHON,
    Bench,
    BenchDatabase,
    free_port,
    get,
    stop_process_group,
)
from bench.load import EditorProcess  # noqa: E402

REQUEST_TIMEOUT = 30
SLUG = "synthetic-1"
# How the incident's page and API item answer once it is withdrawn.
WITHDRAWN_STATUS = {"detail": 410, "api_item": 404}

# What each log line of the servers counts as (archive.routers, archive.redis_cache).
LOG_EVENTS = {
    "replica behind": "The replica is behind",
    "replica unreachable": "The replica cannot be reached",
    "replica read retried": "A public read failed on the replica",
    "cache unavailable": "The cache is unavailable",
    "cache back": "The cache is available again",
}


def log(message: str) -> None:
    print(f"[scale {time.strftime('%H:%M:%S')}] {message}", flush=True)


# PostgreSQL and Redis -----------------------------------------------------------------------


def pg_bin() -> Path:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name),
    )
    if not found:
        raise SystemExit("scale: PostgreSQL is not installed (apt-get install postgresql)")
    return found[-1].parent


def as_postgres() -> dict:
    """Run PostgreSQL's programs as the postgres user when root (it refuses to run as root)."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


class Cluster:
    """One PostgreSQL server with its data directory under ``base``."""

    def __init__(self, name: str, base: Path, binaries: Path) -> None:
        self.name = name
        self.data = base / name
        self.binaries = binaries
        self.port = free_port()
        self.base = base

    def command(self, program: str, *arguments: str, check: bool = True) -> None:
        done = subprocess.run(  # noqa: S603 - our own command, no shell
            [str(self.binaries / program), *arguments],
            cwd=self.base,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            **as_postgres(),
        )
        if check and done.returncode:
            raise SystemExit(f"scale: {program} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses={HOST} -c fsync=off "
            "-c full_page_writes=off -c max_connections=60"
        )
        self.command(
            "pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w",
            "-o", options, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self.command("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def query(self, sql: str, database: str = "postgres") -> object:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as db:
            row = db.execute(sql).fetchone()
        return row[0] if row else None


def start_primary(base: Path, binaries: Path) -> Cluster:
    primary = Cluster("primary", base, binaries)
    primary.command(
        "initdb", "-D", str(primary.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
        "--locale=C.UTF-8",
    )  # fmt: skip
    primary.start()
    return primary


def start_standby(base: Path, primary: Cluster) -> Cluster:
    standby = Cluster("standby", base, primary.binaries)
    primary.command(
        "pg_basebackup", "-h", HOST, "-p", str(primary.port), "-U", "postgres",
        "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast",
    )  # fmt: skip
    standby.start()
    if standby.query("select pg_is_in_recovery()") is not True:
        raise SystemExit("scale: the standby is not in recovery")
    return standby


def caught_up(primary: Cluster, standby: Cluster, timeout: float = 60) -> float:
    """Wait until the standby has replayed everything the primary had written; seconds."""
    started = time.monotonic()
    target = primary.query("select pg_current_wal_lsn()::text")
    while time.monotonic() < started + timeout:
        behind = standby.query(f"select pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn())")
        if behind is not None and float(str(behind)) <= 0:
            return time.monotonic() - started
        time.sleep(0.1)
    raise SystemExit(f"scale: the standby did not catch up within {timeout:.0f} s")


class Redis:
    def __init__(self, base: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("scale: redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.directory = base / "redis"
        self.directory.mkdir()
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.url = f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [
                self.binary, "--port", str(self.port), "--bind", HOST, "--save", "",
                "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                if self.command("PING") == "+PONG":
                    return
            time.sleep(0.05)
        raise SystemExit("scale: redis-server did not start")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)  # should it be frozen
            process.terminate()
            process.wait(timeout=20)

    def freeze(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    def command(self, *words: str) -> str:
        import socket

        with socket.create_connection((HOST, self.port), timeout=2) as connection:
            request = f"*{len(words)}\r\n" + "".join(f"${len(w)}\r\n{w}\r\n" for w in words)
            connection.sendall(request.encode())
            return connection.recv(4096).decode().split("\r\n")[0]

    def keys(self) -> int:
        return int(self.command("DBSIZE").lstrip(":"))


# The two app servers ------------------------------------------------------------------------


class AppServer:
    def __init__(self, name: str, env: dict[str, str], base: Path) -> None:
        self.name = name
        self.env = env
        self.port = free_port()
        self.log_path = base / f"gunicorn-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(PYTHON).parent / "gunicorn"
        with self.log_path.open("a") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own command, no shell
                [
                    str(gunicorn), "archive.wsgi", "--workers", "2",
                    "--bind", f"{HOST}:{self.port}", "--graceful-timeout", "5",
                ],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"scale: gunicorn {self.name} exited:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if get(self.port, "/robots.txt", timeout=2)[0] == 200:
                    return
            time.sleep(0.25)
        raise SystemExit(f"scale: gunicorn {self.name} did not answer within 90 s")

    def stop(self) -> None:
        process, self.process = self.process, None
        stop_process_group(process)  # the gunicorn we started and its workers

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self) -> str:
        return self.log_text()[-3000:]

    def events(self) -> Counter:
        text = self.log_text()
        return Counter({name: text.count(phrase) for name, phrase in LOG_EVENTS.items()})

    def errors(self) -> list[str]:
        """Error lines, a logged exception as its message and the last line of its trace."""
        found = []
        for line in self.log_text().splitlines():
            if line.startswith("{") and '"level": "' in line:
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if record.get("level") in ("ERROR", "CRITICAL"):
                        trace = str(record.get("exc_info", "")).strip().splitlines()
                        found.append(f"{record.get('message')} {trace[-1] if trace else ''}")
                    continue
            if "[ERROR]" in line or "[CRITICAL]" in line or "WORKER TIMEOUT" in line:
                found.append(line)
        return found


# Readers and changes ------------------------------------------------------------------------


@dataclass(slots=True)
class Answer:
    server: str
    key: str
    phase: str
    status: int  # 0: no answer
    started: float  # time.monotonic(), comparable with the editor process's
    ended: float
    shows: int | None  # the change this answer shows (targets only)
    probe: bool = False
    error: str = ""


@dataclass
class Change:
    number: int
    kind: str  # correction, withdrawal, publication
    phase: str
    committed_at: float
    visible_ms: dict[str, float | None] = field(default_factory=dict)


class Run:
    """The shared state of one run: the answers, the changes, the current phase."""

    def __init__(self, servers: list[AppServer], readers: int) -> None:
        self.servers = servers
        self.readers = readers
        self.token = f"scaletest{secrets.token_hex(4)}"
        self.pattern = re.compile(re.escape(self.token).encode() + rb"n(\d+)")
        self.withdrawn: int | None = None  # the change that withdrew the incident
        self.phase = "start"
        self.answers: list[Answer] = []
        self.changes: list[Change] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def marker(self, number: int) -> str:
        return f"{self.token}n{number}"

    def paths(self) -> list[tuple[str, str]]:
        return [
            ("detail", f"/incidents/{SLUG}/"),
            ("home", "/"),
            ("api_item", f"/api/incidents/{SLUG}/"),
            ("list", "/incidents/"),
            ("detail", f"/incidents/{SLUG}/"),
            # A parameter the cache does not know: never cached, read from the database.
            ("uncached", "/incidents/?scaletest=1"),
        ]

    def shows(self, key: str, status: int, body: bytes) -> int | None:
        """The change a target page shows: its marker, the withdrawal, or 0 (the original)."""
        if key not in ("detail", "api_item"):
            return None
        if status == WITHDRAWN_STATUS[key] and self.withdrawn is not None:
            return self.withdrawn
        found = self.pattern.findall(body) if status == 200 else []
        return max((int(number) for number in found), default=0)

    def fine(self, key: str, status: int) -> bool:
        if status == 200:
            return True
        withdrawn = self.withdrawn is not None and key in WITHDRAWN_STATUS
        return withdrawn and status == WITHDRAWN_STATUS[key]

    def fetch(self, server: AppServer, key: str, path: str, probe: bool = False) -> Answer:
        phase = self.phase
        started = time.monotonic()
        try:
            status, body, _ = get(server.port, path, timeout=REQUEST_TIMEOUT)
        except (OSError, http.client.HTTPException) as error:
            answer = Answer(server.name, key, phase, 0, started, time.monotonic(), None, probe)
            answer.error = repr(error)
        else:
            shows = self.shows(key, status, body)
            answer = Answer(server.name, key, phase, status, started, time.monotonic(), shows)
            answer.probe = probe
            if not self.fine(key, status):
                answer.error = f"HTTP {status}: {body[:200]!r}"
        with self.lock:
            self.answers.append(answer)
        return answer

    def read(self, server: AppServer, number: int) -> None:
        paths = self.paths()
        position = number
        while not self.stop.is_set():
            key, path = paths[position % len(paths)]
            position += 1
            self.fetch(server, key, path)

    def start_readers(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.read, args=(server, number), daemon=True)
            for server in self.servers
            for number in range(self.readers)
        ]
        for thread in threads:
            thread.start()
        return threads

    def probe(self, change: Change, within: float) -> None:
        """Fetch the incident's page and API item from each server until they show the
        change: the time from the commit to sending the first request that showed it."""

        def until_seen(server: AppServer, key: str, path: str) -> None:
            while time.monotonic() < change.committed_at + within + 5:
                answer = self.fetch(server, key, path, probe=True)
                if answer.shows is not None and answer.shows >= change.number:
                    ms = round((answer.started - change.committed_at) * 1000, 1)
                    change.visible_ms[f"{server.name} {key}"] = max(ms, 0.0)
                    return
                time.sleep(0.02)
            change.visible_ms[f"{server.name} {key}"] = None

        threads = [
            threading.Thread(target=until_seen, args=(server, key, path))
            for server in self.servers
            for key, path in (
                ("detail", f"/incidents/{SLUG}/"),
                ("api_item", f"/api/incidents/{SLUG}/"),
            )
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def stale_after(self, within: float) -> list[Answer]:
        """Answers to requests sent more than ``within`` s after a change committed that do
        not show it (or a later one)."""
        commits = sorted((change.committed_at + within, change.number) for change in self.changes)
        stale = []
        for answer in self.answers:
            if answer.shows is None:
                continue
            due = [number for at, number in commits if at <= answer.started]
            if due and answer.shows < max(due):
                stale.append(answer)
        return stale


class Editor:
    def __init__(self, process: EditorProcess, run: Run, within: float) -> None:
        self.process = process
        self.run = run
        self.within = within

    def change(self, kind: str) -> Change:
        run = self.run
        number = len(run.changes) + 1
        if kind == "withdrawal":
            run.withdrawn = number  # a 410 shows it from now on
            self.process.send(withdraw=number)
        else:
            self.process.send(publish=number, marker=run.marker(number))
        message = self.process.receive(timeout=180)
        if message["event"] not in ("published", "withdrawn"):
            raise SystemExit(f"scale: change {number} ({kind}) failed: {message.get('error')}")
        committed_at = min(message["committed_at"], time.monotonic())
        change = Change(number, kind, run.phase, committed_at)
        run.changes.append(change)
        run.probe(change, self.within)
        seen = ", ".join(
            f"{where} {ms:.0f} ms" if ms is not None else f"{where} NOT SHOWN"
            for where, ms in sorted(change.visible_ms.items())
        )
        log(f"change {number} ({kind}, {run.phase}) committed; shown by {seen}")
        return change


# The phases ---------------------------------------------------------------------------------


def wait_for_answers(run: Run, seconds: float) -> None:
    time.sleep(seconds)


def standby_reads(standby: Cluster, database: str) -> int:
    """Transactions the standby has run in the archive's database (its statistics)."""
    value = standby.query(
        f"select xact_commit from pg_stat_database where datname = '{database}'"  # noqa: S608
    )
    return int(str(value or 0))


def events(servers: list[AppServer]) -> Counter:
    total: Counter = Counter()
    for server in servers:
        total.update(server.events())
    return total


def serves_again(
    run: Run, servers: list[AppServer], standby: Cluster, database: str, settle: float = 3.0
) -> dict:
    """After the standby has caught up: no more fallbacks, and the standby runs reads."""
    time.sleep(settle)  # the last requests before the catch-up end; statistics flush (1 s)
    before_events, before_reads = events(servers), standby_reads(standby, database)
    time.sleep(4)
    after_events, after_reads = events(servers), standby_reads(standby, database)
    fallbacks = (after_events["replica behind"] - before_events["replica behind"]) + (
        after_events["replica unreachable"] - before_events["replica unreachable"]
    )
    return {"fallbacks_in_window": fallbacks, "standby_transactions": after_reads - before_reads}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", "-n", type=int, default=300)
    parser.add_argument("--readers", type=int, default=3, help="reader threads per server")
    parser.add_argument(
        "--visible-within",
        type=float,
        default=5.0,
        help="seconds a change may take to show on both servers (default 5)",
    )
    parser.add_argument("--phase-seconds", type=float, default=4.0, help="reading per phase")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    args.keep_db = True  # the whole cluster is thrown away instead

    def interrupted(signum: int, frame: object) -> None:
        raise SystemExit(f"scale: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="archive-scale-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    bench = Bench(args)
    primary = standby = redis = None
    servers: list[AppServer] = []
    editor_process: EditorProcess | None = None
    run: Run | None = None
    failures: list[str] = []
    notes: dict[str, object] = {}
    try:
        binaries = pg_bin()
        primary = start_primary(base, binaries)
        log(f"PostgreSQL {binaries.parent.name} primary on port {primary.port}")
        database = BenchDatabase(primary.url(), "-scale")
        redis = Redis(base)
        redis.start()
        log(f"redis-server on port {redis.port}")
        log(f"building the archive: {args.incidents} synthetic incidents on the primary")
        build = bench.build(database, args.incidents)
        standby = start_standby(base, primary)
        log(f"streaming standby (pg_basebackup -R) on port {standby.port}")
        caught_up(primary, standby)

        common = {
            "CACHE_URL": redis.url,
            "DATABASE_REPLICA_URL": f"postgres://postgres@{HOST}:{standby.port}/{database.name}",
        }
        env_a = {**bench.server_env(database), **common}
        # Machine B collects its own static files: nothing shared but the databases and Redis.
        env_b = {**env_a, "BENCH_STATIC_ROOT": str(bench.tmp / "static-b")}
        bench.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env_b, "collect-b", 600
        )
        servers = [AppServer("A", env_a, base), AppServer("B", env_b, base)]
        for server in servers:
            server.start()
            log(f"gunicorn {server.name} (2 workers) on port {server.port}")

        run = Run(servers, args.readers)
        editor_process = EditorProcess(bench, {**env_a, "CACHE_URL": redis.url}, SLUG)
        editor_process.receive(timeout=180)
        editor = Editor(editor_process, run, args.visible_within)
        for server in servers:
            for key, path in run.paths():
                answer = run.fetch(server, key, path)
                if answer.error:
                    raise SystemExit(f"scale: {server.name} {path}: {answer.error}")
        run.answers.clear()
        threads = run.start_readers()
        log(f"{args.readers} readers on each server")

        # 1. Normal running.
        run.phase = "normal"
        wait_for_answers(run, args.phase_seconds)
        editor.change("correction")
        editor.change("withdrawal")
        editor.change("publication")
        wait_for_answers(run, args.phase_seconds)

        # 2. WAL replay paused: the standby falls behind the next change.
        run.phase = "replay paused"
        before = events(servers)
        standby.query("select pg_wal_replay_pause()")
        editor.change("correction")
        wait_for_answers(run, args.phase_seconds)
        behind = events(servers)["replica behind"] - before["replica behind"]
        notes["replay paused: requests read from the primary (replica behind)"] = behind
        if behind == 0:
            failures.append("replay paused: no request fell back to the primary")
        standby.query("select pg_wal_replay_resume()")
        run.phase = "replay resumed"
        notes["replay resumed: seconds to catch up"] = round(caught_up(primary, standby), 2)
        again = serves_again(run, servers, standby, database.name)
        notes["replay resumed: fallbacks in a 4 s window after the catch-up"] = again[
            "fallbacks_in_window"
        ]
        notes["replay resumed: standby transactions in that window"] = again["standby_transactions"]
        if again["fallbacks_in_window"] or again["standby_transactions"] <= 0:
            failures.append(f"replay resumed: the standby does not serve again ({again})")

        # 3. Redis stopped, then back.
        run.phase = "redis stopped"
        before = events(servers)
        redis.stop()
        wait_for_answers(run, args.phase_seconds / 2)
        editor.change("correction")
        wait_for_answers(run, args.phase_seconds / 2)
        unavailable = events(servers)["cache unavailable"] - before["cache unavailable"]
        notes["redis stopped: outages logged (one per worker)"] = unavailable
        if unavailable == 0:
            failures.append("redis stopped: no worker logged the cache's outage")
        redis.start()
        run.phase = "redis back"
        wait_for_answers(run, args.phase_seconds)
        back = events(servers)["cache back"] - before["cache back"]
        notes["redis back: returns logged"] = back
        notes["redis back: keys in Redis after the return"] = redis.keys()
        if back == 0 or redis.keys() == 0:
            failures.append("redis back: the servers did not use Redis again")

        # 4. Redis frozen (SIGSTOP): it hangs instead of refusing, and comes back with what
        # it held, without the announcement of the change made meanwhile.
        run.phase = "redis frozen"
        before = events(servers)
        redis.freeze()
        wait_for_answers(run, args.phase_seconds / 2)
        editor.change("correction")
        wait_for_answers(run, args.phase_seconds / 2)
        redis.thaw()
        run.phase = "redis thawed"
        wait_for_answers(run, args.phase_seconds)
        frozen = events(servers)
        notes["redis frozen: outages logged"] = (
            frozen["cache unavailable"] - before["cache unavailable"]
        )
        notes["redis thawed: returns logged"] = frozen["cache back"] - before["cache back"]
        if frozen["cache back"] == before["cache back"]:
            failures.append("redis thawed: the servers did not use Redis again")

        # 5. The standby stopped, then started again.
        run.phase = "standby stopped"
        before = events(servers)
        standby.stop("fast")
        wait_for_answers(run, args.phase_seconds / 2)
        editor.change("correction")
        wait_for_answers(run, args.phase_seconds / 2)
        unreachable = events(servers)["replica unreachable"] - before["replica unreachable"]
        notes["standby stopped: unreachable replica logged"] = unreachable
        notes["standby stopped: reads that failed on it, answered from the primary"] = (
            events(servers)["replica read retried"] - before["replica read retried"]
        )
        if unreachable == 0:
            failures.append("standby stopped: no worker noticed the replica was gone")
        standby.start()
        run.phase = "standby back"
        caught_up(primary, standby)
        again = serves_again(run, servers, standby, database.name, settle=6.0)
        notes["standby back: standby transactions in a 4 s window"] = again["standby_transactions"]
        if again["standby_transactions"] <= 0:
            failures.append(f"standby back: the standby does not serve again ({again})")
        editor.change("correction")
        wait_for_answers(run, args.phase_seconds)

        run.stop.set()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT + 5)
        for server in servers:
            for line in server.errors()[:5]:
                failures.append(f"gunicorn {server.name} logged: {line[:300]}")
        notes["build seconds (migrate, generate)"] = (
            f"{build['migrate_seconds']}, {build['generate_seconds']}"
        )
    finally:
        if run is not None:
            run.stop.set()
        if editor_process is not None:
            editor_process.stop()
        for server in servers:
            server.stop()
        if redis is not None:
            redis.stop()
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.stop("immediate")
        bench.cleanup()
        if args.keep:
            log(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    if run is None:
        return 1
    print()
    print(report(run, args, failures, notes, time.monotonic() - started))
    return 1 if failures else 0


def report(
    run: Run, args: argparse.Namespace, failures: list[str], notes: dict, seconds: float
) -> str:
    lines = [f"Scale test: 2 app servers x 2 workers, {args.readers} readers each, "
             f"{args.incidents} incidents, bound {args.visible_within:g} s"]  # fmt: skip
    answers = run.answers
    errors = [answer for answer in answers if answer.error]
    stale = run.stale_after(args.visible_within)
    by_server = Counter(answer.server for answer in answers)
    lines.append(
        f"requests served: {len(answers)} ("
        + ", ".join(f"{name} {count}" for name, count in sorted(by_server.items()))
        + f"); errors: {len(errors)}; stale pages after the bound: {len(stale)}"
    )
    lines.append("")
    lines.append(f"{'phase':<16} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for phase in dict.fromkeys(answer.phase for answer in answers):
        these = [answer for answer in answers if answer.phase == phase]
        ms = sorted((answer.ended - answer.started) * 1000 for answer in these)
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        lines.append(
            f"{phase:<16} {len(these):>8} {sum(1 for a in these if a.error):>6} "
            f"{statistics.median(ms):>7.1f} {p95:>7.1f}"
        )
    lines.append("")
    places = sorted({where for change in run.changes for where in change.visible_ms})
    lines.append("time to visibility, ms from the commit to the first request showing it:")
    lines.append(f"{'#':>2} {'change':<12} {'phase':<16} " + " ".join(f"{p:>10}" for p in places))
    for change in run.changes:
        cells = [change.visible_ms.get(place) for place in places]
        lines.append(
            f"{change.number:>2} {change.kind:<12} {change.phase:<16} "
            + " ".join(f"{cell:>10.0f}" if cell is not None else f"{'never':>10}" for cell in cells)
        )
    lines.append("")
    lines.append("fallbacks observed:")
    for name, value in notes.items():
        lines.append(f"  {name}: {value}")
    for answer in errors[:10]:
        lines.append(f"ERROR {answer.server} {answer.phase} {answer.key}: {answer.error[:200]}")
    for answer in stale[:10]:
        lines.append(
            f"STALE {answer.server} {answer.phase} {answer.key}: shows change {answer.shows}"
        )
    if errors:
        failures.append(f"{len(errors)} errors reached readers")
    if stale:
        failures.append(f"{len(stale)} stale pages after {args.visible_within:g} s")
    lines.append("")
    lines.append(f"{seconds:.0f} s in all; " + ("PASSED" if not failures else "FAILED:"))
    lines.extend(f"  - {failure}" for failure in failures)
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nscale: interrupted; everything it started is stopped")
        sys.exit(130)
