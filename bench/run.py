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

This file runs the steps in order; each part lives in its own module: bench/harness.py (the
databases, the environment, gunicorn), bench/generate.py (the synthetic archive),
bench/http_load.py (requests/s and search latency), bench/inprocess.py (import, export and
memory, inside Django) and bench/report.py (the machine, the goals and the table).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from bench.harness import BENCH, HOST, Bench, BenchDatabase, log  # noqa: E402
from bench.http_load import http_measurements, latencies  # noqa: E402
from bench.report import goals, machine, table  # noqa: E402


def measure_reference(bench: Bench, configured: str, size: int, pages: bool, args) -> dict:
    """A smaller archive built and read the same way in the same run: the latencies and the
    data file's memory at N are read against it."""
    database = BenchDatabase(configured, f"-ref{size}")
    log(f"building a reference archive of {size:,} incidents")
    build = bench.build(database, size, pages=pages)
    terms = bench.inprocess(database, "terms")
    port = bench.start_server(database)
    try:
        measured = latencies(port, terms, args.latency_samples)
    finally:
        bench.stop_server()
    memory = bench.inprocess(database, "memory")
    memory["incidents"] = size
    if not args.keep_db:
        database.drop()
    return {
        "incidents": size,
        "build": build,
        "terms": terms,
        "latency": measured,
        "memory": memory,
    }


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
        default=None,
        help="rows of the smaller file for the command-line import memory check (the larger "
        "has 10×; default 10,000, and 100,000 from a million incidents)",
    )
    pages = parser.add_mutually_exclusive_group()
    pages.add_argument(
        "--no-pages",
        dest="pages",
        action="store_false",
        default=None,
        help="build without rendering the incident pages (the default above 100,000 "
        "incidents: each page is then rendered by its first reader)",
    )
    pages.add_argument("--pages", dest="pages", action="store_true")
    parser.add_argument(
        "--references",
        default=None,
        help="comma-separated sizes of smaller archives built and measured in the same run "
        "for the latency and memory ratios (default 10000,100000 above 100,000 incidents)",
    )
    parser.add_argument(
        "--latency-samples",
        type=int,
        default=20,
        help="requests per path, one at a time, for the p50 and p95 (default 20)",
    )
    parser.add_argument(
        "--export-rows",
        type=int,
        default=100000,
        help="estimates exported per round, through the resource and raw (default 100,000)",
    )
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="measure the database an earlier run kept with --keep-db instead of building it",
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
    large = n > 100_000
    with_pages = args.pages if args.pages is not None else not large
    if args.import_memory_rows is None:
        args.import_memory_rows = 100_000 if n >= 1_000_000 else 10_000
    references = (
        [int(size) for size in args.references.split(",") if size.strip()]
        if args.references is not None
        else ([10_000, 100_000] if large else [])
    )
    if any(size < 1 or size >= n for size in references):
        parser.error("--references must be smaller than --incidents")

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
            "pages": with_pages,
            "latency_samples": args.latency_samples,
            "export_rows": args.export_rows,
        },
    }
    started = time.perf_counter()
    try:
        log(f"building {database.url.split('@')[-1]} with {n:,} synthetic incidents")
        results["build"] = bench.build(database, n, pages=with_pages, reuse=args.reuse_db)
        log(
            f"migrated in {results['build']['migrate_seconds']} s, generated in "
            f"{results['build']['generate_seconds']} s; "
            f"{results['build']['size_bytes'] / 2**30:.2f} GiB"
        )
        terms = bench.inprocess(database, "terms")
        results["terms"] = terms
        port = bench.start_server(database)
        log(f"gunicorn (2 workers, DEBUG off) answers on {HOST}:{port}")
        try:
            results["pages"], results["search"], client = http_measurements(
                bench, port, terms["synthetic_count"], terms
            )
            log(f"latency: {args.latency_samples} requests per path, one at a time")
            results["latency"] = latencies(port, terms, args.latency_samples)
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
            "--export-rows",
            str(args.export_rows),
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
        results["references"] = [
            measure_reference(bench, configured, size, with_pages, args) for size in references
        ]
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
