"""The benchmark's set-up: a throw-away database filled with the synthetic archive, and
gunicorn serving it as in production. ``bench/run.py`` and ``bench/load.py`` use it.

The database is never the configured one: SQLite gets a file under bench/, PostgreSQL a
database ``archive_bench…`` on the server DATABASE_URL names, and both are dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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

    def exists(self) -> bool:
        if self.vendor == "postgresql":
            with self._admin() as connection:
                found = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
                ).fetchone()
                return found is not None
        return self.path.exists()

    def size_bytes(self) -> int:
        """The database's size on disk, indexes included (SQLite: the file and its WAL)."""
        if self.vendor == "postgresql":
            with self._admin() as connection:
                return connection.execute("SELECT pg_database_size(%s)", [self.name]).fetchone()[0]
        return sum(
            Path(f"{self.path}{extra}").stat().st_size
            for extra in ("", "-wal")
            if Path(f"{self.path}{extra}").exists()
        )

    def vacuum(self) -> float:
        """PostgreSQL: VACUUM ANALYZE, as autovacuum would soon after a bulk load: the planner's
        statistics, and the visibility map that lets a list be read from its index alone."""
        if self.vendor != "postgresql":
            return 0.0
        import psycopg

        started = time.perf_counter()
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("VACUUM (ANALYZE)")
        return time.perf_counter() - started

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

    def build(
        self, database: BenchDatabase, incidents: int, pages: bool = True, reuse: bool = False
    ) -> dict:
        """Migrate and fill ``database`` with the server's settings and static files:
        publishing renders pages, which name the static files by their hashed addresses.
        With ``reuse``, a database a run kept (``--keep-db``) is measured as it is."""
        env = self.server_env(database)
        if reuse and database.exists():  # kept by an earlier run: kept after this one too
            migrate = self.manage(database, "migrate", "--noinput", env=env)
            return {
                "reused": True,
                "migrate_seconds": round(migrate, 1),
                "generate_seconds": None,
                "vacuum_seconds": round(database.vacuum(), 1),
                "size_bytes": database.size_bytes(),
            }
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
            timeout=6 * 3600,
        )
        return {
            "migrate_seconds": round(migrate, 1),
            "generate_seconds": round(generate, 1),
            "vacuum_seconds": round(database.vacuum(), 1),
            "size_bytes": database.size_bytes(),
        }

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
        stop_process_group(server)

    def cleanup(self) -> None:
        self.stop_server()
        if not self.args.keep_db:
            for database in self.databases:
                with contextlib.suppress(Exception):
                    database.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def stop_process_group(process: subprocess.Popen | None) -> None:
    """Stop a server we started in a process group of its own (gunicorn and its workers):
    SIGTERM, then SIGKILL if it has not gone in 20 s."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


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
