"""The benchmark's report: the machine it ran on, the goals each ratio is read against, and
the table ``make bench`` prints."""

from __future__ import annotations

import contextlib
import datetime
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

from bench.harness import ROOT, BenchDatabase


def machine(database: BenchDatabase, client: str) -> dict:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if dirty:
        commit += " + uncommitted changes"
    wrk = "python client"
    if client == "wrk":
        banner = subprocess.run(  # noqa: S603
            [shutil.which("wrk"), "-v"], capture_output=True, text=True, check=False
        ).stdout
        found = re.search(r"(\d+\.\d+\.\d+)", banner)
        wrk = f"wrk {found.group(1)}" if found else "wrk"
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "database": database.version(),
        "load_generator": wrk.strip(),
        "commit": commit,
    }


GOALS = [
    ("detail", "cached detail ≥ 60% of /robots.txt", lambda r: r["pages"]["detail"]["ratio"], 0.6),
    ("list", "cached list ≥ 60% of /robots.txt", lambda r: r["pages"]["list"]["ratio"], 0.6),
    ("api", "cached API list ≥ 60% of /robots.txt", lambda r: r["pages"]["api"]["ratio"], 0.6),
    (
        "detail_uncached",
        "uncached detail ≥ 20% of /robots.txt",
        lambda r: r["pages"]["detail_uncached"]["ratio"],
        0.2,
    ),
    (
        "detail_de",
        "cached detail in German ≥ 60% of /robots.txt",
        lambda r: r["pages"]["detail_de"]["ratio"],
        0.6,
    ),
    (
        "list_de",
        "cached list in German ≥ 60% of /robots.txt",
        lambda r: r["pages"]["list_de"]["ratio"],
        0.6,
    ),
]


LATENCY_GOALS = ("list", "filtered", "selective")


def latency_ratio(results: dict, reference: dict, key: str) -> float:
    return round(results["latency"][key]["p95_ms"] / reference["latency"][key]["p95_ms"], 2)


def memory_ratio(results: dict, reference: dict) -> float:
    return round(results["memory"]["n"]["peak_rss_mib"] / reference["memory"]["peak_rss_mib"], 3)


def goals(results: dict) -> list[dict]:
    found = []
    stored = results["settings"].get("pages", True)
    for key, text, value, threshold in GOALS:
        if key == "detail_uncached" and not stored:
            continue  # no page stored at publication: each is rendered by its first reader
        found.append({"goal": text, "value": value(results), "met": value(results) >= threshold})
    selective = results["search"]["selective"]["ratio_to_list"]
    found.append(
        {"goal": "selective search ≤ 3× list latency", "value": selective, "met": selective <= 3}
    )
    data = results["import_export"]
    found.append(
        {
            "goal": "import ≥ 50% of raw bulk_create rows/s",
            "value": data["import_ratio"],
            "met": data["import_ratio"] >= 0.5,
        }
    )
    if "import_copy_ratio" in data:  # PostgreSQL only
        found.append(
            {
                "goal": "import ≥ 25% of raw COPY rows/s (PostgreSQL)",
                "value": data["import_copy_ratio"],
                "met": data["import_copy_ratio"] >= 0.25,
            }
        )
    found.append(
        {
            "goal": "admin preview + confirm ≤ 2.5× one import",
            "value": data["admin_ratio"],
            "met": data["admin_ratio"] <= 2.5,
        }
    )
    imported = results["import_memory"]
    found.append(
        {
            "goal": "manage.py import of 10× the rows within ±20% of the memory (peak RSS)",
            "value": imported["ratio_peak"],
            "met": 0.8 <= imported["ratio_peak"] <= 1.2,
        }
    )
    found.append(
        {
            "goal": "export ≥ 30% of raw values_list → csv rows/s",
            "value": data["export_ratio"],
            "met": data["export_ratio"] >= 0.3,
        }
    )
    references = results.get("references") or []
    if references:
        smallest = references[0]
        for key in LATENCY_GOALS:
            ratio = latency_ratio(results, smallest, key)
            found.append(
                {
                    "goal": f"{results['latency'][key]['label']}: p95 at {results['incidents']:,} "
                    f"≤ 3× p95 at {smallest['incidents']:,}",
                    "value": ratio,
                    "met": ratio <= 3,
                }
            )
        for reference in references:
            ratio = memory_ratio(results, reference)
            if reference["incidents"] * 10 >= results["incidents"]:
                found.append(
                    {
                        "goal": f"/data/estimates.csv peak memory at {results['incidents']:,} "
                        f"within ±20% of {reference['incidents']:,} incidents",
                        "value": ratio,
                        "met": 0.8 <= ratio <= 1.2,
                    }
                )
    memory = results["memory"]
    if memory.get("ratio_peak") is not None:
        ratio = memory["ratio_peak"]
        found.append(
            {
                "goal": "export memory at 10×N within ±20% of N (peak RSS)",
                "value": ratio,
                "met": 0.8 <= ratio <= 1.2,
            }
        )
    return found


def table(results: dict) -> str:
    m, n = results["machine"], results["incidents"]
    lines = [
        f"Incident Archive benchmark — N = {n:,} incidents, {m['database']}, {m['date']}",
        f"{m['cores']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}, "
        f"gunicorn 2 workers, {m['load_generator']}, {results['settings']['connections']} "
        f"connections, {results['settings']['rounds']}×{results['settings']['duration']} s",
        build_line(results["build"]),
        "",
        f"{'page':<42} {'req/s':>9} {'× robots':>9} {'p50 ms':>8}  errors",
    ]
    for page in results["pages"].values():
        errors = page["non_2xx"] + page["socket_errors"]
        lines.append(
            f"{page['label']:<42} {page['rps']:>9.1f} {page['ratio']:>9.2f} "
            f"{page['p50_ms']:>8.1f}  {errors}"
        )
    s = results["search"]
    lines += ["", f"{'search (uncached, one at a time)':<42} {'median ms':>9} {'× list':>9}"]
    for key, label in (
        ("list", "/incidents/ (no query)"),
        ("selective", "selective"),
        ("common", "common"),
    ):
        term = f" q={s[key]['term']}" if s[key]["term"] else ""
        text = f"{label}{term} ({s[key]['matches']} matches)"
        lines.append(f"{text:<42} {s[key]['median_ms']:>9.1f} {s[key]['ratio_to_list']:>9.2f}")
    lines += latency_lines(results)
    d = results["import_export"]
    lines += [
        "",
        f"{'rows/s':<42} {'tool':>9} {'raw':>9} {'ratio':>8}",
        f"{'import ' + format(d['rows'], ',') + ' estimates (EstimateResource)':<42} "
        f"{d['import_rows_per_s']:>9.0f} {d['raw_rows_per_s']:>9.0f} {d['import_ratio']:>8.3f}",
        f"  queries: {d['import_queries']:,} ({d['import_queries_per_row']} per row); "
        f"raw bulk_create: {d['raw_queries']}; ratios by round: {d['import_ratios']}",
    ]
    if "import_copy_ratio" in d:
        lines += [
            f"{'import × raw COPY (PostgreSQL)':<42} {d['import_rows_per_s']:>9.0f} "
            f"{d['copy_rows_per_s']:>9.0f} {d['import_copy_ratio']:>8.3f}",
            f"  (bulk_create × COPY {d['bulk_create_copy_ratio']:.3f}; ratios by round: "
            f"{d['import_copy_ratios']})",
        ]
    lines += [
        f"{'admin preview + confirm, × one import':<42} {d['admin_seconds']:>9.2f} "
        f"{d['import_seconds']:>9.2f} {d['admin_ratio']:>8.3f}",
        f"  (seconds; preview {d['admin_preview_seconds']:.2f}, confirm "
        f"{d['admin_confirm_seconds']:.2f}; ratios by round: {d['admin_ratios']})",
        f"{'export ' + format(d['export_rows'], ',') + ' estimates (EstimateResource)':<42} "
        f"{d['export_rows_per_s']:>9.0f} {d['raw_export_rows_per_s']:>9.0f} "
        f"{d['export_ratio']:>8.3f}",
    ]
    im = results["import_memory"]
    lines += ["", "manage.py import of an estimates CSV (peak RSS of the process, MiB)"]
    for key in ("n", "ten_n"):
        x = im[key]
        lines.append(
            f"  {x['rows']:>9,} rows ({x['bytes'] / 1_048_576:.1f} MiB): peak "
            f"{x['peak_rss_mib']:.1f}, {x['seconds']} s"
        )
    lines.append(f"  10× / 1×: peak {im['ratio_peak']:.3f}")
    mem = results["memory"]
    lines += ["", "streaming /data/estimates.csv (peak RSS of the process, MiB)"]
    for key in ("n", "ten_n"):
        if key in mem:
            x = mem[key]
            lines.append(
                f"  {x['incidents']:>9,} incidents, {x['rows']:>9,} rows: "
                f"peak {x['peak_rss_mib']:.1f}"
                f" (baseline {x['baseline_rss_mib']:.1f}, +{x['growth_mib']:.1f}), "
                f"{x['rows_per_s']:,.0f} rows/s"
            )
    if mem.get("ratio_peak") is not None:
        lines.append(
            f"  10×N / N: peak {mem['ratio_peak']:.3f}, growth "
            f"{mem['growth_10x_mib']:+.1f} MiB vs {mem['growth_n_mib']:+.1f} MiB"
        )
    for reference in results.get("references") or []:
        x = reference["memory"]
        lines.append(
            f"  {x['incidents']:>9,} incidents, {x['rows']:>9,} rows: peak "
            f"{x['peak_rss_mib']:.1f} (baseline {x['baseline_rss_mib']:.1f}, "
            f"+{x['growth_mib']:.1f}), {x['rows_per_s']:,.0f} rows/s (reference archive); "
            f"N / this: peak {memory_ratio(results, reference):.3f}"
        )
    busy = results.get("cpu_busy_between_rounds_pct") or []
    if busy and max(busy) > 15:
        lines += [
            "",
            f"WARNING: other programs kept the CPU up to {max(busy)}% busy between rounds "
            f"({busy}): the requests/s above are lower than this machine can do.",
        ]
    if results.get("static_warning"):
        lines += [
            "",
            f"WARNING: collectstatic failed, measured with TolerantStaticStorage: "
            f"{results['static_warning']}",
        ]
    lines += ["", "goals"]
    for goal in results["goals"]:
        lines.append(
            f"  [{'met' if goal['met'] else 'NOT met':>7}] {goal['goal']}: {goal['value']}"
        )
    return "\n".join(lines)


def build_line(build: dict) -> str:
    size = f"; database {build['size_bytes'] / 2**30:.2f} GiB" if build.get("size_bytes") else ""
    if build.get("vacuum_seconds"):
        size = f", VACUUM ANALYZE {build['vacuum_seconds']} s{size}"
    if build.get("reused"):
        return (
            f"build: the database a previous run kept (migrate {build['migrate_seconds']} s){size}"
        )
    return (
        f"build: migrate {build['migrate_seconds']} s, bench.generate "
        f"{build['generate_seconds']} s{size}"
    )


def latency_lines(results: dict) -> list[str]:
    """One request at a time, each a cache miss: p95 (p50) in ms at N and at each reference
    archive built in the same run, and N's p95 over the smallest reference's."""
    if "latency" not in results:
        return []
    references = results.get("references") or []
    sizes = [results["incidents"], *(r["incidents"] for r in references)]
    head = "".join(f"{format(size, ','):>20}" for size in sizes)
    ratio_head = f"{'× ' + format(references[0]['incidents'], ','):>10}" if references else ""
    lines = [
        "",
        f"latency, uncached, one at a time: p95 (p50) ms, "
        f"{results['settings']['latency_samples']} requests after a first one",
        f"{'incidents':<44}{head}{ratio_head}",
    ]
    for key, measured in results["latency"].items():
        cells = [measured, *(r["latency"][key] for r in references)]
        row = "".join(f"{f'{c["p95_ms"]:.1f} ({c["p50_ms"]:.1f})':>20}" for c in cells)
        ratio = f"{latency_ratio(results, references[0], key):>10.2f}" if references else ""
        lines.append(f"{measured['label'][:43]:<44}{row}{ratio}")
    firsts = ", ".join(
        f"{m['label'].split(' q=')[0]} {m['first_ms']:.0f}" for m in results["latency"].values()
    )
    lines.append(f"  first request at N (ms; count, facets and totals not yet kept): {firsts}")
    for reference in references:
        lines.append(
            f"  reference {reference['incidents']:,}: "
            + build_line(reference["build"]).removeprefix("build: ")
        )
    return lines
