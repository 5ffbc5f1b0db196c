"""Build time and peak memory of a data release: ``python -m bench.release``.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m bench.release [--runs 3]

Builds a release of everything published in DATABASE_URL's database (``release_build``, into
a temporary folder; nothing is recorded or stored) once per run, each in a fresh process, and
prints each run's seconds, its peak resident memory and the memory the process held before the
build began (Django loaded, a connection open), then the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence


def one_build() -> dict[str, float]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    django.setup()
    import tempfile
    from pathlib import Path

    from django.db import connection

    from archive.releases import release_build

    connection.ensure_connection()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        built = release_build(name="2026.1", previous=None, folder=Path(folder))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": seconds,
        "peak_mib": peak / 1024,
        "before_mib": before / 1024,
        "incidents": built.incidents,
        "estimates": built.estimates,
        "zip_mib": built.size / 2**20,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.release", description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_build()))
        return 0
    runs = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-m", "bench.release", "--one"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
        print(json.dumps(runs[-1]))
    print(
        f"{runs[0]['incidents']} incidents, {runs[0]['estimates']} estimates, zip "
        f"{runs[0]['zip_mib']:.1f} MiB: median {statistics.median(r['seconds'] for r in runs):.1f}"
        f" s, peak {statistics.median(r['peak_mib'] for r in runs):.0f} MiB (before the build"
        f" {statistics.median(r['before_mib'] for r in runs):.0f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
