#!/usr/bin/env python
"""One command that measures the archive at scale: ``make bench [N=10000]``.

In one run it builds a fresh database (SQLite: bench/bench.sqlite3; PostgreSQL: a database
``archive_bench`` on the server DATABASE_URL points to), migrates it and runs ``python -m
bench.generate --incidents N``; starts gunicorn as in production (2 workers, DEBUG off,
a random secret key, static files collected into a temporary directory) on a free port of
127.0.0.1; measures requests/s of the public pages against /robots.txt, cached and uncached,
with wrk (or a bounded Python client when wrk is missing); measures search latency against the
plain list; imports and exports estimates in-process against raw ``bulk_create`` and
``values_list`` → csv; and measures the peak memory of streaming /data/estimates.csv at N and
10×N incidents. It prints a table and writes bench/results.json. The server is always stopped
and the benchmark databases are dropped at the end, even on error or Ctrl-C.

Nothing here asserts a timing: the numbers are for reading, not for failing a build.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = sys.executable
HOST = "127.0.0.1"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# The database -----------------------------------------------------------------------------


class BenchDatabase:
    """A throw-away database beside the configured one: never the configured one itself."""

    def __init__(self, configured: str, suffix: str = "") -> None:
        self.configured = configured
        parts = urllib.parse.urlsplit(configured) if configured else None
        if parts and parts.scheme in ("postgres", "postgresql", "pgsql"):
            self.vendor = "postgresql"
            self.name = f"archive_bench{suffix.replace('-', '_')}"
            self.admin_url = configured
            self.url = urllib.parse.urlunsplit(parts._replace(path=f"/{self.name}"))
        elif not configured or configured.startswith("sqlite"):
            self.vendor = "sqlite"
            self.path = BENCH / f"bench{suffix}.sqlite3"
            self.url = f"sqlite:///{self.path}"
        else:
            raise SystemExit(f"bench: unsupported DATABASE_URL scheme in {configured!r}")

    def _admin(self):
        import psycopg

        parts = urllib.parse.urlsplit(self.admin_url)
        for database in (parts.path.lstrip("/") or "postgres", "postgres"):
            url = urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))
            try:
                return psycopg.connect(url, autocommit=True)
            except psycopg.OperationalError:
                continue
        raise SystemExit(f"bench: cannot connect to the PostgreSQL server of {self.admin_url}")

    def create(self) -> None:
        self.drop()
        if self.vendor == "postgresql":
            with self._admin() as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with self._admin() as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.path}{extra}").unlink(missing_ok=True)

    def version(self) -> str:
        if self.vendor == "postgresql":
            with self._admin() as connection:
                return "PostgreSQL " + connection.execute("SHOW server_version").fetchone()[0]
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"


# Running Django -----------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="archive-bench-"))
        self.secret = secrets.token_urlsafe(50)
        self.server: subprocess.Popen | None = None
        self.static_warning = ""
        self.static_collected = False
        self.cpu_busy_idle: list[float] = []
        self.databases: list[BenchDatabase] = []

    def env(self, database: BenchDatabase, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database.url,
            DJANGO_SETTINGS_MODULE="archive.settings",
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=self.secret,
            DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DJANGO_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
        )
        if not env.get("CACHE_URL"):
            env["CACHE_DIR"] = str(self.tmp / "cache")
        # The throw-away database has no replica: public reads must not go to the configured one.
        env.pop("DATABASE_REPLICA_URL", None)
        env.update(extra)
        return env

    def run(self, command: list[str], env: dict[str, str], what: str, timeout: int) -> float:
        started = time.perf_counter()
        output = self.tmp / f"{what.replace(' ', '-')}.log"
        with output.open("w") as handle:
            done = subprocess.run(  # noqa: S603 - our own commands, no shell
                command,
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        if done.returncode:
            tail = output.read_text()[-3000:]
            raise SystemExit(f"bench: {what} failed (exit {done.returncode}):\n{tail}")
        return time.perf_counter() - started

    def manage(
        self,
        database: BenchDatabase,
        *arguments: str,
        timeout: int = 3600,
        env: dict[str, str] | None = None,
    ) -> float:
        return self.run(
            [PYTHON, "manage.py", *arguments], env or self.env(database), arguments[0], timeout
        )

    def inprocess(self, database: BenchDatabase, phase: str, *arguments: str) -> dict:
        out = self.tmp / f"{phase}-{len(list(self.tmp.iterdir()))}.json"
        self.run(
            [PYTHON, "-m", "bench.inprocess", phase, "--out", str(out), *arguments],
            self.server_env(database),
            f"inprocess {phase}",
            timeout=7200,
        )
        return json.loads(out.read_text())

    def build(self, database: BenchDatabase, incidents: int, pages: bool = True) -> dict:
        """Migrate and fill ``database`` with the server's settings and static files:
        publishing renders pages, which name the static files by their hashed addresses."""
        env = self.server_env(database)
        database.create()
        self.databases.append(database)
        migrate = self.manage(database, "migrate", "--noinput", env=env)
        generate = self.run(
            [
                PYTHON,
                "-m",
                "bench.generate",
                "--incidents",
                str(incidents),
                "--seed",
                "1",
                *([] if pages else ["--no-pages"]),
            ],
            env,
            "generate",
            timeout=3600,
        )
        return {"migrate_seconds": round(migrate, 1), "generate_seconds": round(generate, 1)}

    # The server ---------------------------------------------------------------------------

    def server_env(self, database: BenchDatabase) -> dict[str, str]:
        """The server's environment: production settings with the static files collected
        (once per run) into a temporary directory."""
        env = self.env(
            database,
            DJANGO_SETTINGS_MODULE="bench.settings",
            BENCH_STATIC_ROOT=str(self.tmp / "static"),
            DJANGO_LOG_LEVEL="INFO",
        )
        if self.static_warning:
            env["BENCH_TOLERANT_STATIC"] = "1"
        if self.static_collected:
            return env
        collect = [PYTHON, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"]
        try:
            self.run(collect, env, "collectstatic", 600)
        except SystemExit as error:
            # The production storage refuses a CSS or JS file that refers to a missing file.
            # Say so, and measure anyway with a storage that leaves such references unhashed.
            self.static_warning = str(error).strip().splitlines()[-1][:300]
            log(f"WARNING: collectstatic failed: {self.static_warning}")
            log("WARNING: measuring with bench.storage.TolerantStaticStorage instead")
            env["BENCH_TOLERANT_STATIC"] = "1"
            self.run(collect, env, "collectstatic-tolerant", 600)
        self.static_collected = True
        return env

    def start_server(self, database: BenchDatabase) -> str:
        env = self.server_env(database)
        port = free_port()
        gunicorn = Path(PYTHON).parent / "gunicorn"
        error_log = self.tmp / "gunicorn.log"
        self.server = subprocess.Popen(  # noqa: S603 - our own command, no shell
            [
                str(gunicorn),
                "archive.wsgi",
                "--workers",
                "2",
                "--bind",
                f"{HOST}:{port}",
                "--error-logfile",
                str(error_log),
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit("bench: gunicorn exited:\n" + error_log.read_text()[-3000:])
            with contextlib.suppress(OSError):
                status, _, _ = get(port, "/robots.txt", timeout=2)
                if status == 200:
                    return str(port)
            time.sleep(0.25)
        raise SystemExit("bench: gunicorn did not answer within 60 s")

    def stop_server(self) -> None:
        server, self.server = self.server, None
        if server is None or server.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)  # the group of the gunicorn we started
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    def cleanup(self) -> None:
        self.stop_server()
        if not self.args.keep_db:
            for database in self.databases:
                with contextlib.suppress(Exception):
                    database.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int | str, path: str, timeout: float = 60) -> tuple[int, bytes, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, int(port), timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": f"{HOST}:{port}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, body, time.perf_counter() - started


def cpu_busy(seconds: float = 1.0) -> float:
    """The share of the machine's CPU in use over ``seconds`` (0–100), measured while the
    benchmark itself is idle: anything above a few percent is another program's work, which
    would make the numbers of this run lower than the machine can do."""

    def sample() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    try:
        total_a, idle_a = sample()
        time.sleep(seconds)
        total_b, idle_b = sample()
    except (OSError, ValueError, IndexError):
        return -1.0
    total = max(1, total_b - total_a)
    return round(100.0 * (1 - (idle_b - idle_a) / total), 1)


# Load generators ----------------------------------------------------------------------------

LUA = """
local n = {n}
local template = "{template}"
local token = "{token}"
local counter = 0
local made = 0
function setup(thread)
  made = made + 1
  thread:set("tid", made)
end
function init(args)
  math.randomseed({seed} + tid * 7919)
end
function request()
  counter = counter + 1
  local path = template:gsub("{{k}}", tostring(math.random(n)))
  local sep = path:find("?", 1, true) and "&" or "?"
  return wrk.format("GET", path .. sep .. "bench=" .. token .. "-" .. tid .. "-" .. counter)
end
"""


class Endpoint:
    """A path to load; ``varied`` ones get a random {k} and a unique query per request, so
    every request misses the page cache."""

    def __init__(self, key: str, label: str, path: str, varied: bool = False) -> None:
        self.key, self.label, self.path, self.varied = key, label, path, varied


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return {
        "rps": rps,
        "requests": total,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "p50_ms": round(float(p50.group(1)) * UNITS[p50.group(2)], 2) if p50 else None,
    }


class Load:
    def __init__(self, port: str, args: argparse.Namespace, n: int, tmp: Path) -> None:
        self.port, self.args, self.n, self.tmp = port, args, n, tmp
        self.client = args.client
        if self.client == "auto":
            self.client = "wrk" if shutil.which("wrk") else "python"
        self.rounds = 0

    def run(self, endpoint: Endpoint) -> dict:
        self.rounds += 1
        if self.client == "wrk":
            return self.run_wrk(endpoint)
        return self.run_python(endpoint)

    def run_wrk(self, endpoint: Endpoint) -> dict:
        command = [
            shutil.which("wrk"),
            f"-t{min(2, self.args.connections)}",
            f"-c{self.args.connections}",
            f"-d{self.args.duration}s",
            "--timeout",
            "30s",
            "--latency",
        ]
        path = endpoint.path
        if endpoint.varied:
            script = self.tmp / f"{endpoint.key}-{self.rounds}.lua"
            template = path.replace("{k}", "{{k}}")
            script.write_text(
                LUA.format(
                    n=self.n, template=template, token=secrets.token_hex(4), seed=self.rounds
                ).replace("{{k}}", "{k}")
            )
            command += ["-s", str(script)]
            path = path.replace("{k}", "1")
        command.append(f"http://{HOST}:{self.port}{path}")
        done = subprocess.run(  # noqa: S603 - wrk, with arguments we build
            command, capture_output=True, text=True, timeout=self.args.duration + 60, check=True
        )
        return parse_wrk(done.stdout)

    def run_python(self, endpoint: Endpoint) -> dict:
        """A bounded client: N threads, fixed duration, one request at a time per thread."""
        import random

        deadline = time.perf_counter() + self.args.duration
        latencies: list[float] = []
        counts = {"non_2xx": 0, "errors": 0}
        lock = threading.Lock()
        token = secrets.token_hex(4)

        def worker(number: int) -> None:
            rnd = random.Random(number)  # noqa: S311 - picks pages, not secrets
            connection = None
            sent = 0
            while time.perf_counter() < deadline:
                path = endpoint.path
                if endpoint.varied:
                    sent += 1
                    path = path.replace("{k}", str(rnd.randint(1, self.n)))
                    path += ("&" if "?" in path else "?") + f"bench={token}-{number}-{sent}"
                started = time.perf_counter()
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(HOST, int(self.port), timeout=30)
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connection = None
                except (OSError, http.client.HTTPException):
                    with lock:
                        counts["errors"] += 1
                    if connection is not None:
                        connection.close()
                    connection = None
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if not 200 <= status < 400:
                        counts["non_2xx"] += 1
            if connection is not None:
                connection.close()

        started = time.perf_counter()
        threads = [
            threading.Thread(target=worker, args=(i,), daemon=True)
            for i in range(self.args.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.args.duration + 60)
        seconds = time.perf_counter() - started
        return {
            "rps": round(len(latencies) / seconds, 2),
            "requests": len(latencies),
            "non_2xx": counts["non_2xx"],
            "socket_errors": counts["errors"],
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        }


# The measurements -----------------------------------------------------------------------


def http_measurements(bench: Bench, port: str, n: int, terms: dict) -> tuple[dict, dict, str]:
    args = bench.args
    slug = terms["detail_slug"]
    common = urllib.parse.quote(terms["common"]["term"])
    endpoints = [
        Endpoint("robots", "/robots.txt (baseline)", "/robots.txt"),
        Endpoint("detail", "incident detail, cached", f"/incidents/{slug}/"),
        Endpoint("list", "/incidents/, cached", "/incidents/"),
        Endpoint(
            "filtered",
            "filtered list, cached",
            "/incidents/?category=massacre&year_from=1941",
        ),
        Endpoint(
            "search", f"search q={terms['common']['term']}, cached", f"/incidents/?q={common}"
        ),
        Endpoint("api", "/api/incidents/, cached", "/api/incidents/"),
        Endpoint("detail_uncached", "incident detail, uncached", "/incidents/synthetic-{k}/", True),
        Endpoint("list_uncached", "/incidents/, uncached", "/incidents/?x={k}", True),
        Endpoint("api_uncached", "/api/incidents/, uncached", "/api/incidents/?x={k}", True),
    ]
    for endpoint in endpoints:  # every page answers, and the cached ones are filled
        path = endpoint.path.replace("{k}", "1")
        status, body, _ = get(port, path)
        if status != 200:
            raise SystemExit(f"bench: {path} answered {status}: {body[:500]!r}")
    if args.wait_idle:
        deadline = time.monotonic() + args.wait_idle
        busy = cpu_busy(2.0)
        while busy > 10 and time.monotonic() < deadline:
            log(f"waiting for the machine to be idle: other programs use {busy}% of the CPU")
            busy = cpu_busy(5.0)
    load = Load(port, args, n, bench.tmp)
    log(f"load generator: {load.client}, {args.rounds} rounds of {args.duration} s per page")
    load.run(endpoints[0])  # warm-up of workers and connections; not counted
    rounds: dict[str, list[dict]] = {e.key: [] for e in endpoints}
    busy = [cpu_busy(2.0)]
    for number in range(args.rounds):
        for endpoint in endpoints:
            rounds[endpoint.key].append(load.run(endpoint))
        busy.append(cpu_busy(2.0))
        log(f"round {number + 1} of {args.rounds} done; CPU busy while idle: {busy[-1]}%")
    bench.cpu_busy_idle = busy
    if max(busy) > 15:
        log(
            f"WARNING: other programs used up to {max(busy)}% of the CPU between rounds: "
            "requests/s of this run are lower than this machine can do"
        )
    baseline = statistics.median(r["rps"] for r in rounds["robots"])
    pages = {}
    for endpoint in endpoints:
        runs = rounds[endpoint.key]
        rps = statistics.median(r["rps"] for r in runs)
        pages[endpoint.key] = {
            "label": endpoint.label,
            "path": endpoint.path,
            "rps_rounds": [r["rps"] for r in runs],
            "rps": round(rps, 1),
            "ratio": round(rps / baseline, 3),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs if r["p50_ms"] is not None),
            "non_2xx": sum(r["non_2xx"] for r in runs),
            "socket_errors": sum(r["socket_errors"] for r in runs),
        }

    # Search latency: one request at a time, every request a cache miss (a unique query).
    selective = urllib.parse.quote(terms["selective"]["term"])
    paths = {
        "list": "/incidents/?",
        "selective": f"/incidents/?q={selective}&",
        "common": f"/incidents/?q={common}&",
    }
    samples: dict[str, list[float]] = {key: [] for key in paths}
    token = secrets.token_hex(4)
    for number in range(args.search_samples):
        for key, path in paths.items():
            status, _, seconds = get(port, f"{path}bench={token}-{number}")
            if status != 200:
                raise SystemExit(f"bench: {path} answered {status}")
            samples[key].append(seconds * 1000)
    list_ms = statistics.median(samples["list"])
    search = {
        key: {
            "median_ms": round(statistics.median(values), 1),
            "ratio_to_list": round(statistics.median(values) / list_ms, 3),
            "term": terms[key]["term"] if key != "list" else None,
            "matches": terms[key]["matches"] if key != "list" else terms["published"],
        }
        for key, values in samples.items()
    }
    return pages, search, load.client


def machine(database: BenchDatabase, client: str) -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if dirty:
        commit += " + uncommitted changes"
    wrk = "python client"
    if client == "wrk":
        banner = subprocess.run(  # noqa: S603
            [shutil.which("wrk"), "-v"], capture_output=True, text=True, check=False
        ).stdout
        found = re.search(r"(\d+\.\d+\.\d+)", banner)
        wrk = f"wrk {found.group(1)}" if found else "wrk"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "database": database.version(),
        "load_generator": wrk.strip(),
        "commit": commit,
    }


GOALS = [
    ("detail", "cached detail ≥ 60% of /robots.txt", lambda r: r["pages"]["detail"]["ratio"], 0.6),
    ("list", "cached list ≥ 60% of /robots.txt", lambda r: r["pages"]["list"]["ratio"], 0.6),
    ("api", "cached API list ≥ 60% of /robots.txt", lambda r: r["pages"]["api"]["ratio"], 0.6),
    (
        "detail_uncached",
        "uncached detail ≥ 20% of /robots.txt",
        lambda r: r["pages"]["detail_uncached"]["ratio"],
        0.2,
    ),
]


def goals(results: dict) -> list[dict]:
    found = []
    for _, text, value, threshold in GOALS:
        found.append({"goal": text, "value": value(results), "met": value(results) >= threshold})
    selective = results["search"]["selective"]["ratio_to_list"]
    found.append(
        {"goal": "selective search ≤ 3× list latency", "value": selective, "met": selective <= 3}
    )
    data = results["import_export"]
    found.append(
        {
            "goal": "import ≥ 50% of raw bulk_create rows/s",
            "value": data["import_ratio"],
            "met": data["import_ratio"] >= 0.5,
        }
    )
    found.append(
        {
            "goal": "admin preview + confirm ≤ 2.5× one import",
            "value": data["admin_ratio"],
            "met": data["admin_ratio"] <= 2.5,
        }
    )
    imported = results["import_memory"]
    found.append(
        {
            "goal": "manage.py import of 10× the rows within ±20% of the memory (peak RSS)",
            "value": imported["ratio_peak"],
            "met": 0.8 <= imported["ratio_peak"] <= 1.2,
        }
    )
    found.append(
        {
            "goal": "export ≥ 30% of raw values_list → csv rows/s",
            "value": data["export_ratio"],
            "met": data["export_ratio"] >= 0.3,
        }
    )
    memory = results["memory"]
    if memory.get("ratio_peak") is not None:
        ratio = memory["ratio_peak"]
        found.append(
            {
                "goal": "export memory at 10×N within ±20% of N (peak RSS)",
                "value": ratio,
                "met": 0.8 <= ratio <= 1.2,
            }
        )
    return found


def table(results: dict) -> str:
    m, n = results["machine"], results["incidents"]
    lines = [
        f"Incident Archive benchmark — N = {n:,} incidents, {m['database']}, {m['date']}",
        f"{m['cores']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, "
        f"gunicorn 2 workers, {m['load_generator']}, {results['settings']['connections']} "
        f"connections, {results['settings']['rounds']}×{results['settings']['duration']} s",
        f"build: migrate {results['build']['migrate_seconds']} s, bench.generate "
        f"{results['build']['generate_seconds']} s",
        "",
        f"{'page':<42} {'req/s':>9} {'× robots':>9} {'p50 ms':>8}  errors",
    ]
    for page in results["pages"].values():
        errors = page["non_2xx"] + page["socket_errors"]
        lines.append(
            f"{page['label']:<42} {page['rps']:>9.1f} {page['ratio']:>9.2f} "
            f"{page['p50_ms']:>8.1f}  {errors}"
        )
    s = results["search"]
    lines += ["", f"{'search (uncached, one at a time)':<42} {'median ms':>9} {'× list':>9}"]
    for key, label in (
        ("list", "/incidents/ (no query)"),
        ("selective", "selective"),
        ("common", "common"),
    ):
        term = f" q={s[key]['term']}" if s[key]["term"] else ""
        text = f"{label}{term} ({s[key]['matches']} matches)"
        lines.append(f"{text:<42} {s[key]['median_ms']:>9.1f} {s[key]['ratio_to_list']:>9.2f}")
    d = results["import_export"]
    lines += [
        "",
        f"{'rows/s':<42} {'tool':>9} {'raw':>9} {'ratio':>8}",
        f"{'import ' + format(d['rows'], ',') + ' estimates (EstimateResource)':<42} "
        f"{d['import_rows_per_s']:>9.0f} {d['raw_rows_per_s']:>9.0f} {d['import_ratio']:>8.3f}",
        f"  queries: {d['import_queries']:,} ({d['import_queries_per_row']} per row); "
        f"raw bulk_create: {d['raw_queries']}; ratios by round: {d['import_ratios']}",
        f"{'admin preview + confirm, × one import':<42} {d['admin_seconds']:>9.2f} "
        f"{d['import_seconds']:>9.2f} {d['admin_ratio']:>8.3f}",
        f"  (seconds; preview {d['admin_preview_seconds']:.2f}, confirm "
        f"{d['admin_confirm_seconds']:.2f}; ratios by round: {d['admin_ratios']})",
        f"{'export ' + format(d['export_rows'], ',') + ' estimates (EstimateResource)':<42} "
        f"{d['export_rows_per_s']:>9.0f} {d['raw_export_rows_per_s']:>9.0f} "
        f"{d['export_ratio']:>8.3f}",
    ]
    im = results["import_memory"]
    lines += ["", "manage.py import of an estimates CSV (peak RSS of the process, MiB)"]
    for key in ("n", "ten_n"):
        x = im[key]
        lines.append(
            f"  {x['rows']:>9,} rows ({x['bytes'] / 1_048_576:.1f} MiB): peak "
            f"{x['peak_rss_mib']:.1f}, {x['seconds']} s"
        )
    lines.append(f"  10× / 1×: peak {im['ratio_peak']:.3f}")
    mem = results["memory"]
    lines += ["", "streaming /data/estimates.csv (peak RSS of the process, MiB)"]
    for key in ("n", "ten_n"):
        if key in mem:
            x = mem[key]
            lines.append(
                f"  {x['incidents']:>9,} incidents, {x['rows']:>9,} rows: "
                f"peak {x['peak_rss_mib']:.1f}"
                f" (baseline {x['baseline_rss_mib']:.1f}, +{x['growth_mib']:.1f}), "
                f"{x['rows_per_s']:,.0f} rows/s"
            )
    if mem.get("ratio_peak") is not None:
        lines.append(
            f"  10×N / N: peak {mem['ratio_peak']:.3f}, growth "
            f"{mem['growth_10x_mib']:+.1f} MiB vs {mem['growth_n_mib']:+.1f} MiB"
        )
    busy = results.get("cpu_busy_between_rounds_pct") or []
    if busy and max(busy) > 15:
        lines += [
            "",
            f"WARNING: other programs kept the CPU up to {max(busy)}% busy between rounds "
            f"({busy}): the requests/s above are lower than this machine can do.",
        ]
    if results.get("static_warning"):
        lines += [
            "",
            f"WARNING: collectstatic failed, measured with TolerantStaticStorage: "
            f"{results['static_warning']}",
        ]
    lines += ["", "goals"]
    for goal in results["goals"]:
        lines.append(
            f"  [{'met' if goal['met'] else 'NOT met':>7}] {goal['goal']}: {goal['value']}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", "-n", type=int, default=int(os.environ.get("N") or 10000))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds per round")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--search-samples", type=int, default=15)
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=180,
        help="seconds to wait at most for other programs to leave the CPU idle before "
        "measuring requests/s (0: do not wait)",
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=0,
        help="estimate rows to import (default 2×N, at most 5,000: the cost is per row)",
    )
    parser.add_argument(
        "--import-rounds",
        type=int,
        default=5,
        help="rounds of import, admin preview + confirm and export, each against its raw "
        "baseline (the ratios are medians; default 5)",
    )
    parser.add_argument(
        "--import-memory-rows",
        type=int,
        default=10000,
        help="rows of the smaller file for the command-line import memory check (the larger "
        "has 10×; default 10,000)",
    )
    parser.add_argument(
        "--no-pages",
        action="store_true",
        help="build without rendering the incident pages (faster at large N; the uncached "
        "incident page is then rendered by its first reader)",
    )
    memory = parser.add_mutually_exclusive_group()
    memory.add_argument("--memory-10x", dest="memory_10x", action="store_true", default=None)
    memory.add_argument("--no-memory-10x", dest="memory_10x", action="store_false")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--output", default=str(BENCH / "results.json"))
    args = parser.parse_args()
    n = args.incidents
    import_rows = args.import_rows or min(2 * n, 5000)
    memory_10x = args.memory_10x if args.memory_10x is not None else n <= 10000

    def interrupted(signum, frame):
        raise SystemExit(f"bench: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    configured = os.environ.get("DATABASE_URL", "")
    bench = Bench(args)
    database = BenchDatabase(configured)
    results: dict = {
        "incidents": n,
        "settings": {
            "rounds": args.rounds,
            "duration": args.duration,
            "connections": args.connections,
            "import_rows": import_rows,
            "import_rounds": args.import_rounds,
        },
    }
    started = time.perf_counter()
    try:
        log(f"building {database.url.split('@')[-1]} with {n:,} synthetic incidents")
        results["build"] = bench.build(database, n, pages=not args.no_pages)
        log(
            f"migrated in {results['build']['migrate_seconds']} s, generated in "
            f"{results['build']['generate_seconds']} s"
        )
        terms = bench.inprocess(database, "terms")
        results["terms"] = terms
        port = bench.start_server(database)
        log(f"gunicorn (2 workers, DEBUG off) answers on {HOST}:{port}")
        try:
            results["pages"], results["search"], client = http_measurements(
                bench, port, terms["synthetic_count"], terms
            )
        finally:
            bench.stop_server()
            log("gunicorn stopped")
        results["machine"] = machine(database, client)
        if bench.static_warning:
            results["static_warning"] = bench.static_warning
        results["cpu_busy_between_rounds_pct"] = bench.cpu_busy_idle
        log(f"importing {import_rows:,} estimates and exporting every estimate")
        results["import_export"] = bench.inprocess(
            database,
            "import_export",
            "--rows",
            str(import_rows),
            "--rounds",
            str(args.import_rounds),
        )
        log(
            f"importing {args.import_memory_rows:,} and {10 * args.import_memory_rows:,} "
            "estimates with manage.py import (peak memory)"
        )
        results["import_memory"] = bench.inprocess(
            database, "import_memory", "--rows", str(args.import_memory_rows)
        )
        log("streaming /data/estimates.csv")
        memory_n = bench.inprocess(database, "memory")
        memory_n["incidents"] = n
        results["memory"] = {"n": memory_n}
        if memory_10x:
            big = BenchDatabase(configured, "-10x")
            log(f"building a second database with {10 * n:,} incidents for the memory check")
            # Only the data files are read here: the pages are left to be rendered when read.
            results["memory"]["build_10x"] = bench.build(big, 10 * n, pages=False)
            memory_big = bench.inprocess(big, "memory")
            memory_big["incidents"] = 10 * n
            results["memory"]["ten_n"] = memory_big
            results["memory"]["ratio_peak"] = round(
                memory_big["peak_rss_mib"] / memory_n["peak_rss_mib"], 3
            )
            results["memory"]["growth_n_mib"] = memory_n["growth_mib"]
            results["memory"]["growth_10x_mib"] = memory_big["growth_mib"]
            if not args.keep_db:
                big.drop()
        results["goals"] = goals(results)
        results["seconds"] = round(time.perf_counter() - started, 1)
    finally:
        bench.cleanup()
    output = Path(args.output)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    vendor = "postgresql" if database.vendor == "postgresql" else "sqlite"
    (output.parent / f"results-{vendor}-{n}.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False)
    )
    print()
    print(table(results))
    print(f"\nwritten to {output} ({results['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nbench: interrupted; the server is stopped and the databases dropped")
        sys.exit(130)
