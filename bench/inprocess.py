"""The benchmark's measurements that run inside Django, each in a fresh process.

    python -m bench.inprocess terms|import_export|memory [--rows R] --out FILE.json

``bench/run.py`` starts these with DATABASE_URL pointing at the benchmark database and reads
the JSON each one writes. Nothing here asserts a timing; it only measures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import sys
import time
from pathlib import Path


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    import django

    django.setup()


def rss_kib(field: str = "VmRSS") -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# Search terms ---------------------------------------------------------------------------


def terms() -> dict:
    """A common and a selective search term for the synthetic archive, with their counts."""
    from django.db.models import Count

    from archive.models import IncidentVersion, Place
    from archive.search import query_terms, search

    published = IncidentVersion.objects.published()
    total = published.count()

    def matches(term: str) -> int:
        return search(published, term).count()

    candidates = ["village", "witnesses", "soviet", "survivors", "civilians", "nkvd"]
    counted = {term: matches(term) for term in candidates}
    common = min(counted, key=lambda term: abs(counted[term] / max(total, 1) - 0.5))
    selective = None
    rare = (
        Place.objects.filter(versions__state="published")
        .annotate(uses=Count("versions"))
        .filter(uses__lte=3)
        .order_by("uses", "pk")
        .values_list("name", flat=True)
    )
    for name in rare[:300]:
        words = query_terms(name)
        if len(words) != 1 or len(words[0]) < 6 or not words[0].isalpha():
            continue
        found = matches(words[0])
        if 1 <= found <= max(5, total // 500):
            selective = (words[0], found)
            break
    if selective is None:  # every place is shared: take the rarest title word instead
        titles = published.order_by("pk").values_list("title", flat=True)[:200]
        counted_words = {}
        for word in {w for title in titles for w in query_terms(title) if len(w) >= 6}:
            counted_words[word] = matches(word)
        word = min(counted_words, key=counted_words.get)
        selective = (word, counted_words[word])
    detail = (
        published.filter(incident__slug__regex=r"^synthetic-[0-9]+$")
        .order_by("pk")
        .values_list("incident__slug", flat=True)
    )
    return {
        "published": total,
        "common": {"term": common, "matches": counted[common]},
        "selective": {"term": selective[0], "matches": selective[1]},
        "detail_slug": detail[len(detail) // 2] if detail else None,
        "synthetic_count": detail.count(),
    }


# Import and export ----------------------------------------------------------------------

IMPORT_COLUMNS = [
    "ref",
    "incident",
    "measure",
    "low",
    "best",
    "high",
    "qualifier",
    "as_written",
    "claimant",
    "claimant_position",
    "claim_year",
    "assessment",
    "assessment_reason",
    "source",
    "locator",
    "quote",
]


def estimate_rows(slugs: list[str], per_incident: int, source_keys: list[str], seed: int):
    """Rows in the documented import format: varied measures, ranges, qualifiers, doubts."""
    rnd = random.Random(seed)  # noqa: S311 - test data
    measures = ["killed", "deported", "died_in_custody", "missing", "injured", "captured"]
    for slug in slugs:
        truth = rnd.randint(50, 50_000)
        for j in range(per_incident):
            low = best = high = ""
            qualifier, assessment, reason = "exact", "accepted", ""
            kind = j % 5
            if kind == 0:
                best, text = truth, f"{truth:,}"
            elif kind == 1:
                low, high = truth // 2, truth * 2
                text = f"{low:,}–{high:,}"
            elif kind == 2:
                low, qualifier, text = truth // 2, "over", f"over {truth // 2:,}"
            elif kind == 3:
                high, qualifier, text = truth * 3, "up_to", f"up to {truth * 3:,}"
            else:
                best, qualifier, text = truth * 10, "about", f"about {truth * 10:,}"
                assessment, reason = "contested", "The perpetrator state's own count."
            yield [
                f"{slug}-{j + 1}",
                slug,
                measures[0] if j < 4 else rnd.choice(measures),
                low,
                best,
                high,
                qualifier,
                text,
                rnd.choice(["Soviet archives (NKVD reports)", "Memorial Society", "Naimark"]),
                rnd.choice(["perpetrator_state", "independent_scholarship", "witness"]),
                rnd.randint(1950, 2020),
                assessment,
                reason,
                rnd.choice(source_keys),
                f"p. {rnd.randint(1, 400)}",
                "",
            ]


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


class QueryCounter:
    """Counts every query on the connection (CaptureQueriesContext keeps at most 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def query_kinds(queries) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for query in queries:
        sql = query["sql"].lstrip().upper()
        word = sql.split(None, 1)[0] if sql else "?"
        if word == "SELECT" and " FROM " not in sql[:200] and "1 AS" in sql[:40]:
            word = "SELECT (constraint check)"
        kinds[word] = kinds.get(word, 0) + 1
    return dict(sorted(kinds.items(), key=lambda item: -item[1]))


def import_export(rows: int) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from archive.models import Estimate, IncidentVersion, Source
    from editorial.resources import EstimateResource
    from editorial.synthetic import create_drafts
    from editorial.uploads import read_upload

    per = 5
    drafts = -(-rows // per)
    source_keys = list(
        Source.objects.filter(key__startswith="synthetic-").values_list("key", flat=True)[:500]
    )
    started = time.perf_counter()
    set_a = create_drafts(count=drafts, prefix="bench-import-a", seed=11)
    set_b = create_drafts(count=drafts, prefix="bench-import-b", seed=12)
    sample = create_drafts(count=20, prefix="bench-import-sample", seed=13)
    drafts_seconds = time.perf_counter() - started

    def rows_for(slugs: list[str], seed: int) -> list[list]:
        return list(estimate_rows(slugs, per, source_keys, seed))[:rows]

    data_a = csv_bytes(rows_for(set_a, 21))
    data_b = csv_bytes(rows_for(set_b, 21))  # the same rows, for the other drafts
    data_sample = csv_bytes(rows_for(sample, 22)[:100])

    # What each row costs in queries, on a small sample (CaptureQueriesContext keeps 9,000).
    with CaptureQueriesContext(connection) as captured:
        sample_result = EstimateResource().import_data(
            read_upload("sample.csv", data_sample), file_name="sample.csv"
        )
    assert not sample_result.has_errors() and not sample_result.has_validation_errors()
    sample_rows = sample_result.totals["new"]

    # The import the Data editors run, every row through the resource.
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = EstimateResource().import_data(
            read_upload("estimates.csv", data_a), file_name="estimates.csv"
        )
    import_seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        errors = [str(e.error) for e in result.base_errors][:3]
        raise SystemExit(f"the benchmark import failed: {errors}")
    imported = result.totals["new"]

    # The same rows written with one bulk_create, after the same CSV parsing and lookups.
    started = time.perf_counter()
    reader = csv.DictReader(io.StringIO(data_b.decode()))
    version_ids = dict(
        IncidentVersion.objects.filter(incident__slug__startswith="bench-import-b-").values_list(
            "incident__slug", "pk"
        )
    )
    source_ids = dict(Source.objects.values_list("key", "pk"))

    def number(text: str) -> int | None:
        return int(text) if text else None

    objects = [
        Estimate(
            version_id=version_ids[row["incident"]],
            ref=row["ref"],
            measure=row["measure"],
            low=number(row["low"]),
            best=number(row["best"]),
            high=number(row["high"]),
            qualifier=row["qualifier"] or "exact",
            as_written=row["as_written"],
            claimant=row["claimant"],
            claimant_position=row["claimant_position"] or "unknown",
            claim_year=number(row["claim_year"]),
            assessment=row["assessment"] or "accepted",
            assessment_reason=row["assessment_reason"],
            source_id=source_ids[row["source"]],
            locator=row["locator"],
            quote=row["quote"],
        )
        for row in reader
    ]
    raw_counter = QueryCounter()
    with connection.execute_wrapper(raw_counter), transaction.atomic():
        Estimate.objects.bulk_create(objects, batch_size=1000)
    raw_seconds = time.perf_counter() - started

    # Export: the resource (with its widgets and formula neutralising) against plain rows.
    total = Estimate.objects.count()
    started = time.perf_counter()
    dataset = EstimateResource().export()
    exported_text = dataset.csv
    export_seconds = time.perf_counter() - started
    started = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    writer.writerows(
        Estimate.objects.order_by("pk")
        .values_list(
            "ref",
            "version__incident__slug",
            "measure",
            "low",
            "best",
            "high",
            "qualifier",
            "as_written",
            "claimant",
            "claimant_position",
            "claim_year",
            "assessment",
            "assessment_reason",
            "source__key",
            "locator",
            "quote",
        )
        .iterator(chunk_size=2000)
    )
    raw_export_seconds = time.perf_counter() - started
    exported_rows = len(dataset)

    return {
        "rows": imported,
        "drafts_prepared_seconds": round(drafts_seconds, 2),
        "import_seconds": round(import_seconds, 3),
        "import_rows_per_s": round(imported / import_seconds, 1),
        "import_queries": counter.count,
        "import_queries_per_row": round(counter.count / max(imported, 1), 1),
        "sample_rows": sample_rows,
        "sample_queries_captured": len(captured),
        "sample_queries_per_row": round(len(captured) / max(sample_rows, 1), 1),
        "sample_query_kinds": query_kinds(captured.captured_queries),
        "raw_rows": len(objects),
        "raw_seconds": round(raw_seconds, 3),
        "raw_rows_per_s": round(len(objects) / raw_seconds, 1),
        "raw_queries": raw_counter.count,
        "import_ratio": round((imported / import_seconds) / (len(objects) / raw_seconds), 4),
        "export_rows": exported_rows,
        "export_bytes": len(exported_text.encode()),
        "export_seconds": round(export_seconds, 3),
        "export_rows_per_s": round(exported_rows / export_seconds, 1),
        "raw_export_rows": total,
        "raw_export_seconds": round(raw_export_seconds, 3),
        "raw_export_rows_per_s": round(total / raw_export_seconds, 1),
        "export_ratio": round((exported_rows / export_seconds) / (total / raw_export_seconds), 4),
    }


# Streaming memory -----------------------------------------------------------------------


def memory() -> dict:
    """Peak resident memory while /data/estimates.csv streams, through the whole stack."""
    from django.test import Client

    from archive.models import Estimate, State

    client = Client(HTTP_HOST="127.0.0.1")
    warm = client.get("/robots.txt")
    assert warm.status_code == 200, warm.status_code
    # Warm the code path with the first rows, so the baseline holds the imported modules.
    first = client.get("/data/estimates.csv")
    next(iter(first.streaming_content))
    first.close()
    rows_expected = Estimate.objects.filter(version__state=State.PUBLISHED).count()
    baseline = rss_kib()
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    started = time.perf_counter()
    response = client.get("/data/estimates.csv")
    assert response.status_code == 200, response.status_code
    size = lines = 0
    samples = []
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n")
        if lines % 20000 < 2:
            samples.append(rss_kib())
    response.close()
    seconds = time.perf_counter() - started
    peak = rss_kib("VmHWM")
    return {
        "rows": lines - 1,
        "rows_expected": rows_expected,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rows_per_s": round((lines - 1) / seconds, 1),
        "baseline_rss_mib": round(baseline / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "growth_mib": round((peak - baseline) / 1024, 1),
        "rss_samples_mib": [round(s / 1024, 1) for s in samples[:: max(1, len(samples) // 10)]],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["terms", "import_export", "memory"])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    setup_django()
    if args.phase == "terms":
        result = terms()
    elif args.phase == "import_export":
        result = import_export(args.rows)
    else:
        result = memory()
    Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
