"""Benchmarks and the load test of the archive: ``make bench``, ``make loadtest`` (see
bench/README.md). Tooling only: the product never imports it."""
