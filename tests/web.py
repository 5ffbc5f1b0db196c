"""A local web server for the capture tests: real HTTP on 127.0.0.1, no internet.

Each path answers one way; ``/to?u=ADDRESS`` redirects to any address the test names.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAGE = b"<!doctype html><title>Katyn</title><p>About 22,000 Polish prisoners were shot.</p>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BIG = b"x" * 5000


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet in the test output

    def answer(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.requests.append(parts.path)
        query = parse_qs(parts.query)
        match parts.path:
            case "/page":
                self.answer(200, PAGE, "text/html; charset=utf-8")
            case "/report.pdf":
                self.answer(200, PDF, "application/pdf")
            case "/moved":
                self.answer(301, b"", "text/plain", Location="/moved-again")
            case "/moved-again":
                self.answer(302, b"", "text/plain", Location=f"{self.server.url}/page")
            case "/to":
                self.answer(302, b"", "text/plain", Location=query["u"][0])
            case "/missing":
                self.answer(404, b"<p>Not here.</p>", "text/html")
            case "/unavailable":
                self.answer(503, b"<p>Try later.</p>", "text/html")
            case "/big":
                self.answer(200, BIG, "text/plain")
            case "/big-undeclared":
                # No length given: the cap must hold while the bytes arrive.
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(BIG)
            case "/slow":
                # Answers only when the test is over: a fetch must give up first.
                self.server.released.wait(30)
                self.answer(200, PAGE, "text/html")
            case _:
                self.answer(404, b"", "text/plain")

    def do_POST(self) -> None:
        """Save Page Now 2, as the Internet Archive documents it: the form and the keys are
        kept for the test to read."""
        length = int(self.headers.get("Content-Length", "0"))
        self.server.posts.append(
            (self.path, self.headers.get("Authorization", ""), self.rfile.read(length).decode())
        )
        self.answer(200, b'{"url": "posted", "job_id": "spn2-0123"}', "application/json")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[str] = []
        self.posts: list[tuple[str, str, str]] = []
        self.released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def running_server() -> Iterator[Server]:
    server = Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.released.set()
        server.shutdown()
        server.server_close()
        thread.join()
