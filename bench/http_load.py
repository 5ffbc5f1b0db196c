"""The measurements over HTTP: requests/s of the public pages against /robots.txt, cached and
uncached, with wrk (or a bounded Python client), and search latency against the plain list.

Nothing here asserts a timing: the numbers are for reading, not for failing a build.
"""

from __future__ import annotations

import argparse
import http.client
import re
import secrets
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from bench.harness import HOST, Bench, cpu_busy, get, log

# Load generators ----------------------------------------------------------------------------

LUA = """
local n = {n}
local template = "{template}"
local token = "{token}"
local counter = 0
local made = 0
function setup(thread)
  made = made + 1
  thread:set("tid", made)
end
function init(args)
  math.randomseed({seed} + tid * 7919)
end
function request()
  counter = counter + 1
  local path = template:gsub("{{k}}", tostring(math.random(n)))
  local sep = path:find("?", 1, true) and "&" or "?"
  return wrk.format("GET", path .. sep .. "bench=" .. token .. "-" .. tid .. "-" .. counter)
end
"""


class Endpoint:
    """A path to load; ``varied`` ones get a random {k} and a unique query per request, so
    every request misses the page cache."""

    def __init__(self, key: str, label: str, path: str, varied: bool = False) -> None:
        self.key, self.label, self.path, self.varied = key, label, path, varied


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(text: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return {
        "rps": rps,
        "requests": total,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
        "p50_ms": round(float(p50.group(1)) * UNITS[p50.group(2)], 2) if p50 else None,
    }


class Load:
    def __init__(self, port: str, args: argparse.Namespace, n: int, tmp: Path) -> None:
        self.port, self.args, self.n, self.tmp = port, args, n, tmp
        self.client = args.client
        if self.client == "auto":
            self.client = "wrk" if shutil.which("wrk") else "python"
        self.rounds = 0

    def run(self, endpoint: Endpoint) -> dict:
        self.rounds += 1
        if self.client == "wrk":
            return self.run_wrk(endpoint)
        return self.run_python(endpoint)

    def run_wrk(self, endpoint: Endpoint) -> dict:
        command = [
            shutil.which("wrk"),
            f"-t{min(2, self.args.connections)}",
            f"-c{self.args.connections}",
            f"-d{self.args.duration}s",
            "--timeout",
            "30s",
            "--latency",
        ]
        path = endpoint.path
        if endpoint.varied:
            script = self.tmp / f"{endpoint.key}-{self.rounds}.lua"
            template = path.replace("{k}", "{{k}}")
            script.write_text(
                LUA.format(
                    n=self.n, template=template, token=secrets.token_hex(4), seed=self.rounds
                ).replace("{{k}}", "{k}")
            )
            command += ["-s", str(script)]
            path = path.replace("{k}", "1")
        command.append(f"http://{HOST}:{self.port}{path}")
        done = subprocess.run(  # noqa: S603 - wrk, with arguments we build
            command, capture_output=True, text=True, timeout=self.args.duration + 60, check=True
        )
        return parse_wrk(done.stdout)

    def run_python(self, endpoint: Endpoint) -> dict:
        """A bounded client: N threads, fixed duration, one request at a time per thread."""
        import random

        deadline = time.perf_counter() + self.args.duration
        latencies: list[float] = []
        counts = {"non_2xx": 0, "errors": 0}
        lock = threading.Lock()
        token = secrets.token_hex(4)

        def worker(number: int) -> None:
            rnd = random.Random(number)  # noqa: S311 - picks pages, not secrets
            connection = None
            sent = 0
            while time.perf_counter() < deadline:
                path = endpoint.path
                if endpoint.varied:
                    sent += 1
                    path = path.replace("{k}", str(rnd.randint(1, self.n)))
                    path += ("&" if "?" in path else "?") + f"bench={token}-{number}-{sent}"
                started = time.perf_counter()
                try:
                    if connection is None:
                        connection = http.client.HTTPConnection(HOST, int(self.port), timeout=30)
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    status = response.status
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connection = None
                except (OSError, http.client.HTTPException):
                    with lock:
                        counts["errors"] += 1
                    if connection is not None:
                        connection.close()
                    connection = None
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if not 200 <= status < 400:
                        counts["non_2xx"] += 1
            if connection is not None:
                connection.close()

        started = time.perf_counter()
        threads = [
            threading.Thread(target=worker, args=(i,), daemon=True)
            for i in range(self.args.connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(self.args.duration + 60)
        seconds = time.perf_counter() - started
        return {
            "rps": round(len(latencies) / seconds, 2),
            "requests": len(latencies),
            "non_2xx": counts["non_2xx"],
            "socket_errors": counts["errors"],
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        }


# The measurements -----------------------------------------------------------------------


def http_measurements(bench: Bench, port: str, n: int, terms: dict) -> tuple[dict, dict, str]:
    args = bench.args
    slug = terms["detail_slug"]
    common = urllib.parse.quote(terms["common"]["term"])
    endpoints = [
        Endpoint("robots", "/robots.txt (baseline)", "/robots.txt"),
        Endpoint("detail", "incident detail, cached", f"/incidents/{slug}/"),
        Endpoint("list", "/incidents/, cached", "/incidents/"),
        Endpoint(
            "filtered",
            "filtered list, cached",
            "/incidents/?category=massacre&year_from=1941",
        ),
        Endpoint(
            "search", f"search q={terms['common']['term']}, cached", f"/incidents/?q={common}"
        ),
        Endpoint("api", "/api/incidents/, cached", "/api/incidents/"),
        # The same pages in another language: each language's pages are cached on their own.
        Endpoint("detail_de", "incident detail in German, cached", f"/de/incidents/{slug}/"),
        Endpoint("list_de", "/de/incidents/, cached", "/de/incidents/"),
        Endpoint("detail_uncached", "incident detail, uncached", "/incidents/synthetic-{k}/", True),
        Endpoint("list_uncached", "/incidents/, uncached", "/incidents/?x={k}", True),
        Endpoint("api_uncached", "/api/incidents/, uncached", "/api/incidents/?x={k}", True),
        Endpoint(
            "detail_de_uncached",
            "incident detail in German, uncached",
            "/de/incidents/synthetic-{k}/",
            True,
        ),
    ]
    for endpoint in endpoints:  # every page answers, and the cached ones are filled
        path = endpoint.path.replace("{k}", "1")
        status, body, _ = get(port, path)
        if status != 200:
            raise SystemExit(f"bench: {path} answered {status}: {body[:500]!r}")
    if args.wait_idle:
        deadline = time.monotonic() + args.wait_idle
        busy = cpu_busy(2.0)
        while busy > 10 and time.monotonic() < deadline:
            log(f"waiting for the machine to be idle: other programs use {busy}% of the CPU")
            busy = cpu_busy(5.0)
    load = Load(port, args, n, bench.tmp)
    log(f"load generator: {load.client}, {args.rounds} rounds of {args.duration} s per page")
    load.run(endpoints[0])  # warm-up of workers and connections; not counted
    rounds: dict[str, list[dict]] = {e.key: [] for e in endpoints}
    busy = [cpu_busy(2.0)]
    for number in range(args.rounds):
        for endpoint in endpoints:
            rounds[endpoint.key].append(load.run(endpoint))
        busy.append(cpu_busy(2.0))
        log(f"round {number + 1} of {args.rounds} done; CPU busy while idle: {busy[-1]}%")
    bench.cpu_busy_idle = busy
    if max(busy) > 15:
        log(
            f"WARNING: other programs used up to {max(busy)}% of the CPU between rounds: "
            "requests/s of this run are lower than this machine can do"
        )
    baseline = statistics.median(r["rps"] for r in rounds["robots"])
    pages = {}
    for endpoint in endpoints:
        runs = rounds[endpoint.key]
        rps = statistics.median(r["rps"] for r in runs)
        pages[endpoint.key] = {
            "label": endpoint.label,
            "path": endpoint.path,
            "rps_rounds": [r["rps"] for r in runs],
            "rps": round(rps, 1),
            "ratio": round(rps / baseline, 3),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs if r["p50_ms"] is not None),
            "non_2xx": sum(r["non_2xx"] for r in runs),
            "socket_errors": sum(r["socket_errors"] for r in runs),
        }

    # Search latency: one request at a time, every request a cache miss (a unique query).
    selective = urllib.parse.quote(terms["selective"]["term"])
    paths = {
        "list": "/incidents/?",
        "selective": f"/incidents/?q={selective}&",
        "common": f"/incidents/?q={common}&",
    }
    samples: dict[str, list[float]] = {key: [] for key in paths}
    token = secrets.token_hex(4)
    for number in range(args.search_samples):
        for key, path in paths.items():
            status, _, seconds = get(port, f"{path}bench={token}-{number}")
            if status != 200:
                raise SystemExit(f"bench: {path} answered {status}")
            samples[key].append(seconds * 1000)
    list_ms = statistics.median(samples["list"])
    search = {
        key: {
            "median_ms": round(statistics.median(values), 1),
            "ratio_to_list": round(statistics.median(values) / list_ms, 3),
            "term": terms[key]["term"] if key != "list" else None,
            "matches": terms[key]["matches"] if key != "list" else terms["published"],
        }
        for key, values in samples.items()
    }
    return pages, search, load.client


# Latency one request at a time, for comparing archives of different sizes ------------------


def latency_paths(terms: dict) -> dict[str, tuple[str, str]]:
    """What a reader asks of the archive, each a cache miss (the benchmark adds a unique
    parameter, which the page cache does not keep). {k} is a random incident number."""
    selective = urllib.parse.quote(terms["selective"]["term"])
    common = urllib.parse.quote(terms["common"]["term"])
    # A deep page: the middle of the whole list, 50 incidents a page.
    middle = max(1, terms["published"] // 50 // 2)
    return {
        "list": ("/incidents/", "/incidents/?"),
        "filtered": (
            "filtered list with facets",
            "/incidents/?category=massacre&year_from=1941&",
        ),
        "selective": (
            f"selective search q={terms['selective']['term']}",
            f"/incidents/?q={selective}&",
        ),
        "common": (f"common-word search q={terms['common']['term']}", f"/incidents/?q={common}&"),
        "detail": ("incident detail, a different one each time", "/incidents/synthetic-{k}/?"),
        "api": ("/api/incidents/", "/api/incidents/?"),
        "deep": (f"deep page (page {middle:,})", f"/incidents/?page={middle}&"),
    }


def latencies(port: str, terms: dict, samples: int) -> dict:
    """Per path: the first request after the server started (nothing of it computed yet:
    the list's count, facets and totals are kept per publication generation and filter set,
    so the first reader of a new publication pays them), then ``samples`` more, one at a
    time, each a different address the page cache does not keep; p50 and p95 of those."""
    import random

    rnd = random.Random(7)  # noqa: S311 - picks incidents, not secrets
    token = secrets.token_hex(4)
    n = max(1, terms["synthetic_count"])
    measured = {}
    for key, (label, path) in latency_paths(terms).items():
        timings = []
        for number in range(samples + 1):
            address = path.replace("{k}", str(rnd.randint(1, n))) + f"bench={token}-{number}"
            status, body, seconds = get(port, address, timeout=300)
            if status != 200:
                raise SystemExit(f"bench: {address} answered {status}: {body[:300]!r}")
            timings.append(seconds * 1000)
        warm = sorted(timings[1:])
        measured[key] = {
            "label": label,
            "path": path,
            "first_ms": round(timings[0], 1),
            "p50_ms": round(statistics.median(warm), 1),
            "p95_ms": round(percentile(warm, 95), 1),
            "samples": samples,
        }
    return measured


def percentile(ordered: list[float], percent: float) -> float:
    """The nearest-rank percentile of sorted values."""
    rank = max(1, -(-len(ordered) * percent // 100))
    return ordered[int(rank) - 1]
