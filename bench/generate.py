"""Fill a database with a synthetic archive, for the benchmarks: ``python -m bench.generate``.

    python -m bench.generate --incidents 10000 [--seed 1] [--batch-size 1000] [--no-pages]

Adds N published incidents (slugs synthetic-1 … synthetic-N) with their figures, citations,
sources, places, perpetrators, victim groups, contexts and a few proceedings
(``bench/synthetic.py``), to the database DATABASE_URL names, with the settings
DJANGO_SETTINGS_MODULE names (``archive.settings`` by default). It runs once per database.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--incidents", type=int, required=True, help="how many incidents")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--batch-size", type=int, default=1000, help="incidents per transaction")
    parser.add_argument(
        "--no-pages",
        action="store_true",
        help="do not render the incident pages now (readers render each on first read)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="report each batch")
    args = parser.parse_args(argv)
    if args.incidents < 1 or args.batch_size < 1:
        parser.error("--incidents and --batch-size must be 1 or more")

    import django
    from django.apps import apps

    if not apps.ready:  # run as a script; the tests call main() with Django set up
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
        django.setup()
    # The generator imports the models, which need the settings loaded first.
    from bench.synthetic import SyntheticExists, generate

    started = time.perf_counter()
    try:
        counts = generate(
            incidents=args.incidents,
            seed=args.seed,
            batch_size=args.batch_size,
            progress=print if args.verbose else None,
            pages=not args.no_pages,
        )
    except SyntheticExists as error:
        print(f"bench.generate: {error}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
    print(f"Published {counts['incidents']} synthetic incidents in {seconds:.1f} s ({summary}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
