"""Performance benchmark of the archive at scale: ``make bench`` (see bench/run.py)."""
