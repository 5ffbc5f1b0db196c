"""With DATABASE_REPLICA_URL set, public pages read from the replica, all else from the primary."""

from __future__ import annotations

import copy
import logging
import runpy
import socket
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import OperationalError, ProgrammingError, connections
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from archive import routers
from archive.caching import GENERATION_KEY, current_generation
from archive.models import Incident
from archive.routers import PRIMARY, REPLICA, PrimaryReplicaRouter, PublicReadsMiddleware
from tests.factories import make_published, make_publisher

router = PrimaryReplicaRouter()
SETTINGS = Path(django_settings.BASE_DIR) / "archive" / "settings.py"


def answer(method: str, path: str, view) -> HttpResponse:
    """Pass a request through the middleware to ``view``, as the handler would."""
    request = RequestFactory().generic(method, path)
    request.resolver_match = resolve(path)
    middleware = PublicReadsMiddleware(
        lambda request: middleware.process_view(request, view, (), {}) or view(request)
    )
    return middleware(request)


def routes(method: str, path: str) -> tuple[str, str]:
    """Where the view answering this request would read and write."""
    seen = []

    def view(request):
        seen.append((router.db_for_read(Incident), router.db_for_write(Incident)))
        return HttpResponse()

    answer(method, path, view)
    return seen[0]


@pytest.fixture
def replica_current(monkeypatch):
    """The replica has caught up (tested below against a real connection)."""
    monkeypatch.setattr(routers, "_replica_is_current", lambda: True)


def test_a_public_get_reads_from_the_replica_and_writes_to_the_primary(replica_current):
    assert routes("GET", "/incidents/katyn-massacre/") == (REPLICA, PRIMARY)
    assert routes("HEAD", "/") == (REPLICA, PRIMARY)
    assert routes("GET", "/data/incidents.csv") == (REPLICA, PRIMARY)


def test_the_admin_reads_from_the_primary(replica_current):
    assert routes("GET", "/admin/") == (PRIMARY, PRIMARY)
    assert routes("GET", "/admin/archive/incidentversion/1/preview/") == (PRIMARY, PRIMARY)


def test_a_post_reads_from_the_primary(replica_current):
    assert routes("POST", "/incidents/") == (PRIMARY, PRIMARY)
    assert routes("POST", "/admin/login/") == (PRIMARY, PRIMARY)


def test_outside_a_request_everything_uses_the_primary(replica_current):
    """Management commands, scripts, the shell and background jobs."""
    assert router.db_for_read(Incident) == PRIMARY
    assert router.db_for_write(Incident) == PRIMARY


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_there(replica_current):
    """They must see the transaction's own writes (a pytest-django test is one transaction)."""
    assert connections[PRIMARY].in_atomic_block
    assert routes("GET", "/incidents/") == (PRIMARY, PRIMARY)


def test_a_replica_behind_the_latest_publication_is_not_read(monkeypatch):
    checks = []
    monkeypatch.setattr(routers, "_replica_is_current", lambda: checks.append(1) or False)
    seen = []

    def view(request):
        seen.extend(router.db_for_read(Incident) for _ in range(3))
        return HttpResponse()

    answer("GET", "/incidents/", view)
    assert seen == [PRIMARY, PRIMARY, PRIMARY]
    assert checks == [1]  # asked once per request


def test_a_streamed_download_reads_from_the_replica_while_it_is_sent(replica_current):
    seen = []

    def rows():
        for _ in range(2):
            seen.append(router.db_for_read(Incident))
            yield b"row\n"

    response = answer("GET", "/data/incidents.csv", lambda request: StreamingHttpResponse(rows()))
    assert seen == []  # nothing read until the server sends it
    assert b"".join(response.streaming_content) == b"row\nrow\n"
    assert seen == [REPLICA, REPLICA]
    assert router.db_for_read(Incident) == PRIMARY  # and only while it is sent


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate(PRIMARY, "archive")
    assert not router.allow_migrate(REPLICA, "archive")


def test_settings_add_the_replica_only_when_its_url_is_set(monkeypatch):
    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    plain = runpy.run_path(str(SETTINGS))
    assert set(plain["DATABASES"]) == {"default"}
    assert "DATABASE_ROUTERS" not in plain
    assert "archive.routers.PublicReadsMiddleware" not in plain["MIDDLEWARE"]

    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.internal:5432/archive")
    with_replica = runpy.run_path(str(SETTINGS))
    replica = with_replica["DATABASES"]["replica"]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == (
        "replica.internal",
        "reader",
        "archive",
    )
    assert replica["CONN_MAX_AGE"] == 600
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["TEST"] == {"MIRROR": "default"}
    assert with_replica["DATABASE_ROUTERS"] == ["archive.routers.PrimaryReplicaRouter"]
    assert "archive.routers.PublicReadsMiddleware" in with_replica["MIDDLEWARE"]


# Run with DATABASE_REPLICA_URL set, the test database is set up with the replica as its
# mirror; otherwise the fixture below adds one.
CONFIGURED = REPLICA in django_settings.DATABASES
end_to_end = pytest.mark.django_db(
    transaction=True,
    serialized_rollback=True,
    databases=[PRIMARY, REPLICA] if CONFIGURED else [PRIMARY],
)


@pytest.fixture
def replica(transactional_db, settings):
    """The router and middleware DATABASE_REPLICA_URL brings, and a "replica" connection as a
    TEST MIRROR has: a second connection to the test database, so its reads see only
    committed rows (hence the transactional tests). When the settings have no replica, it is
    added to the connections only, as the test databases were set up without it."""
    settings.DATABASE_ROUTERS = ["archive.routers.PrimaryReplicaRouter"]
    if "archive.routers.PublicReadsMiddleware" not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, "archive.routers.PublicReadsMiddleware"]
    if CONFIGURED:
        yield connections[REPLICA]
        return
    mirror = copy.deepcopy(connections[PRIMARY].settings_dict)
    mirror["TEST"]["MIRROR"] = PRIMARY
    connections[REPLICA] = type(connections[PRIMARY])(mirror, REPLICA)
    yield connections[REPLICA]
    connections[REPLICA].close()
    del connections[REPLICA]


def read_tables(context: CaptureQueriesContext) -> str:
    return " ".join(query["sql"] for query in context.captured_queries)


@end_to_end
def test_a_public_page_is_read_through_the_replica(replica, client):
    version = make_published("katyn-massacre", title="Katyn massacre")
    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
    ):
        response = client.get("/incidents/katyn-massacre/")
    assert response.status_code == 200
    assert b"Katyn massacre" in response.content
    assert "archive_incidentversion" in read_tables(on_replica)
    assert "archive_incidentversion" not in read_tables(on_primary)

    client.force_login(version.created_by)
    with CaptureQueriesContext(replica) as on_replica:
        response = client.get(f"/admin/archive/incidentversion/{version.pk}/preview/")
    assert response.status_code == 200
    assert on_replica.captured_queries == []


@end_to_end
def test_a_replica_that_has_not_caught_up_is_passed_over(replica, client, caplog):
    make_published("katyn-massacre", title="Katyn massacre", publisher=make_publisher())
    generation, changed_at = current_generation()
    # As if a publication had committed on the primary and not yet reached the replica.
    caches["shared"].set(GENERATION_KEY, (generation + 1, changed_at), None)
    with (
        CaptureQueriesContext(replica) as on_replica,
        caplog.at_level(logging.INFO, logger="archive.routers"),
    ):
        response = client.get("/incidents/katyn-massacre/")
    assert response.status_code == 200
    assert "archive_publication" in read_tables(on_replica)  # the one check
    assert "archive_incidentversion" not in read_tables(on_replica)
    assert [r.getMessage() for r in caplog.records if r.name == "archive.routers"] == [
        f"The replica is behind (publication generation {generation}, announced "
        f"{generation + 1}): this request reads from the primary"
    ]


@pytest.fixture
def unreachable_replica(transactional_db, settings, monkeypatch, tmp_path):
    """A "replica" connection to a database that cannot be reached: a SQLite file in a
    directory that does not exist, or a PostgreSQL port nothing listens on."""
    settings.DATABASE_ROUTERS = ["archive.routers.PrimaryReplicaRouter"]
    if "archive.routers.PublicReadsMiddleware" not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, "archive.routers.PublicReadsMiddleware"]
    broken = copy.deepcopy(connections[PRIMARY].settings_dict)
    broken["TEST"]["MIRROR"] = None
    if connections[PRIMARY].vendor == "sqlite":
        broken["NAME"] = str(tmp_path / "missing" / "replica.sqlite3")
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        broken.update(HOST="127.0.0.1", PORT=str(port))
    saved = connections[REPLICA] if CONFIGURED else None
    connections[REPLICA] = type(connections[PRIMARY])(broken, REPLICA)
    monkeypatch.setattr(routers, "_unavailable_until", [0.0])
    yield
    connections[REPLICA].close()
    if saved is not None:
        connections[REPLICA] = saved
    else:
        del connections[REPLICA]


@end_to_end
def test_a_replica_that_cannot_be_reached_sends_public_reads_to_the_primary(
    unreachable_replica, client, caplog, monkeypatch
):
    make_published("katyn-massacre", title="Katyn massacre")

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "archive.routers"]

    with (
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        caplog.at_level(logging.WARNING, logger="archive.routers"),
    ):
        response = client.get("/incidents/katyn-massacre/")
    assert response.status_code == 200
    assert b"Katyn massacre" in response.content
    assert "archive_incidentversion" in read_tables(on_primary)
    [warning] = warnings()
    assert warning.startswith("The replica cannot be reached (")
    assert warning.endswith(
        f"): public reads go to the primary, trying it again in {routers.RETRY_SECONDS} s"
    )

    # Not tried again for RETRY_SECONDS: no second attempt, no second warning.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="archive.routers"):
        assert client.get("/incidents/").status_code == 200
    assert warnings() == []

    # Then tried again.
    monkeypatch.setattr(routers, "_unavailable_until", [0.0])
    with caplog.at_level(logging.WARNING, logger="archive.routers"):
        assert client.get("/api/incidents/katyn-massacre/").status_code == 200
    assert len(warnings()) == 1


@end_to_end
def test_a_public_read_that_fails_on_the_replica_is_answered_from_the_primary(
    replica, client, caplog
):
    """The standby stopped under a request that had already checked it."""
    make_published("katyn-massacre", title="Katyn massacre")
    failed = []

    def standby_stopping(execute, sql, params, many, context):
        if "archive_incidentversion" in sql and not failed:
            failed.append(sql)
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)

    with (
        replica.execute_wrapper(standby_stopping),
        CaptureQueriesContext(connections[PRIMARY]) as on_primary,
        caplog.at_level(logging.WARNING, logger="archive.routers"),
    ):
        response = client.get("/incidents/katyn-massacre/")
    assert response.status_code == 200
    assert b"Katyn massacre" in response.content
    assert len(failed) == 1
    assert "archive_incidentversion" in read_tables(on_primary)
    assert [r.getMessage() for r in caplog.records if r.name == "archive.routers"] == [
        "A public read failed on the replica (terminating connection due to administrator "
        "command): answered again from the primary"
    ]


@end_to_end
def test_an_error_that_is_not_the_replica_connection_is_not_retried(replica, client):
    make_published("katyn-massacre", title="Katyn massacre")
    attempts = []

    def broken_query(execute, sql, params, many, context):
        if "archive_incidentversion" in sql:
            attempts.append(sql)
            raise ProgrammingError("column does not exist")
        return execute(sql, params, many, context)

    client.raise_request_exception = False
    with replica.execute_wrapper(broken_query):
        response = client.get("/incidents/katyn-massacre/")
    assert response.status_code == 500
    assert len(attempts) == 1
