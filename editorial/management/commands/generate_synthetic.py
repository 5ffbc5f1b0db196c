"""Fill the database with a realistic synthetic archive, for measuring performance at scale.

    python manage.py generate_synthetic --incidents 10000 [--seed 1]

Adds N published incidents (slugs synthetic-1 … synthetic-N), each with about five cited and
verified estimates and three citations, N/10 sources and the places, perpetrators, victim
groups and contexts they refer to, published through ``services.versions_publish_bulk`` by the
users synthetic-contributor, synthetic-reviewer and synthetic-publisher. It can run on top of
the seed content, but only once per database.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from editorial.synthetic import SyntheticExists, generate


class Command(BaseCommand):
    help = "Add N synthetic published incidents (for benchmarks). Runs once per database."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--incidents", type=int, required=True, help="how many incidents")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="incidents per transaction"
        )
        parser.add_argument(
            "--no-pages",
            action="store_true",
            help="do not render the incident pages now (readers render each on first read)",
        )

    def handle(self, *args, **options) -> None:
        count, batch_size = options["incidents"], options["batch_size"]
        if count < 1 or batch_size < 1:
            raise CommandError("--incidents and --batch-size must be 1 or more.")
        started = time.perf_counter()
        verbose = options["verbosity"] > 1

        def progress(message: str) -> None:
            if verbose:
                self.stdout.write(message)

        try:
            counts = generate(
                incidents=count,
                seed=options["seed"],
                batch_size=batch_size,
                progress=progress,
                pages=not options["no_pages"],
            )
        except SyntheticExists as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in counts.items())
        self.stdout.write(
            f"Published {counts['incidents']} synthetic incidents in {seconds:.1f} s ({summary})."
        )
