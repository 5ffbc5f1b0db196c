from __future__ import annotations

import pytest
from django_tasks_db.management.commands import db_worker

from tests.factories import make_contributor, make_publisher, make_reviewer


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
    connection: on PostgreSQL that ends the test's transaction under it (SQLite's in-memory
    test database ignores the close). In the tests the worker keeps the connection it is given."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
