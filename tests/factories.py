"""Small helpers that make test data, through the same service functions the product uses."""

from __future__ import annotations

import hashlib
import importlib
import itertools
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from archive.models import (
    Actor,
    Category,
    Citation,
    Estimate,
    Incident,
    IncidentVersion,
    Outcome,
    Place,
    ReaderSubmission,
    Snapshot,
    Source,
    State,
    SubmissionKind,
    Translation,
    Trigger,
)
from archive.warc import warc_bytes
from editorial import services
from editorial.snapshots.capture import snapshot_record
from editorial.snapshots.fetch import Hop

_counter = itertools.count(1)


def ensure_reference_data() -> None:
    """The groups and categories the data migrations create. A transactional test flushes
    the database after it runs, so the next one may need them put back."""
    if Group.objects.filter(name="Data editors").exists() and Category.objects.exists():
        return
    from django.apps import apps

    for module, function in [
        ("archive.migrations.0002_categories", "add_categories"),
        ("editorial.migrations.0002_groups", "add_groups"),
        ("editorial.migrations.0003_data_editors", "add_group"),
        ("editorial.migrations.0005_record_change", "grant_view"),
        ("editorial.migrations.0010_reader_channel", "grant"),
        ("editorial.migrations.0014_snapshot_permissions", "grant"),
        ("editorial.migrations.0015_translations", "grant"),
    ]:
        getattr(importlib.import_module(module), function)(apps, None)


def make_user(username: str | None = None, *groups: str, **extra: Any) -> User:
    ensure_reference_data()
    username = username or f"user{next(_counter)}"
    user = User.objects.create_user(username, password="pw", is_staff=True, **extra)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def make_contributor(username: str = "") -> User:
    return make_user(username or None, "Contributors")


def make_reviewer(username: str = "") -> User:
    return make_user(username or None, "Reviewers")


def make_publisher(username: str = "") -> User:
    return make_user(username or None, "Publishers")


def make_source(key: str | None = None, **fields: Any) -> Source:
    key = key or f"source-{next(_counter)}"
    defaults = {"title": f"A study {key}", "authors": "Doe, Jane", "year": 1995}
    return Source.objects.create(key=key, **{**defaults, **fields})


def make_snapshot(source: Source, body: bytes = b"<p>A copy.</p>", **fields: Any) -> Snapshot:
    """A captured copy of ``source.url`` holding ``body``, stored as a capture stores it (the
    capture itself is tested against a real local server in test_snapshot_capture.py)."""
    at = fields.pop("captured_at", timezone.now())
    hop = Hop(
        url=source.url,
        address="93.184.215.14",
        status=200,
        reason="OK",
        headers=[("Content-Type", "text/html")],
        body=body,
        request_headers=[],
    )
    data = warc_bytes(hops=[hop], software="test", captured_at=at, name="copy.warc.gz")
    name = storages["snapshots"].save(f"{source.key}/copy.warc.gz", ContentFile(data))
    values = {
        "url": source.url,
        "final_url": source.url,
        "http_status": 200,
        "content_type": "text/html",
        "size": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "warc_file": name,
        "warc_sha256": hashlib.sha256(data).hexdigest(),
        "captured_at": at,
        "software": "test",
        "outcome": Outcome.CAPTURED,
        "trigger": Trigger.COMMAND,
        **fields,
    }
    return snapshot_record(Snapshot(source=source, **values))


def make_place(name: str | None = None, **fields: Any) -> Place:
    name = name or f"Place {next(_counter)}"
    from django.utils.text import slugify

    return Place.objects.create(name=name, slug=slugify(name), **fields)


def make_actor(name: str | None = None, **fields: Any) -> Actor:
    name = name or f"Actor {next(_counter)}"
    from django.utils.text import slugify

    return Actor.objects.create(name=name, slug=slugify(name), **fields)


def make_draft(
    author: User | None = None, slug: str | None = None, *, estimates: int = 1, **content: Any
) -> IncidentVersion:
    """A new incident's first draft with cited estimates, written by ``author``."""
    author = author or make_contributor()
    slug = slug or f"incident-{next(_counter)}"
    fields = {
        "title": f"Incident {slug}",
        "summary": "What happened, in short.",
        "description": "A *longer* account.",
        "date": "1940-04/1940-05",
        "date_text": "April and May 1940",
        **content,
    }
    version = services.incident_create(slug=slug, user=author, **fields)
    version.categories.add(Category.objects.get(slug="massacre"))
    source = make_source()
    for number in range(estimates):
        make_estimate(version, ref=f"{slug}-killed-{number + 1}", source=source)
    Citation.objects.create(version=version, source=source, locator="p. 1")
    return version


def make_estimate(version: IncidentVersion, **fields: Any) -> Estimate:
    defaults = {
        "ref": f"est-{next(_counter)}",
        "measure": "killed",
        "best": 100,
        "as_written": "100",
        "claimant": "A historian",
        "locator": "p. 12",
    }
    if "source" not in fields:
        defaults["source"] = make_source()
    return Estimate.objects.create(version=version, **{**defaults, **fields})


def make_published_figures(slug: str, *figures: dict[str, Any], **content: Any) -> IncidentVersion:
    """An incident published through the whole workflow with these figures (each a dict of
    estimate fields; ``ref`` and ``as_written`` are made when missing)."""
    version = make_draft(slug=slug, estimates=0, **content)
    source = make_source()
    for number, fields in enumerate(figures, start=1):
        written = fields.get("as_written") or str(fields.get("best") or fields.get("low") or "")
        make_estimate(
            version,
            **{"ref": f"{slug}-{number}", "as_written": written or "x", "source": source, **fields},
        )
    services.version_submit(version=version, user=version.created_by)
    reviewer = make_reviewer()
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(version=version, user=make_publisher())
    version.refresh_from_db()
    return version


def make_published(
    slug: str | None = None,
    *,
    author: User | None = None,
    reviewer: User | None = None,
    publisher: User | None = None,
    related: Iterable[Incident] = (),
    **content: Any,
) -> IncidentVersion:
    """An incident taken through the whole workflow by three different people."""
    version = make_draft(author, slug, **content)
    version.related.set(related)
    author = version.created_by
    services.version_submit(version=version, user=author)
    reviewer = reviewer or make_reviewer()
    for estimate in version.estimates.all():
        services.estimate_verify(estimate=estimate, user=reviewer)
    services.version_approve(version=version, user=reviewer)
    services.version_publish(version=version, user=publisher or make_publisher())
    version.refresh_from_db()
    assert version.state == State.PUBLISHED
    return version


def make_translation(
    version: IncidentVersion,
    language: str = "de",
    *,
    translator: User | None = None,
    **fields: str,
) -> Translation:
    """A draft translation of ``version``'s text, written by ``translator`` (a new
    contributor when not given)."""
    fields = fields or {"title": f"Übersetzung {version.title}", "summary": "Eine Zusammenfassung."}
    return services.translation_create(
        version=version, language=language, user=translator or make_contributor(), fields=fields
    )


def make_approved_translation(
    version: IncidentVersion, language: str = "de", **fields: str
) -> Translation:
    """A translation written, submitted and approved by two different people."""
    translation = make_translation(version, language, **fields)
    services.translation_submit(translation=translation, user=translation.created_by)
    return services.translation_approve(translation=translation, user=make_reviewer())


def make_published_translation(
    version: IncidentVersion, language: str = "de", **fields: str
) -> Translation:
    """A translation of a published version, through the whole workflow by three people."""
    translation = make_approved_translation(version, language, **fields)
    return services.translation_publish(translation=translation, user=make_publisher())


def make_submission(
    incident: Incident | None = None, *, message: str = "The figure is wrong.", **fields: Any
) -> ReaderSubmission:
    """A reader's submission through the public form's own checks, as if typed a minute ago:
    a correction of ``incident``, or a report of a new one."""
    import time

    from archive.submissions import SubmissionForm, started_token

    kind = SubmissionKind.CORRECTION if incident else SubmissionKind.REPORT
    data = {"message": message, "started": started_token(time.time() - 60), **fields}
    form = SubmissionForm(data, kind=kind)
    assert form.is_valid(), form.errors
    return form.save(incident=incident)
