"""Publishing the synthetic archive: in bulk, by the benchmark tool, without review.

Nobody reviews synthetic content, and its record says so. Its figures stay unverified (no
``verified`` mark, no reviewer, so the public pages show no "verified" badge), and each
version gets one history entry, on the ``benchmark`` channel and in nobody's name, saying
that the benchmark tool published it without review: no submission, verification or approval
is recorded, because none took place.

What a publication derives is derived as ``editorial.services.version_publish`` derives it:
the search document (``archive.search.search_texts``; on PostgreSQL the weighted vector too),
the headlines and the conflict flag (``archive.totals.derive_figures``), and the stored page of
each incident unless ``render_pages`` is False (its first reader then renders it). Each
publication is announced in the public change feed, as it is public.
"""

from __future__ import annotations

import re

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from archive import pages
from archive.caching import publication_changed
from archive.models import Estimate, Incident, IncidentVersion, PublicChange, State
from archive.search import search_texts
from archive.totals import derive_figures
from editorial.models import Action, Channel, HistoryEntry

SLUG_PREFIX = "synthetic"
SLUG_PATTERN = r"^synthetic-[0-9]+$"

PUBLISHED_WITHOUT_REVIEW = (
    "Synthetic content for the benchmarks, made and published by the benchmark tool "
    "(bench/synthetic.py) without review: nobody wrote, checked or approved it, and its "
    "figures are not verified."
)


class PublicationRefused(Exception):
    """The versions are not synthetic first drafts; nothing was published."""


def synthetic_incidents() -> QuerySet[Incident]:
    return Incident.objects.filter(slug__regex=SLUG_PATTERN)


@transaction.atomic
def synthetic_publish(*, versions: list[IncidentVersion], render_pages: bool = True) -> int:
    """Publish these synthetic first drafts without review; returns how many.

    Only drafts of incidents named ``synthetic-<n>`` that were never published: this path
    skips the workflow, so it refuses anything an editor could have written. A constant
    number of queries for any number of versions (one more per 200 pages rendered).
    """
    ids = [version.pk for version in versions]
    if not ids:
        return 0
    locked = list(
        IncidentVersion.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "incident_id", "state", "incident__slug")
    )
    if len(locked) != len(set(ids)):
        raise PublicationRefused("Some of these versions do not exist.")
    others = sorted({slug for *_, slug in locked if not re.match(SLUG_PATTERN, slug)})
    if others:
        raise PublicationRefused(
            f"Only synthetic incidents ({SLUG_PREFIX}-<n>) are published without review; "
            f"not synthetic: {', '.join(others[:10])}."
        )
    not_draft = [pk for pk, _, state, _ in locked if state != State.DRAFT]
    if not_draft:
        raise PublicationRefused(f"Only drafts are published here; not a draft: {not_draft[:10]}.")
    incident_ids = [incident_id for _, incident_id, _, _ in locked]
    if IncidentVersion.objects.filter(incident_id__in=incident_ids, state=State.PUBLISHED).exists():
        raise PublicationRefused("An incident of this batch is published already.")
    uncited = (
        Estimate.objects.filter(version_id__in=ids, source__isnull=True, citations__isnull=True)
        .values_list("ref", flat=True)
        .first()
    )
    if uncited:
        raise PublicationRefused(f"Estimate “{uncited}” cites no source.")

    index_versions(ids)
    derive_figures(ids)
    now = timezone.now()
    IncidentVersion.objects.filter(pk__in=ids).update(
        state=State.PUBLISHED, published_at=now, publish_at=None, public_note="", updated_at=now
    )
    HistoryEntry.objects.bulk_create(
        [
            HistoryEntry(
                version_id=version_id,
                incident_id=incident_id,
                user=None,
                action=Action.TRANSITION,
                channel=Channel.BENCHMARK,
                from_state=State.DRAFT,
                to_state=State.PUBLISHED,
                comment=PUBLISHED_WITHOUT_REVIEW,
            )
            for version_id, incident_id, _, _ in locked
        ],
        batch_size=2000,
    )
    publication_changed()
    PublicChange.objects.bulk_create(
        [
            PublicChange(
                incident_id=incident_id,
                version_id=version_id,
                kind=PublicChange.Kind.PUBLISHED,
                at=timezone.now(),
            )
            for version_id, incident_id, _, _ in locked
        ],
        batch_size=2000,
    )
    pages.forget_pages_showing(incident_ids)
    if render_pages:
        pages.render_published(ids)
    return len(ids)


def index_versions(ids: list[int]) -> None:
    """Store the search documents of these versions as ``archive.search.index_version`` does
    one version at a time, in a few queries for the whole batch."""
    places: dict[int, list] = {pk: [] for pk in ids}
    for link in (
        IncidentVersion.places.through.objects.filter(incidentversion_id__in=ids)
        .select_related("place")
        .only("incidentversion_id", "place__name", "place__alternative_names")
        .order_by("place__name")
    ):
        places[link.incidentversion_id].append(link.place)
    documents = list(
        IncidentVersion.objects.filter(pk__in=ids).only(
            "pk", "title", "summary", "description", "date_text"
        )
    )
    parts = []
    for version in documents:
        title, summary, body = search_texts(version, places[version.pk])
        version.search_document = f"{title} {summary} {body}"
        parts.append((version.pk, version.search_document, title, summary, body))
    if connection.vendor == "postgresql":
        # The document and the weighted vector, for the whole batch in one statement (a CASE
        # per row through bulk_update costs more than all the rest).
        table = connection.ops.quote_name(IncidentVersion._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS v SET search_document = d.document, search_vector = "  # noqa: S608
                "setweight(to_tsvector('simple'::regconfig, COALESCE(d.title, '')), 'A') || "
                "setweight(to_tsvector('simple'::regconfig, COALESCE(d.summary, '')), 'B') || "
                "setweight(to_tsvector('simple'::regconfig, COALESCE(d.body, '')), 'C') "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[]) "
                "AS d(id, document, title, summary, body) WHERE v.id = d.id",
                [list(column) for column in zip(*parts, strict=True)],
            )
    else:
        IncidentVersion.objects.bulk_update(documents, ["search_document"])
