"""With CACHE_URL=redis://..., a Redis that cannot be reached is a cache miss, not an error."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import caches

from archive.caching import GENERATION_KEY
from archive.redis_cache import DegradingRedisCache
from tests.factories import make_published

LOGGER = "archive.redis_cache"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_settings(port: int) -> dict:
    shared = {
        "BACKEND": "archive.redis_cache.DegradingRedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
    return {"default": shared, "shared": shared}


@pytest.fixture
def nothing_listening() -> int:
    """A port with no Redis: connecting is refused at once."""
    return free_port()


def messages(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    return [
        (record.levelno, record.getMessage()) for record in caplog.records if record.name == LOGGER
    ]


def test_settings_use_the_degrading_backend_for_redis(monkeypatch):
    import runpy

    from django.conf import settings

    monkeypatch.setenv("CACHE_URL", "redis://cache.internal:6379/0")
    configured = runpy.run_path(str(Path(settings.BASE_DIR) / "archive" / "settings.py"))
    for alias in ("default", "shared"):
        assert configured["CACHES"][alias]["BACKEND"] == "archive.redis_cache.DegradingRedisCache"
        assert configured["CACHES"][alias]["LOCATION"] == "redis://cache.internal:6379/0"
        assert configured["CACHES"][alias]["FORGET_AFTER_OUTAGE"] == [GENERATION_KEY]


def test_every_operation_answers_as_a_miss_and_the_outage_is_logged_once(nothing_listening, caplog):
    cache = DegradingRedisCache(f"redis://127.0.0.1:{nothing_listening}/0", {})
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert cache.get("page", "fallback") == "fallback"
        assert cache.add("page", "body") is False
        assert cache.set("page", "body") is None
        assert cache.get_or_set("page", "computed") == "computed"
        assert cache.delete("page") is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
        assert cache.delete_many(["a", "b"]) is None
        assert cache.has_key("page") is False
        assert cache.touch("page") is False
        assert cache.clear() is None
    assert len(messages(caplog)) == 1
    level, message = messages(caplog)[0]
    assert level == logging.WARNING
    assert message.startswith("The cache is unavailable (get failed: ")
    assert message.endswith("): answering from the database until it returns")


@pytest.mark.django_db
def test_the_public_site_answers_from_the_database_while_redis_is_down(
    nothing_listening, settings, client, caplog
):
    make_published("katyn", title="Katyn massacre")
    settings.CACHES = redis_settings(nothing_listening)
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        for url in ("/", "/incidents/", "/incidents/katyn/", "/api/incidents/katyn/"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert b"Katyn massacre" in response.content, url
    assert [level for level, _ in messages(caplog)] == [logging.WARNING]


@pytest.fixture
def redis_server(tmp_path) -> Iterator[tuple[int, subprocess.Popen]]:
    """A throw-away redis-server (Debian's; CI installs it), without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    server = start_redis(binary, port, tmp_path)
    yield port, server
    server.terminate()
    server.wait(timeout=10)


def start_redis(binary: str, port: int, directory: Path) -> subprocess.Popen:
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    raise RuntimeError("redis-server did not start")


def test_the_cache_is_used_again_when_redis_returns(redis_server, tmp_path, caplog):
    port, server = redis_server
    cache = DegradingRedisCache(f"redis://127.0.0.1:{port}/0", {"RETRY_AFTER": 0})
    cache.set("page", "body")
    assert cache.get("page") == "body"

    server.terminate()
    server.wait(timeout=10)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert cache.get("page") is None
        cache.set("page", "other")
        assert cache.get("page") is None

        restarted = start_redis(shutil.which("redis-server") or "", port, tmp_path)
        try:
            cache.set("page", "again")
            assert cache.get("page") == "again"
        finally:
            restarted.terminate()
            restarted.wait(timeout=10)
    assert messages(caplog)[1:] == [
        (logging.INFO, "The cache is available again (3 operations failed meanwhile)")
    ]
    assert messages(caplog)[0][0] == logging.WARNING


def test_django_redis_cache_itself_raises(nothing_listening):
    """Why the subclass exists: the plain backend lets the connection error through."""
    from django.core.cache.backends.redis import RedisCache
    from redis.exceptions import ConnectionError as RedisConnectionError

    with pytest.raises(RedisConnectionError):
        RedisCache(f"redis://127.0.0.1:{nothing_listening}/0", {}).get("page")
    assert caches  # the project's caches are untouched by these instances


def test_after_a_failure_redis_is_left_alone_for_retry_after(redis_server, tmp_path):
    port, server = redis_server
    cache = DegradingRedisCache(f"redis://127.0.0.1:{port}/0", {"RETRY_AFTER": 3600})
    cache.set("page", "body")
    server.terminate()
    server.wait(timeout=10)
    assert cache.get("page") is None  # fails: not tried again for an hour
    restarted = start_redis(shutil.which("redis-server") or "", port, tmp_path)
    try:
        cache.set("page", "again")
        assert cache.get("page") is None  # Redis answers, but is not asked
        assert DegradingRedisCache(f"redis://127.0.0.1:{port}/0", {}).get("page") is None
    finally:
        restarted.terminate()
        restarted.wait(timeout=10)


def test_a_redis_cut_off_then_back_forgets_what_it_may_have_missed(redis_server, caplog):
    """A Redis that hangs (here: stopped with SIGSTOP) keeps its contents: a publication
    announced meanwhile never reached it, so the generation it holds is forgotten."""
    port, server = redis_server
    cache = DegradingRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {
            "OPTIONS": {"socket_timeout": 0.3, "socket_connect_timeout": 0.3},
            "RETRY_AFTER": 0,
            "FORGET_AFTER_OUTAGE": ["generation"],
        },
    )
    cache.set("generation", 7)
    cache.set("page", "body")
    server.send_signal(signal.SIGSTOP)
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            cache.set("generation", 8)  # the announcement that does not arrive
            assert cache.get("generation") is None
    finally:
        server.send_signal(signal.SIGCONT)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        # Forgotten before the first answer: read again from the database.
        assert cache.get("generation") is None
        assert cache.get("page") == "body"  # kept
    assert messages(caplog)[-1] == (
        logging.INFO,
        "The cache is available again (2 operations failed meanwhile)",
    )
