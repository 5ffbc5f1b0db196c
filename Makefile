# Incident Archive. `make run` sets up and serves the demo; `make test` sets up and runs the tests.
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)

.PHONY: install run demo test lint format lock backup clean scaletest messages translations

install: $(STAMP) translations

$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 13), "Python 3.13 is needed (pyenv install 3.13)"' \
		|| { echo "Python 3.13 not found as '$(PYTHON)'. Install it (e.g. 'pyenv install 3.13') or run 'make PYTHON=/path/to/python3.13'."; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $@

# The interface's catalogues (locale/*/LC_MESSAGES/django.po) compiled to the .mo files Django
# reads; the .mo files are built, never committed. msgfmt is in the gettext package.
translations: $(STAMP)
	@command -v msgfmt >/dev/null 2>&1 || { echo "msgfmt not found: install gettext (apt-get install gettext, brew install gettext)"; exit 1; }
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

# Gather every marked string of the code and templates into the catalogues of the languages
# after English (docs/development.md, "Languages"), then fill them in and commit the .po files.
LANGUAGES_TO_TRANSLATE := de pl ru uk
# The editors' scripts (static/editorial/, static/js/) have a catalogue of their own (djangojs).
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=bench \
	--ignore=tests --ignore=releases --ignore=snapshots --ignore=backups
messages: $(STAMP)
	$(BIN)/python manage.py makemessages $(addprefix --locale=,$(LANGUAGES_TO_TRANSLATE)) \
		--add-location=file --no-obsolete $(MESSAGES_IGNORE) --ignore=static
	$(BIN)/python manage.py makemessages $(addprefix --locale=,$(LANGUAGES_TO_TRANSLATE)) \
		--add-location=file --no-obsolete $(MESSAGES_IGNORE) --ignore=vendor --domain=djangojs

demo: install
	$(BIN)/python manage.py migrate --noinput
	@# The pages stored at publication link the static files by their hashed names: collect
	@# them first, or with DJANGO_DEBUG=0 every page would fail to render.
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo

# The server and the worker (background work such as web captures) together, as production
# runs them; Ctrl-C, or the server stopping, stops the worker too.
run: demo
	@$(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Re-pin every dependency after editing pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/python -m piptools compile --quiet --extra dev --generate-hashes --allow-unsafe --strip-extras -o requirements.lock pyproject.toml

# An online copy of the SQLite database that is safe to take while the site runs.
backup: install
	mkdir -p backups
	$(BIN)/python manage.py backup_sqlite backups/db-$$(date -u +%Y%m%dT%H%M%SZ).sqlite3

clean:
	rm -rf $(VENV) staticfiles .pytest_cache

# Performance at scale: a fresh database with N synthetic incidents (default 10000, made by
# python -m bench.generate and published unreviewed, as their history says), gunicorn as in
# production, requests/s, search, import/export and streaming memory. Honours DATABASE_URL
# (PostgreSQL: a database archive_bench on that server). Writes bench/results.json.
# More options (rounds, import rows, --no-memory-10x): BENCH_ARGS='...', see bench/run.py --help.
# The tooling lives in bench/ (bench/README.md); production never loads it.
N ?= 10000
BENCH_ARGS ?=
.PHONY: bench
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y -qq wrk >/dev/null 2>&1 \
			|| { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; } \
			|| echo "wrk could not be installed: using the Python load generator"; \
		else echo "wrk not found: using the Python load generator"; fi; }
	$(BIN)/python bench/run.py --incidents $(N) $(BENCH_ARGS)

# A load test: READERS concurrent readers (default 16) for SECONDS (default 30) against gunicorn
# as in production while an editor process publishes new versions of one incident; fails on any
# error, on a stale page after publishing or on a publication not visible within 2 s. Honours
# DATABASE_URL (PostgreSQL: a database archive_bench_load on that server). Writes
# bench/load-results.json. More options (--incidents, --publishes): LOAD_ARGS='...', see
# bench/load.py --help. Its editor works through editorial.services as the tool's synthetic-*
# accounts, on the benchmark history channel.
READERS ?= 16
SECONDS ?= 30
LOAD_ARGS ?=
.PHONY: loadtest
loadtest: install
	$(BIN)/python bench/load.py --readers $(READERS) --seconds $(SECONDS) $(LOAD_ARGS)

# Several machines, proven (docs/scaling.md): a PostgreSQL primary and a streaming standby
# (pg_basebackup -R, Debian's PostgreSQL), redis-server as the shared cache and two gunicorn
# servers, all started in temporary directories on free ports and stopped at the end. Readers
# on both servers while an editor publishes, corrects and withdraws; WAL replay paused, Redis
# stopped and frozen, the standby stopped. Prints requests, errors, stale pages and the time
# to visibility of each change on each server; fails on any error or stale page after the
# bound. Needs postgresql and redis-server installed (.ci/run installs them). A few minutes.
# More options (--incidents, --readers, --visible-within): SCALE_ARGS='...'.
SCALE_ARGS ?=
scaletest: install
	$(BIN)/python bench/scaletest.py $(SCALE_ARGS)
