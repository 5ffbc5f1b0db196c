"""The time a capture adds to saving a source in the admin: queued (the product) against
capturing inside the request (what the queue avoids).

    DATABASE_URL=sqlite:////tmp/bench-snap.sqlite3 python -m bench.snapshot_save --saves 25

Needs a migrated database with the demo users (`manage.py demo`); adds sources to it, so use
a scratch copy. A local web server answers the captures: at once, and after LATENCY seconds
(a remote site's usual delay); it is on 127.0.0.1, so this process allows private addresses.
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
os.environ["SNAPSHOT_ALLOW_PRIVATE"] = "1"
os.environ["SNAPSHOT_HOST_INTERVAL"] = "0"

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from archive.models import Source, Trigger  # noqa: E402
from editorial.snapshots.capture import source_capture  # noqa: E402

LATENCY = 0.3
PAGE = b"<!doctype html><title>x</title>" + b"<p>text</p>" * 2000


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(LATENCY)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


def save(client: Client, url: str, *, capture_inline: bool) -> float:
    key = f"bench-{uuid.uuid4().hex[:10]}"
    started = time.perf_counter()
    response = client.post(
        reverse("admin:archive_source_add"),
        {"key": key, "kind": "web_page", "title": key, "url": url, "change_note": ""},
    )
    if capture_inline:
        source_capture(source=Source.objects.get(key=key), trigger=Trigger.ADMIN)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.status_code
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=25)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="contributor"))
    for n in range(5):  # the first requests' imports and caches
        save(client, f"{base}/warm?{n}", capture_inline=False)
    modes = [("none (no URL)", "", False)]
    for label, path in (("local, at once", "/page"), (f"{LATENCY:g} s latency", "/slow")):
        modes += [(label, path, False), (label, path, True)]
    # Round-robin, so that the machine's load drifts over every mode alike.
    times: dict[int, list[float]] = {index: [] for index in range(len(modes))}
    for n in range(args.saves):
        for index, (_label, path, inline) in enumerate(modes):
            url = f"{base}{path}?{n}" if path else ""
            times[index].append(save(client, url, capture_inline=inline))
    rows = []
    for index, (label, path, inline) in enumerate(modes):
        how = "captured in the request" if inline else "queued (the product)"
        rows.append((label, how if path else "nothing to queue", statistics.median(times[index])))
    server.shutdown()
    print(f"| site | capture | median save, ms ({args.saves} saves) |")
    print("|---|---|---|")
    for label, how, median in rows:
        print(f"| {label} | {how} | {median * 1000:.1f} |")


if __name__ == "__main__":
    main()
