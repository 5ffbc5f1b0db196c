"""Load the seed content (fixtures/seed/) and publish it through the real workflow."""

from __future__ import annotations

from django.conf import settings


def load_seed() -> str:
    seed_dir = settings.BASE_DIR / "fixtures" / "seed"
    if not (seed_dir / "incidents.csv").exists():
        return "No seed content found in fixtures/seed/."
    return "Seed content loading is not ready yet."
