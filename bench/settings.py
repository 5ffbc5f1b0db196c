"""The production settings, with static files collected into a throw-away directory.

``archive.settings`` fixes STATIC_ROOT inside the project; the benchmark runs the production
configuration (DEBUG off, WhiteNoise's manifest storage) without touching that directory.
"""

import os
from pathlib import Path

from archive.settings import *  # noqa: F403

STATIC_ROOT = Path(os.environ["BENCH_STATIC_ROOT"])

if os.environ.get("BENCH_TOLERANT_STATIC"):
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "bench.storage.TolerantStaticStorage"},
    }
