"""What a load test run found (``bench/load.py``): the responses it collected checked against
the publications' commits (stale answers, an older version seen after a newer one), latency by
page, and the table it prints."""

from __future__ import annotations

import argparse
import bisect
import statistics
from collections import Counter
from dataclasses import dataclass

# The pages whose every answer names the incident being revised, so show its version.
TARGETS = ("detail", "api_item")


@dataclass(slots=True)
class Response:
    key: str
    status: int  # 0: no answer (connection error or timeout)
    started: float  # time.monotonic(), comparable with the editor process's
    ended: float
    version: int | None  # the newest marker number in the body; 0: the original version
    probe: bool = False
    error: str = ""


def stale_after_publication(responses: list[Response], commits: list[tuple[float, int]]) -> Counter:
    """Responses sent after publication k committed that show a version older than k, by k."""
    times = [at for at, _ in commits]
    stale = Counter()
    for response in responses:
        if response.version is None:
            continue
        committed = bisect.bisect_left(times, response.started)  # publications before it
        if committed and response.version < commits[committed - 1][1]:
            stale[commits[committed - 1][1]] += 1
    return stale


def seen_again(responses: list[Response]) -> list[Response]:
    """Responses showing an older version than one another response had already shown
    (ended before this one was sent), on any page: the old title coming back."""
    shown = sorted((r for r in responses if r.version is not None), key=lambda r: r.ended)
    ends = [r.ended for r in shown]
    newest_so_far = []
    newest = -1
    for response in shown:
        newest = max(newest, response.version)
        newest_so_far.append(newest)
    older = []
    for response in shown:
        before = bisect.bisect_left(ends, response.started)
        if before and response.version < newest_so_far[before - 1]:
            older.append(response)
    return older


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarise(
    responses: list[Response],
    publications: list[dict],
    reader_seconds: float,
    args: argparse.Namespace,
) -> dict:
    readers = [r for r in responses if not r.probe]
    errors = [r for r in responses if not 200 <= r.status < 400]
    commits = sorted((p["committed_at"], p["number"]) for p in publications)
    stale = stale_after_publication(responses, commits)
    again = seen_again(responses)
    pages = {}
    for key in dict.fromkeys(r.key for r in responses):
        ms = [(r.ended - r.started) * 1000 for r in readers if r.key == key and r.status]
        pages[key] = {
            "requests": sum(1 for r in responses if r.key == key),
            "errors": sum(1 for r in errors if r.key == key),
            "p50_ms": round(statistics.median(ms), 1) if ms else None,
            "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
            "max_ms": round(max(ms), 1) if ms else None,
        }
    by_status = Counter(str(r.status) if r.status else "no answer" for r in responses)
    for publication in publications:
        number, committed_at = publication["number"], publication["committed_at"]
        first = [
            r.ended for r in readers if r.version is not None and r.version >= number
        ]  # a reader may see it a moment before the editor took its clock
        publication["first_seen_by_a_reader_ms"] = (
            round((min(first) - committed_at) * 1000, 1) if first else None
        )
        publication["stale_after"] = stale.get(number, 0)
        publication["committed_at_s"] = round(committed_at - publication.pop("load_started"), 2)
        del publication["committed_at"]
    failures = []
    if errors:
        kinds = Counter(r.error or f"HTTP {r.status}" for r in errors)
        failures.append(f"{len(errors)} error(s): {dict(kinds.most_common(5))}")
    if len(publications) < args.publishes:
        failures.append(f"only {len(publications)} of {args.publishes} publications were made")
    for publication in publications:
        late = [
            key
            for key in TARGETS
            if publication["visible"][key]["sent_ms"] is None
            or publication["visible"][key]["sent_ms"] > args.visible_within * 1000
        ]
        if late:
            failures.append(
                f"publication {publication['number']} not visible on {', '.join(late)} "
                f"within {args.visible_within} s"
            )
    if sum(stale.values()):
        failures.append(f"{sum(stale.values())} stale response(s) after publication")
    if again:
        failures.append(f"{len(again)} response(s) showed an older version after a newer one")
    latencies = [(r.ended - r.started) * 1000 for r in readers if r.status]
    return {
        "requests": {
            "total": len(responses),
            "readers": len(readers),
            "probes": len(responses) - len(readers),
            "by_status": dict(sorted(by_status.items())),
            "errors": len(errors),
            "rps": round(len(readers) / reader_seconds, 1),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
            "max_ms": round(max(latencies), 1) if latencies else None,
        },
        "pages": pages,
        "publications": publications,
        "stale_after_publication": sum(stale.values()),
        "older_after_newer": len(again),
        "older_after_newer_examples": [
            {"page": r.key, "version": r.version, "status": r.status} for r in again[:5]
        ],
        "failures": failures,
        "passed": not failures,
    }


def table(results: dict) -> str:
    m, s, q = results["machine"], results["settings"], results["requests"]
    lines = [
        f"Incident Archive load test — {results['incidents']:,} incidents, {m['database']}, "
        f"{m['date']}",
        f"{m['cores']} cores ({m['cpu']}), Python {m['python']}, gunicorn 2 workers, "
        f"{s['readers']} readers for {s['seconds']} s, {s['publishes']} publications",
        "",
        f"{'page':<16} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>7}",
    ]
    for key, page in results["pages"].items():
        lines.append(
            f"{key:<16} {page['requests']:>9} {page['p50_ms'] or 0:>8.1f} "
            f"{page['p95_ms'] or 0:>8.1f} {page['max_ms'] or 0:>8.1f} {page['errors']:>7}"
        )
    statuses = ", ".join(f"{status}: {count}" for status, count in q["by_status"].items())
    lines += [
        f"{'all':<16} {q['total']:>9} {q['p50_ms'] or 0:>8.1f} {q['p95_ms'] or 0:>8.1f} "
        f"{q['max_ms'] or 0:>8.1f} {q['errors']:>7}",
        "",
        f"requests: {q['total']} ({q['readers']} by readers, {q['probes']} probes after "
        f"publishing); by status: {statuses}; errors: {q['errors']}",
        f"requests/s (readers): {q['rps']}",
        "",
        f"{'publication':<12} {'at s':>6} {'publish ms':>11} {'detail shown by':>24} "
        f"{'API shown by':>24} {'stale':>6}",
    ]

    def shown(visible: dict) -> str:
        if visible["sent_ms"] is None:
            return f"not in {visible['fetches']} fetches"
        return f"fetch {visible['fetches']}, {visible['sent_ms']:.1f}/{visible['answered_ms']:.0f}"

    for p in results["publications"]:
        lines.append(
            f"{p['number']:<12} {p['committed_at_s']:>6.1f} {p['steps']['publish_ms']:>11.1f} "
            f"{shown(p['visible']['detail']):>24} {shown(p['visible']['api_item']):>24} "
            f"{p['stale_after']:>6}"
        )
    lines += [
        "  at s: when the publication committed; shown by: the first fetch after the commit that",
        "  showed the new version (1: at once), sent/answered so many ms after the commit (the",
        "  answer waits behind the readers); stale: responses to requests sent after the commit",
        "  that showed an older version, on any page",
        "",
        f"publications made: {len(results['publications'])} of {s['publishes']}; stale after "
        f"publication: {results['stale_after_publication']}; older version seen after a newer "
        f"one: {results['older_after_newer']}",
    ]
    if results["server_log_errors"]:
        lines.append(f"gunicorn error log: {len(results['server_log_errors'])} error line(s)")
    if results["passed"]:
        lines.append("PASSED")
    else:
        lines += ["FAILED:", *(f"  {failure}" for failure in results["failures"])]
    return "\n".join(lines)
