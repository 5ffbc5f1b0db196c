"""The benchmark's measurements that run inside Django, each in a fresh process.

    python -m bench.inprocess terms|import_export|import_memory|memory [--rows R] --out FILE.json

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
import re
import resource
import statistics
import sys
import time
from pathlib import Path

from archive.columns import ESTIMATE_COLUMNS


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
        if 1 <= found <= 5:  # a village a reader looks up: a handful of incidents at any size
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
    synthetic = detail.count()
    return {
        "published": total,
        "common": {"term": common, "matches": counted[common]},
        "selective": {"term": selective[0], "matches": selective[1]},
        "detail_slug": detail[synthetic // 2] if synthetic else None,
        "synthetic_count": synthetic,
    }


# Import and export ----------------------------------------------------------------------


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
            yield {
                "ref": f"{slug}-{j + 1}",
                "incident": slug,
                "measure": measures[0] if j < 4 else rnd.choice(measures),
                "low": low,
                "best": best,
                "high": high,
                "qualifier": qualifier,
                "as_written": text,
                "claimant": rnd.choice(
                    ["Soviet archives (NKVD reports)", "Memorial Society", "Naimark"]
                ),
                "claimant_position": rnd.choice(
                    ["perpetrator_state", "independent_scholarship", "witness"]
                ),
                "claim_year": rnd.randint(1950, 2020),
                "assessment": assessment,
                "assessment_reason": reason,
                "source": rnd.choice(source_keys),
                "locator": f"p. {rnd.randint(1, 400)}",
                "quote": "",
            }


def csv_bytes(rows) -> bytes:

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ESTIMATE_COLUMNS)
    writer.writeheader()
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


def import_export(rows: int, rounds: int = 3, export_rows: int = 100_000) -> dict:
    """Import, raw ``bulk_create``, the admin's preview + confirm, export and raw export, each
    ``rounds`` times in turn (fresh drafts every round); ratios are medians of the rounds."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from archive.models import Source
    from bench.synthetic import create_drafts
    from editorial.resources import EstimateResource
    from editorial.uploads import read_upload

    per = 5
    postgres = connection.vendor == "postgresql"  # the raw COPY is PostgreSQL's
    drafts = -(-rows // per)
    source_keys = list(
        Source.objects.filter(key__startswith="synthetic-").values_list("key", flat=True)[:500]
    )

    def rows_for(prefix: str, seed: int) -> list[list]:
        slugs = create_drafts(count=drafts, prefix=prefix, seed=seed)
        return list(estimate_rows(slugs, per, source_keys, 21))[:rows]

    # What each row costs in queries, on a small sample (CaptureQueriesContext keeps 9,000).
    sample = create_drafts(count=20, prefix="bench-import-sample", seed=13)
    data_sample = csv_bytes(list(estimate_rows(sample, per, source_keys, 22))[:100])
    with CaptureQueriesContext(connection) as captured:
        sample_result = EstimateResource().import_data(
            read_upload("sample.csv", data_sample), file_name="sample.csv"
        )
    assert not sample_result.has_errors() and not sample_result.has_validation_errors()
    sample_rows = sample_result.totals["new"]

    measured = []
    for number in range(rounds):
        data = csv_bytes(rows_for(f"bench-import-{number}-a", 100 + number))
        raw_rows = rows_for(f"bench-import-{number}-b", 200 + number)  # same rows, other drafts
        admin_rows = rows_for(f"bench-import-{number}-c", 300 + number)
        copy_rows = rows_for(f"bench-import-{number}-d", 400 + number) if postgres else []
        imported = timed_import(data)
        raw = timed_bulk_create(raw_rows)
        copied = timed_copy(copy_rows) if postgres else {}
        admin = admin_import(admin_rows)
        export = timed_export(export_rows)
        measured.append(
            {
                **imported,
                **raw,
                **copied,
                **admin,
                **export,
                "import_ratio": raw["raw_seconds"] / imported["import_seconds"],
                **(
                    {
                        "import_copy_ratio": copied["copy_seconds"] / imported["import_seconds"],
                        "bulk_create_copy_ratio": copied["copy_seconds"] / raw["raw_seconds"],
                    }
                    if postgres
                    else {}
                ),
                "admin_ratio": admin["admin_seconds"] / imported["import_seconds"],
                "export_ratio": export["raw_export_seconds"] / export["export_seconds"],
            }
        )

    def median(key: str) -> float:
        return statistics.median(m[key] for m in measured)

    last = measured[-1]
    imported_rows = last["rows"]
    copy = (
        {
            "copy_rows": last["copy_rows"],
            "copy_seconds": round(median("copy_seconds"), 3),
            "copy_rows_per_s": round(last["copy_rows"] / median("copy_seconds"), 1),
            "import_copy_ratio": round(median("import_copy_ratio"), 4),
            "import_copy_ratios": [round(m["import_copy_ratio"], 3) for m in measured],
            "bulk_create_copy_ratio": round(median("bulk_create_copy_ratio"), 4),
        }
        if postgres
        else {}
    )
    return {
        **copy,
        "rounds": rounds,
        "rows": imported_rows,
        "import_seconds": round(median("import_seconds"), 3),
        "import_rows_per_s": round(imported_rows / median("import_seconds"), 1),
        "import_queries": last["import_queries"],
        "import_queries_per_row": round(last["import_queries"] / max(imported_rows, 1), 4),
        "sample_rows": sample_rows,
        "sample_queries_captured": len(captured),
        "sample_queries_per_row": round(len(captured) / max(sample_rows, 1), 1),
        "sample_query_kinds": query_kinds(captured.captured_queries),
        "raw_rows": last["raw_rows"],
        "raw_seconds": round(median("raw_seconds"), 3),
        "raw_rows_per_s": round(last["raw_rows"] / median("raw_seconds"), 1),
        "raw_queries": last["raw_queries"],
        "import_ratio": round(median("import_ratio"), 4),
        "import_ratios": [round(m["import_ratio"], 3) for m in measured],
        "admin_rows": last["admin_rows"],
        "admin_preview_seconds": round(median("admin_preview_seconds"), 3),
        "admin_confirm_seconds": round(median("admin_confirm_seconds"), 3),
        "admin_seconds": round(median("admin_seconds"), 3),
        "admin_preview_bytes": last["admin_preview_bytes"],
        "admin_ratio": round(median("admin_ratio"), 3),
        "admin_ratios": [round(m["admin_ratio"], 3) for m in measured],
        "export_rows": last["export_rows"],
        "export_bytes": last["export_bytes"],
        "export_seconds": round(median("export_seconds"), 3),
        "export_rows_per_s": round(last["export_rows"] / median("export_seconds"), 1),
        "raw_export_rows": last["raw_export_rows"],
        "raw_export_seconds": round(median("raw_export_seconds"), 3),
        "raw_export_rows_per_s": round(last["raw_export_rows"] / median("raw_export_seconds"), 1),
        "export_ratio": round(median("export_ratio"), 4),
        "export_ratios": [round(m["export_ratio"], 3) for m in measured],
    }


def timed_import(data: bytes) -> dict:
    """The import the Data editors run, every row through the resource."""
    from django.db import connection

    from editorial.resources import EstimateResource
    from editorial.uploads import read_upload

    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        result = EstimateResource().import_data(
            read_upload("estimates.csv", data), file_name="estimates.csv"
        )
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        errors = [str(e.error) for e in result.base_errors][:3]
        raise SystemExit(f"the benchmark import failed: {errors}")
    return {
        "rows": result.totals["new"],
        "import_seconds": seconds,
        "import_queries": counter.count,
    }


def raw_estimates(rows: list[dict]) -> tuple[list, float]:
    """The rows as ``Estimate`` objects, after the CSV parsing and the lookups an import does
    (two queries), and the time that took."""
    from archive.models import Estimate, IncidentVersion, Source

    data = csv_bytes(rows)
    slugs = {row["incident"] for row in rows}
    started = time.perf_counter()
    reader = csv.DictReader(io.StringIO(data.decode()))
    version_ids = dict(
        IncidentVersion.objects.filter(incident__slug__in=slugs).values_list("incident__slug", "pk")
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
    return objects, time.perf_counter() - started


def timed_bulk_create(rows: list[dict]) -> dict:
    """The same rows written with ``bulk_create``, after the same CSV parsing and lookups."""
    from django.db import connection, transaction

    from archive.models import Estimate

    objects, parsing = raw_estimates(rows)
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter), transaction.atomic():
        Estimate.objects.bulk_create(objects, batch_size=1000)
    return {
        "raw_rows": len(objects),
        "raw_seconds": parsing + time.perf_counter() - started,
        "raw_queries": counter.count,
    }


def timed_copy(rows: list[dict]) -> dict:
    """The same rows written with a raw ``COPY`` (PostgreSQL), after the same CSV parsing and
    lookups: the ids from the table's sequence, every concrete field's value as the model
    holds it, no conversion, no check. The limit an import of new rows is read against."""
    from django.db import connection, transaction

    from archive.models import Estimate

    objects, parsing = raw_estimates(rows)
    started = time.perf_counter()
    meta = Estimate._meta
    fields = meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for estimate, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            estimate.pk = pk
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for estimate in objects:
                values = estimate.__dict__
                copy.write_row([values[name] for name in attnames])
    return {"copy_rows": len(objects), "copy_seconds": parsing + time.perf_counter() - started}


def timed_export(limit: int) -> dict:
    """The first ``limit`` estimates through the resource (widgets, formula neutralising) and
    as plain rows: the cost is per row, and the resource's export is held in memory."""
    from archive.models import Estimate
    from editorial.resources import EstimateResource

    first = Estimate.objects.order_by("pk")
    last = list(first.values_list("pk", flat=True)[limit - 1 : limit])
    chosen = first.filter(pk__lte=last[0]) if last else first
    total = chosen.count()
    started = time.perf_counter()
    dataset = EstimateResource().export(queryset=chosen)
    exported_text = dataset.csv
    export_seconds = time.perf_counter() - started
    started = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ESTIMATE_COLUMNS)
    lookups = [EstimateResource.export_lookups.get(c, c) for c in ESTIMATE_COLUMNS]
    writer.writerows(chosen.values_list(*lookups).iterator(chunk_size=2000))
    return {
        "export_rows": len(dataset),
        "export_bytes": len(exported_text.encode()),
        "export_seconds": export_seconds,
        "raw_export_rows": total,
        "raw_export_seconds": time.perf_counter() - started,
    }


def admin_import(rows: list[list]) -> dict:
    """Preview and confirm an estimates file in the admin, through the whole request stack."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    if "testserver" not in settings.ALLOWED_HOSTS:
        setup_test_environment()  # the test client's host name is allowed
    editor, _ = get_user_model().objects.get_or_create(
        username="bench-data-editor", defaults={"is_staff": True}
    )
    editor.groups.add(*Group.objects.filter(name__in=["Data editors", "Contributors"]))
    client = Client()
    client.force_login(editor)
    data = csv_bytes(rows)
    started = time.perf_counter()
    preview = client.post(
        reverse("admin:archive_estimate_import"),
        {"resource": 0, "format": 0, "import_file": SimpleUploadedFile("e.csv", data)},
    )
    preview_seconds = time.perf_counter() - started
    form = preview.context["confirm_form"] if preview.context else None
    if preview.status_code != 200 or form is None:
        raise SystemExit(f"the benchmark's admin preview failed ({preview.status_code})")
    fields = {name: field.initial for name, field in form.fields.items()} | form.initial
    started = time.perf_counter()
    done = client.post(reverse("admin:archive_estimate_process_import"), fields)
    confirm_seconds = time.perf_counter() - started
    if done.status_code != 302:
        raise SystemExit(f"the benchmark's admin confirm failed ({done.status_code})")
    return {
        "admin_rows": len(rows),
        "admin_preview_seconds": round(preview_seconds, 3),
        "admin_confirm_seconds": round(confirm_seconds, 3),
        "admin_seconds": round(preview_seconds + confirm_seconds, 3),
        "admin_preview_bytes": len(preview.content),
    }


IMPORT_AND_REPORT_PEAK = """
import os, sys
from pathlib import Path
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
import django
django.setup()
from django.core.management import call_command
call_command("import", "editorial.resources.EstimateResource", sys.argv[1], "--no-input")
print([l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM")][0])
"""


def import_memory(rows: int) -> dict:
    """Peak resident memory of ``manage.py import`` with a CSV file of ``rows`` and of 10×
    ``rows`` estimates, each in a process of its own: flat means the command streams."""
    import subprocess
    import tempfile

    from archive.models import Source
    from bench.synthetic import create_drafts

    keys = list(
        Source.objects.filter(key__startswith="synthetic-").values_list("key", flat=True)[:500]
    )
    measured = {}
    with tempfile.TemporaryDirectory(prefix="archive-import-") as folder:
        for label, count in (("n", rows), ("ten_n", rows * 10)):
            slugs = create_drafts(count=-(-count // 5), prefix=f"bench-memory-{label}", seed=15)
            path = Path(folder) / f"{label}.csv"
            path.write_bytes(csv_bytes(list(estimate_rows(slugs, 5, keys, 31))[:count]))
            started = time.perf_counter()
            # The peak is read by the import's own process (VmHWM of its memory map): the
            # rusage of a child also counts this process's memory at the time of the fork.
            done = subprocess.run(  # noqa: S603 - our own command
                [sys.executable, "-c", IMPORT_AND_REPORT_PEAK, str(path)],
                capture_output=True,
                text=True,
                # The import's row limit (IMPORT_MAX_ROWS) must not stop a larger benchmark.
                env={**os.environ, "DJANGO_IMPORT_MAX_ROWS": str(max(count, 100_000))},
            )
            if done.returncode != 0 or f"{count} new" not in done.stdout:
                raise SystemExit(
                    f"the benchmark's command-line import failed: {done.stderr[-500:]}"
                )
            peak_kib = int(re.search(r"VmHWM:\s+(\d+)", done.stdout).group(1))
            measured[label] = {
                "rows": count,
                "bytes": path.stat().st_size,
                "seconds": round(time.perf_counter() - started, 2),
                "peak_rss_mib": round(peak_kib / 1024, 1),
            }
    measured["ratio_peak"] = round(
        measured["ten_n"]["peak_rss_mib"] / measured["n"]["peak_rss_mib"], 3
    )
    return measured


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
    parser.add_argument("phase", choices=["terms", "import_export", "import_memory", "memory"])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    setup_django()
    if args.phase == "terms":
        result = terms()
    elif args.phase == "import_export":
        result = import_export(args.rows, args.rounds, args.export_rows)
    elif args.phase == "import_memory":
        result = import_memory(args.rows)
    else:
        result = memory()
    Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
