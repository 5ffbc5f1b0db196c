from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django_tasks_db.management.commands import db_worker

from tests.factories import make_contributor, make_publisher, make_reviewer


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file, not Django's shared in-memory database.

    For an in-memory database the live server (browser tests) serves every request on the
    test's own connection, from another thread. Python's sqlite3 reads a row's columns while
    holding the interpreter lock, and SQLite runs our Python functions (search folding, date
    helpers) while holding the connection's lock: when the test reads a row while the server
    runs such a query, each thread waits for the other's lock, for ever, where no timeout can
    interrupt it. It happened in CI under load. With a file each thread has its own connection.
    """
    from django.conf import settings

    # In memory all the same where the machine has a memory file system with room: a file on
    # disk costs an fsync per commit (measured: the archive tests 1.6 times slower).
    shm = Path("/dev/shm")  # noqa: S108 (mkdtemp below makes a private folder in it)
    roomy = shm.is_dir() and shutil.disk_usage(shm).free > 2**30
    folder = Path(tempfile.mkdtemp(dir=shm)) if roomy else tmp_path_factory.mktemp("db")
    for alias, config in settings.DATABASES.items():
        test = config.setdefault("TEST", {})
        if config["ENGINE"] == "django.db.backends.sqlite3" and not test.get("MIRROR"):
            test["NAME"] = str(folder / f"{alias}.sqlite3")
    yield
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, autovacuum is kept off the test database's tables. A test writes inside
    a transaction that is rolled back: autovacuum, seeing none of those rows, may record a
    table of hundreds of pages as holding none, and the planner then walks it in nested loops.
    A demo test that takes 45 s ran for over ten minutes so in a full run."""
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT format('ALTER TABLE %I.%I SET (autovacuum_enabled = off)', "
                    "schemaname, tablename) FROM pg_tables WHERE schemaname = current_schema()"
                )
                for (statement,) in cursor.fetchall():
                    cursor.execute(statement)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """The interface's catalogues compiled as `make install` compiles them, for a run of
    pytest in a fresh checkout (the .mo files are built, never committed)."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "msgfmt not found: install gettext (apt-get install gettext)"
    for po in sorted(p for root in settings.LOCALE_PATHS for p in Path(root).glob("*/*/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run([msgfmt, "--check-format", "-o", str(mo), str(po)], check=True)


@pytest.fixture
def contributor(db):
    return make_contributor("contributor")


@pytest.fixture
def reviewer(db):
    return make_reviewer("reviewer")


@pytest.fixture
def publisher(db):
    return make_publisher("publisher")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests make many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test starts with an empty cache of its own."""
    from django.core.cache import cache, caches

    settings.CACHES = {
        "default": {"BACKEND": "archive.cache_backends.BoundedLocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shared",
        },
    }
    cache.clear()
    caches["shared"].clear()
    yield
    cache.clear()
    caches["shared"].clear()


@pytest.fixture(autouse=True)
def import_previews(settings, tmp_path):
    """Each test keeps the files of its admin import previews in a folder of its own."""
    settings.IMPORT_PREVIEW_DIR = tmp_path / "import-previews"
    return settings.IMPORT_PREVIEW_DIR


@pytest.fixture(autouse=True)
def release_storage(settings, tmp_path):
    """Each test keeps the data releases it makes in a folder of its own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "releases": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "releases")},
        },
    }
    return tmp_path / "releases"


@pytest.fixture(autouse=True)
def snapshot_storage(settings, tmp_path):
    """Each test keeps the web captures it makes in a folder of its own, and waits for no host."""
    settings.STORAGES = {
        **settings.STORAGES,
        "snapshots": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "snapshots")},
        },
    }
    settings.SNAPSHOT_HOST_INTERVAL = 0
    return tmp_path / "snapshots"


@pytest.fixture(autouse=True)
def worker_keeps_the_test_connection(monkeypatch):
    """The task worker (``manage.py db_worker``) closes stale connections before each task. A
    test runs inside a transaction, where Django sees autocommit off and closes the
    connection, which ends the test's transaction under it. In the tests the worker keeps the
    connection it is given."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
