"""Settings for Incident Archive, read from environment variables only.

Development defaults are safe on a laptop (SQLite, DEBUG on, a throw-away key). With DEBUG off
the site refuses to start without a real secret key.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off the site refuses to start "
            "without a secret key: set DJANGO_SECRET_KEY to a long random string, e.g. the "
            "output of `python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "archive",
    "editorial",
    "import_export",
    "django_filters",
    "editorial.admin_config.ArchiveAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",  # search vectors; harmless on SQLite
    "axes",
    "django_tasks_db",
]

# Background work (web captures of sources) goes through Django's tasks framework into a queue
# kept in the database (django-tasks-db), run by `python manage.py db_worker` beside the web
# server: `make run` starts both; in production the worker is its own process
# (docs/deployment.md, "The worker"). The tests use the same backend and run the worker
# explicitly (call_command("db_worker", "--batch")), so a test sees exactly what production
# queues, and nothing is fetched unless a test asks for it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language of a public page is the one its address names (/de/…), English at the bare
    # address; before CommonMiddleware, whose slash redirect resolves in that language.
    "archive.locale.PathLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before anything reads a body: the CSRF check would read (and spool) all of it first.
    "archive.request_limits.RequestBodyLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login protection (django-axes): after 5 failures for one username from one address, that
# pair is locked out for an hour. The address is the connection's own: a forged
# X-Forwarded-For header changes nothing. Behind a trusted proxy, set
# DJANGO_TRUSTED_PROXY_HEADER (e.g. HTTP_X_REAL_IP) to the header it sets.
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = True  # the log names username and address of each failure
AXES_SENSITIVE_PARAMETERS: list[str] = []  # passwords are never logged; these are needed
AXES_IPWARE_META_PRECEDENCE_ORDER = [
    *(
        [os.environ["DJANGO_TRUSTED_PROXY_HEADER"]]
        if os.environ.get("DJANGO_TRUSTED_PROXY_HEADER")
        else []
    ),
    "REMOTE_ADDR",
]
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

ROOT_URLCONF = "archive.urls"
WSGI_APPLICATION = "archive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# SQLite by default so a new user needs nothing; PostgreSQL when DATABASE_URL says so.
# Persistent connections with health checks: closing them after every request was reported
# (foundation issue) to make an incident detail page about four times slower on PostgreSQL.
def database(url: str) -> dj_database_url.DBConfig:
    config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A connection kept open (CONN_MAX_AGE above) keeps its schema and page cache
        # (measured: an incident page read from the database serves twice as many
        # requests/s); WAL lets readers run beside a writer.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            **config.get("OPTIONS", {}),  # what the URL's query string sets wins
        }
    return config


DATABASES = {
    "default": database(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}

# The public list's index carries extra columns on PostgreSQL (INCLUDE); SQLite builds it
# without them, which is what we want there, not a problem to warn about.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Optionally a read replica (e.g. a PostgreSQL streaming standby) for the public site's reads:
# archive.routers sends a public GET's reads there and everything else to the primary. Tests
# use the primary's test database for it.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")

# The licence of the published data (pages, API, open data, releases), stated on /about/
# and in the API description. Share-alike by default: the demonstration content quotes
# Wikipedia, which is CC BY-SA 4.0.
DATA_LICENCE_NAME = os.environ.get("DATA_LICENCE_NAME", "CC BY-SA 4.0")
DATA_LICENCE_URL = os.environ.get(
    "DATA_LICENCE_URL", "https://creativecommons.org/licenses/by-sa/4.0/"
)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {**database(DATABASE_REPLICA_URL), "TEST": {"MIRROR": "default"}}
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        # A standby that does not answer sends public reads to the primary (archive.routers)
        # after this many seconds, not after the operating system's minutes.
        DATABASES["replica"]["OPTIONS"] = {
            "connect_timeout": 2,
            **DATABASES["replica"].get("OPTIONS", {}),
        }
    DATABASE_ROUTERS = ["archive.routers.PrimaryReplicaRouter"]
    MIDDLEWARE.append("archive.routers.PublicReadsMiddleware")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface's languages, each named in itself for the language switcher. English is the
# original and lives at the bare addresses; the others under their prefix (/de/, /pl/…):
# docs/development.md, "Languages". Their catalogues are in locale/, compiled by make install.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("pl", "Polski"),
    ("ru", "Русский"),
    ("uk", "Українська"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# English dates and numbers as the site always wrote them (British: "7 Apr 1940").
FORMAT_MODULE_PATH = ["archive.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Data releases (archive.releases): each release's zip is kept in the "releases" storage, a
# folder on this machine (DJANGO_RELEASES_DIR) unless STORAGES is pointed elsewhere (an
# S3-compatible bucket through django-storages: docs/deployment.md, "Data releases").
RELEASES_DIR = Path(os.environ.get("DJANGO_RELEASES_DIR") or BASE_DIR / "releases")
STORAGES["releases"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(RELEASES_DIR)},
}
# Snapshots (editorial.snapshots): each capture of a source's web page is a WARC file in the
# "snapshots" storage, a folder on this machine (DJANGO_SNAPSHOTS_DIR) unless STORAGES points it
# elsewhere (an S3-compatible bucket through django-storages: docs/deployment.md, "Snapshots").
SNAPSHOTS_DIR = Path(os.environ.get("DJANGO_SNAPSHOTS_DIR") or BASE_DIR / "snapshots")
STORAGES["snapshots"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(SNAPSHOTS_DIR)},
}
# A capture is a request the server makes on an editor's behalf: it never reaches a loopback,
# private, link-local, reserved, multicast or cloud-metadata address (checked after DNS
# resolution and on every redirect). SNAPSHOT_ALLOW_PRIVATE=1 lifts that for the tests and a
# mirror on a private network only: it is unsafe in production (docs/security.md).
SNAPSHOT_ALLOW_PRIVATE = env_bool("SNAPSHOT_ALLOW_PRIVATE", False)
SNAPSHOT_TIMEOUT = float(os.environ.get("SNAPSHOT_TIMEOUT", "30"))  # seconds for one fetch
SNAPSHOT_MAX_BYTES = int(os.environ.get("SNAPSHOT_MAX_BYTES", str(50 * 1024 * 1024)))
SNAPSHOT_MAX_REDIRECTS = 5
# At least this many seconds between two requests to one host, across all workers.
SNAPSHOT_HOST_INTERVAL = float(os.environ.get("SNAPSHOT_HOST_INTERVAL", "2"))
# A capture that failed (no answer, or a 5xx/429 answer) is tried again this many times in
# all, after SNAPSHOT_RETRY_DELAY seconds, then twice, four times... as long.
SNAPSHOT_MAX_ATTEMPTS = int(os.environ.get("SNAPSHOT_MAX_ATTEMPTS", "4"))
SNAPSHOT_RETRY_DELAY = int(os.environ.get("SNAPSHOT_RETRY_DELAY", "60"))
# Third-party archiving is off unless the operator turns it on: sending a URL to the Internet
# Archive's Save Page Now 2 API reveals what investigators are looking at. With WAYBACK_SPN2=1
# and the operator's own S3-style keys (https://archive.org/account/s3.php), each capture of a
# source not marked "never send to third parties" also queues one submission.
WAYBACK_SPN2 = env_bool("WAYBACK_SPN2", False)
WAYBACK_ACCESS_KEY = os.environ.get("WAYBACK_ACCESS_KEY", "")
WAYBACK_SECRET_KEY = os.environ.get("WAYBACK_SECRET_KEY", "")
WAYBACK_ENDPOINT = os.environ.get("WAYBACK_ENDPOINT", "https://web.archive.org/save")
# The address of the public site as a release names it: the frozen files link each incident
# at this address, whatever host the command runs on.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("DJANGO_SITE_NAME", "Incident Archive")
# Depositing a release with Zenodo to mint a DOI is not done by the archive: off, and only
# documented (docs/releases.md). A DOI minted elsewhere is recorded with `record_doi`.
RELEASES_ZENODO = env_bool("DJANGO_RELEASES_ZENODO", False)

LOGIN_URL = "admin:login"

# Published pages are cached (archive.caching): in each worker's memory by default, or in
# Redis or Memcached shared by several machines through CACHE_URL (the redis package is
# installed; install pymemcache for Memcached). docs/deployment.md shows the topology.
CACHE_URL = os.environ.get("CACHE_URL", "")
# "shared" holds only the publication generation, which every worker must see at once.
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith("redis"):
    # Answers a miss while Redis cannot be reached (archive/redis_cache.py): the site keeps
    # answering from the database. Short timeouts: a Redis that does not answer must not hold
    # a request longer than rendering the page from the database would.
    _shared = {
        "BACKEND": "archive.redis_cache.DegradingRedisCache",
        "LOCATION": CACHE_URL,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        # A Redis back from an outage may hold a generation older than the database's.
        "FORGET_AFTER_OUTAGE": ["archive:publication-generation"],
    }
    CACHES = {"default": _shared, "shared": _shared}
elif CACHE_URL.startswith(("memcached", "pymemcache")):
    _shared = {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": CACHE_URL.split("://", 1)[1],
    }
    CACHES = {"default": _shared, "shared": _shared}
else:
    CACHES = {
        "default": {
            # Each worker's own memory, bounded by bytes (archive/cache_backends.py).
            "BACKEND": "archive.cache_backends.BoundedLocMemCache",
            "OPTIONS": {
                "MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "5000")),
                "MAX_BYTES": int(os.environ.get("CACHE_MAX_MB", "64")) * 2**20,
                "MAX_ENTRY_BYTES": 4 * 2**20,
            },
        },
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache")),
        },
    }

# Content Security Policy, in development too so that problems show early: no inline
# scripts or styles anywhere, no plugins, no framing.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Production hardening: everything here is on whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Imports (editorial.tabular): every file is read within these bounds, whatever it declares;
# a file over one is refused with a message that names it, and nothing is written.
MIB = 1024 * 1024
# Uploads, XLSX files and standard input; a CSV file named on the command line is streamed.
IMPORT_MAX_BYTES = int(os.environ.get("DJANGO_IMPORT_MAX_BYTES", str(20 * MIB)))
IMPORT_MAX_ROWS = int(os.environ.get("DJANGO_IMPORT_MAX_ROWS", "100000"))  # below the header
IMPORT_MAX_COLUMNS = 50
IMPORT_MAX_CELL_CHARS = 100_000
IMPORT_MAX_INFLATED_BYTES = 100 * MIB  # an XLSX file's parts, once inflated
IMPORT_MAX_ZIP_RATIO = 100  # times a part of an XLSX file may inflate (beyond its first MB)
IMPORT_MAX_SHARED_STRINGS = 1_000_000  # the distinct texts of an XLSX file
IMPORT_MAX_XML_DEPTH = 64
# An admin import's preview keeps its file here until it is confirmed, and for at most
# IMPORT_PREVIEW_MAX_AGE seconds; several machines serving the admin need a shared folder.
IMPORT_PREVIEW_DIR = Path(
    os.environ.get("DJANGO_IMPORT_PREVIEW_DIR")
    or Path(tempfile.gettempdir()) / "incident-archive-import-previews"
)
IMPORT_PREVIEW_MAX_AGE = int(os.environ.get("DJANGO_IMPORT_PREVIEW_MAX_AGE", "3600"))

# Request bodies. Visitors who are not signed in send nothing larger than the login form, so a
# larger body is answered 413 before it is read (archive.request_limits); signed-in users send
# at most an import file and its form. Form fields are kept in memory up to
# DATA_UPLOAD_MAX_MEMORY_SIZE, uploads up to FILE_UPLOAD_MAX_MEMORY_SIZE and spooled to a
# temporary file beyond it; UploadLimitHandler stops an upload at IMPORT_MAX_BYTES as its bytes
# arrive. The proxy in front should refuse larger bodies too (docs/deployment.md, "Running in
# production").
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * MIB)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * MIB)
ANONYMOUS_MAX_BODY_BYTES = int(os.environ.get("DJANGO_ANONYMOUS_MAX_BODY_BYTES", str(64 * 1024)))
MAX_BODY_BYTES = IMPORT_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = [
    "editorial.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# django-import-export: an import with any invalid row writes nothing.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"

# Logs go to the console as one JSON object per line: timestamp, level, logger, message, and
# the fields a call passes in `extra` as keys of their own (event, incident, user, ...), so a
# log collector can index them and typed text cannot forge a line. DJANGO_LOG_FORMAT=plain
# gives one readable line per record for a terminal; its messages carry the same facts.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "json").strip().lower() or "json"
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(
        f"DJANGO_LOG_FORMAT is {LOG_FORMAT!r}; use json (the default) or plain."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,  # ISO 8601 in UTC
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "INFO"},  # failed logins and lockouts
    },
}

# Readers' suggestions and reports (archive.submissions): a form sent sooner than
# SUBMISSION_MIN_SECONDS after it opened is refused as automatic, and one address sends at
# most SUBMISSION_RATE_LIMIT in SUBMISSION_RATE_WINDOW seconds (then 429 with Retry-After).
SUBMISSION_MIN_SECONDS = int(os.environ.get("DJANGO_SUBMISSION_MIN_SECONDS", "3"))
SUBMISSION_RATE_LIMIT = int(os.environ.get("DJANGO_SUBMISSION_RATE_LIMIT", "5"))
SUBMISSION_RATE_WINDOW = 60 * 60

# Email (editorial.notifications): the console in development and the demo; SMTP in
# production (docs/deployment.md, "Email"). Messages are sent by the worker, never in a request.
_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_MAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend" if DEBUG else _SMTP
)
MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": _MAIL_BACKEND,
        "OPTIONS": {
            "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
            "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
            "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
            "use_ssl": env_bool("DJANGO_EMAIL_USE_SSL", False),
            "timeout": 30,
        }
        if _MAIL_BACKEND == _SMTP
        else {},
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "archive@localhost")
# Who is told of a new reader submission: these addresses if any, else the Data editors.
NOTIFY_SUBMISSIONS_TO = env_list("DJANGO_NOTIFY_SUBMISSIONS_TO")
