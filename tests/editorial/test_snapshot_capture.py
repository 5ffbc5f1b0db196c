"""Captures against a local web server (tests/web.py): what is stored, and what is refused."""

from __future__ import annotations

import hashlib

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.models import Outcome, Snapshot, Trigger
from archive.warc import final_payload
from editorial.snapshots import fetch
from editorial.snapshots.capture import snapshot_storage, source_capture
from tests.factories import make_source
from tests.web import BIG, PAGE, PDF, running_server

pytestmark = pytest.mark.django_db

# A public address the tests route to the local server (see ``public_host``).
PUBLIC = "93.184.215.14"


@pytest.fixture
def server():
    with running_server() as server:
        yield server


@pytest.fixture
def private_allowed(settings):
    settings.SNAPSHOT_ALLOW_PRIVATE = True


@pytest.fixture
def public_host(server, monkeypatch):
    """``public.example`` resolves to a public address, and connections to that address reach
    the local server: the address checks are the real ones, only DNS and routing are not."""
    real_open = fetch.open_socket

    def resolve(host, port):
        return [PUBLIC] if host == "public.example" else real_resolve(host, port)

    def open_socket(address, port, timeout):
        if address == PUBLIC:
            return real_open("127.0.0.1", server.server_address[1], timeout)
        return real_open(address, port, timeout)

    real_resolve = fetch.resolve
    monkeypatch.setattr(fetch, "resolve", resolve)
    monkeypatch.setattr(fetch, "open_socket", open_socket)
    return f"http://public.example:{server.server_address[1]}"


def capture(url: str, **fields) -> Snapshot:
    source = make_source(url=url, **fields)
    return source_capture(source=source, trigger=Trigger.COMMAND).snapshot


def stored(snapshot: Snapshot) -> bytes:
    with snapshot_storage().open(snapshot.warc_file) as warc:
        return warc.read()


def test_a_capture_stores_the_bytes_in_a_warc_file_with_their_sha256(server, private_allowed):
    snapshot = capture(f"{server.url}/page")

    assert snapshot.outcome == Outcome.CAPTURED
    assert (snapshot.http_status, snapshot.size) == (200, len(PAGE))
    assert snapshot.content_type == "text/html; charset=utf-8"
    assert snapshot.sha256 == hashlib.sha256(PAGE).hexdigest()
    data = stored(snapshot)
    assert snapshot.warc_sha256 == hashlib.sha256(data).hexdigest()
    payload = final_payload(data)
    assert payload is not None
    assert (payload.url, payload.status, payload.body) == (f"{server.url}/page", 200, PAGE)
    assert snapshot.software.startswith("incident-archive-snapshots/1 warcio/")
    assert snapshot.error == ""


def test_the_warc_file_names_the_software_and_the_address_each_answer_came_from(
    server, private_allowed
):
    snapshot = capture(f"{server.url}/page")
    with snapshot_storage().open(snapshot.warc_file) as warc:
        kinds, info = [], ""
        for record in ArchiveIterator(warc):
            kinds.append((record.rec_type, record.rec_headers.get_header("WARC-IP-Address")))
            if record.rec_type == "warcinfo":
                info = record.content_stream().read().decode()
    assert kinds == [("warcinfo", None), ("response", "127.0.0.1"), ("request", "127.0.0.1")]
    assert f"software: {snapshot.software}" in info


def test_a_redirect_chain_is_followed_and_recorded(server, private_allowed):
    snapshot = capture(f"{server.url}/moved")

    assert snapshot.outcome == Outcome.CAPTURED
    assert snapshot.final_url == f"{server.url}/page"
    assert snapshot.redirects == [
        {"url": f"{server.url}/moved", "status": 301},
        {"url": f"{server.url}/moved-again", "status": 302},
    ]
    assert snapshot.sha256 == hashlib.sha256(PAGE).hexdigest()
    assert server.requests == ["/moved", "/moved-again", "/page"]


def test_a_404_is_recorded_as_a_failure_with_the_answer_kept(server, private_allowed):
    snapshot = capture(f"{server.url}/missing")

    assert (snapshot.outcome, snapshot.http_status) == (Outcome.FAILED, 404)
    assert snapshot.error == "HTTP 404 Not Found"
    assert final_payload(stored(snapshot)).body == b"<p>Not here.</p>"


def test_a_timeout_is_recorded_as_a_failure(server, private_allowed, settings):
    settings.SNAPSHOT_TIMEOUT = 0.3
    snapshot = capture(f"{server.url}/slow")

    assert snapshot.outcome == Outcome.FAILED
    assert snapshot.error == "No complete answer within 0.3 seconds."
    assert (snapshot.http_status, snapshot.warc_file, snapshot.sha256) == (None, "", "")


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("/big", "The answer is 5000 bytes, over the limit of 1000."),
        ("/big-undeclared", "The answer is over the limit of 1000 bytes."),
    ],
)
def test_an_oversize_body_is_recorded_as_a_failure_and_not_stored(
    server, private_allowed, settings, path, error
):
    settings.SNAPSHOT_MAX_BYTES = 1000
    assert len(BIG) > 1000
    snapshot = capture(f"{server.url}{path}")

    assert (snapshot.outcome, snapshot.error, snapshot.warc_file) == (Outcome.FAILED, error, "")


def test_a_file_that_is_not_html_is_stored_as_it_came(server, private_allowed):
    snapshot = capture(f"{server.url}/report.pdf")

    assert (snapshot.outcome, snapshot.content_type) == (Outcome.CAPTURED, "application/pdf")
    assert snapshot.sha256 == hashlib.sha256(PDF).hexdigest()
    assert final_payload(stored(snapshot)).body == PDF


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:9/page", "127.0.0.1 is a loopback address."),
        ("http://localhost:9/page", "localhost resolves to {}, a loopback address."),
        ("http://10.20.30.40/", "10.20.30.40 is a private address."),
        ("http://169.254.169.254/latest/", "169.254.169.254 is a cloud metadata address."),
        ("http://[::1]/", "::1 is a loopback address."),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1 is a private address."),
        ("http://[fe80::1]/", "fe80::1 is a link-local address."),
        ("http://224.0.0.1/", "224.0.0.1 is a multicast address."),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address."),
        ("http://240.0.0.1/", "240.0.0.1 is a reserved address."),
    ],
)
def test_an_address_inside_the_network_is_refused_with_the_reason(url, error):
    snapshot = capture(url)

    assert snapshot.outcome == Outcome.REFUSED
    if "{}" in error:  # localhost resolves to 127.0.0.1 or ::1, whichever comes first
        assert snapshot.error in {error.format("127.0.0.1"), error.format("::1")}
    else:
        assert snapshot.error == error
    assert (snapshot.http_status, snapshot.warc_file) == (None, "")


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address."),
        ("http://10.0.0.7/admin", "10.0.0.7 is a private address."),
        ("http://169.254.169.254/latest/", "169.254.169.254 is a cloud metadata address."),
        ("http://[::1]:8000/", "::1 is a loopback address."),
        ("file:///etc/passwd", "Only http and https addresses are fetched, not file."),
    ],
)
def test_a_redirect_into_the_network_is_refused_after_the_redirect(
    server, public_host, target, error
):
    snapshot = capture(f"{public_host}/to?u={target}")

    assert snapshot.outcome == Outcome.REFUSED
    assert snapshot.error == f"Redirected to {target}: {error}"
    assert snapshot.redirects == [{"url": f"{public_host}/to?u={target}", "status": 302}]
    assert server.requests == ["/to"]


def test_a_public_address_is_fetched_with_the_setting_off(server, public_host):
    snapshot = capture(f"{public_host}/page")

    assert snapshot.outcome == Outcome.CAPTURED
    assert snapshot.sha256 == hashlib.sha256(PAGE).hexdigest()


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    monkeypatch.setattr(fetch, "resolve", lambda host, port: [PUBLIC, "192.168.1.1"])
    snapshot = capture("https://mixed.example/")

    assert snapshot.outcome == Outcome.REFUSED
    assert snapshot.error == "mixed.example resolves to 192.168.1.1, a private address."


def test_the_connection_goes_to_the_address_that_was_checked(server, public_host, monkeypatch):
    """A second lookup could answer with a private address (DNS rebinding): there is none."""
    checks, lookups = [], []
    checked, looked_up = fetch.resolve, fetch.socket.getaddrinfo

    def checking(host, port):
        checks.append(host)
        return checked(host, port)

    def looking_up(host, *args, **kwargs):
        lookups.append(host)
        return looked_up(host, *args, **kwargs)

    monkeypatch.setattr(fetch, "resolve", checking)
    monkeypatch.setattr(fetch.socket, "getaddrinfo", looking_up)
    snapshot = capture(f"{public_host}/page")

    assert snapshot.outcome == Outcome.CAPTURED
    assert checks == ["public.example"]
    assert "public.example" not in lookups  # the socket opened to the checked address


def test_other_schemes_are_refused_even_when_private_addresses_are_allowed(private_allowed):
    fetched = fetch.fetch("ftp://example.org/file")

    assert fetched.outcome == Outcome.REFUSED
    assert fetched.error == "Only http and https addresses are fetched, not ftp."
    assert fetched.hops == []


def test_requests_to_one_host_wait_for_the_interval(server, private_allowed, settings, monkeypatch):
    settings.SNAPSHOT_HOST_INTERVAL = 30
    waits = []
    monkeypatch.setattr(fetch, "pause", waits.append)
    source = make_source(url=f"{server.url}/page")

    source_capture(source=source, trigger=Trigger.COMMAND)
    source_capture(source=source, trigger=Trigger.COMMAND)

    assert len(waits) == 1
    assert 29 < waits[0] <= 30


def test_a_new_capture_is_a_new_row_and_the_old_one_stays(server, private_allowed):
    source = make_source(url=f"{server.url}/page")
    first = source_capture(source=source, trigger=Trigger.COMMAND).snapshot
    second = source_capture(source=source, trigger=Trigger.COMMAND).snapshot

    assert first.pk != second.pk
    assert first.warc_file != second.warc_file
    assert list(source.snapshots.order_by("pk")) == [first, second]
    assert stored(first) and stored(second)


def test_a_snapshot_cannot_be_changed(server, private_allowed):
    snapshot = capture(f"{server.url}/page")
    snapshot.sha256 = "0" * 64

    with pytest.raises(ValueError, match="A snapshot is never changed"):
        snapshot.save()
