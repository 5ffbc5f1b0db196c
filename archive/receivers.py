"""Signal receivers: a change to what published pages show, made outside the publishing
services (a reference record edited, a proceeding linked, a figure deleted by a superuser),
still starts a new publication generation and deletes the stored pages it affects.
Connected in ``ArchiveConfig.ready``."""

from __future__ import annotations

from django.db.models import Model
from django.db.models.signals import ModelSignal, post_save

from archive.caching import publication_changed
from archive.models import Citation, Estimate, IncidentVersion
from archive.pages import forget_pages_of_versions, forget_pages_showing, forget_pages_with


def reference_changed(
    sender: type[Model],
    signal: ModelSignal | None = None,
    instance: Model | None = None,
    **kwargs: object,
) -> None:
    publication_changed()
    forget_pages_with(instance if signal is post_save else None)


def proceeding_links_changed(
    sender: type[Model],
    instance: Model,
    action: str,
    pk_set: set[int] | None,
    reverse: bool,
    **kwargs: object,
) -> None:
    """Proceedings linked to or unlinked from incidents: only those incidents' pages go."""
    if not action.startswith("post_"):
        return
    publication_changed()
    if reverse:  # incident.proceedings changed
        forget_pages_showing([instance.pk])
    elif pk_set is not None:
        forget_pages_showing(list(pk_set))
    else:  # cleared: the incidents it was linked to are gone from the through table already
        forget_pages_with(None)


def published_content_deleted(
    sender: type[Model], instance: Estimate | Citation, **kwargs: object
) -> None:
    """A figure or citation deleted from a published version (a superuser's act, outside the
    workflow): no page may keep showing it. Deleting a draft's changes nothing public."""
    if IncidentVersion.objects.published().filter(pk=instance.version_id).exists():
        publication_changed()
        forget_pages_of_versions([instance.version_id])
