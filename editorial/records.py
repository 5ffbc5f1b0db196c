"""Changes to shared records: sources, proceedings, places, actors, contexts, victim groups
and categories.

These records are not versioned: one row is shown by every incident that uses it. So a change
goes through ``record_change_submit``, which applies it at once while no published page shows
the record, and otherwise holds it as a pending ``RecordChange`` that a second person approves
(``record_change_approve``) or rejects. Until then the record, and so every public page, keeps
its old values. Every change, applied or held, is a history row with each field's before and
after; an approved change that alters published pages adds a public correction to each.

Pending changes were chosen over versioned records: the public site keeps reading plain rows
(no "published version of this place" join on every query), and the one place that decides
is the function below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from archive.caching import publication_changed
from archive.models import (
    EDITABLE_STATES,
    Actor,
    Category,
    Context,
    Correction,
    Estimate,
    Incident,
    IncidentVersion,
    Place,
    Proceeding,
    PublicChange,
    Source,
    State,
    VictimGroup,
)
from editorial import services
from editorial.models import Action, Channel, RecordChange
from editorial.services import WorkflowError, require_permission
from editorial.snapshots.tasks import capture_queue
from editorial.workflow import REVIEW

# How a published version shows each kind of shared record.
SHOWN_THROUGH: dict[type[models.Model], tuple[str, ...]] = {
    Source: ("estimates__source", "citations__source", "incident__proceedings__source"),
    Place: ("places",),
    Actor: ("perpetrators", "perpetrators__parent"),
    VictimGroup: ("victim_groups",),
    Context: ("context",),
    Category: ("categories",),
    Proceeding: ("incident__proceedings",),
    # An incident's address: its own page, and the pages that link to it as related.
    Incident: ("incident", "related"),
}
REVIEWED_MODELS = tuple(SHOWN_THROUGH)


# A record shown by a version in these states changes only after review: a published page
# shows it, or a reviewer has checked (or is checking) a version that will.
HELD_BY = (State.PUBLISHED, State.IN_REVIEW, State.APPROVED)


def published_incidents_showing(
    record: models.Model, states: Iterable[str] = (State.PUBLISHED,)
) -> models.QuerySet[Incident]:
    """The incidents whose published page (or version in ``states``) shows ``record``."""
    showing = Q()
    for lookup in SHOWN_THROUGH[type(record)]:
        showing |= Q(**{lookup: record.pk})
    versions = IncidentVersion.objects.filter(showing, state__in=list(states))
    return Incident.objects.filter(pk__in=versions.values("incident_id"))


def _published(
    incident_ids: Iterable[int], states: Iterable[str] = (State.PUBLISHED,)
) -> models.QuerySet[Incident]:
    versions = IncidentVersion.objects.filter(
        incident_id__in=list(incident_ids), state__in=list(states)
    )
    return Incident.objects.filter(pk__in=versions.values("incident_id"))


def editable_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        field
        for field in model._meta.get_fields()
        if isinstance(field, models.Field)  # a relation's other side is never editable here
        and getattr(field, "editable", False)
        and not field.auto_created
        and (field.concrete or field.many_to_many)
    ]


def _stored(field: models.Field[Any, Any], value: Any) -> Any:
    """A value as the change keeps it: a key for a reference, sorted keys for a list."""
    if field.many_to_many:
        return sorted(item.pk if isinstance(item, models.Model) else int(item) for item in value)
    if field.is_relation:
        return value.pk if isinstance(value, models.Model) else value
    return value


def _related(field: models.Field[Any, Any]) -> type[models.Model]:
    model = field.related_model
    assert isinstance(model, type)  # a relation's model, resolved once the models are ready
    return model


def _shown(field: models.Field[Any, Any], value: Any) -> str:
    """A stored value as an editor reads it."""
    if field.many_to_many:
        names = _related(field)._default_manager.filter(pk__in=value or [])
        return ", ".join(sorted(str(record) for record in names))
    if field.is_relation:
        records = _related(field)._default_manager
        record = records.filter(pk=value).first() if value else None
        return str(record) if record else ""
    if field.choices and value:
        return str(dict(field.flatchoices).get(value, value))
    return "" if value is None else str(value)


def _current(record: models.Model, field: models.Field[Any, Any]) -> Any:
    if field.many_to_many:
        return _stored(field, getattr(record, field.name).all())
    return getattr(record, field.attname)


def _apply(
    model: type[models.Model],
    record: models.Model | None,
    values: Mapping[str, Any],
    author: AbstractBaseUser | None,
    comment: str = "",
    *,
    check: bool,
) -> models.Model:
    """Write ``values`` to ``record`` (a new one if None). ``check``: validate them again as a
    form would, for a change approved some time after its form or file was checked.
    An incident's new address is given by ``services.incident_rename``, as ``author``'s edit:
    the old address stays a redirect. A source's figures are checked again (see below)."""
    if model is Incident:
        assert isinstance(record, Incident)  # incidents are renamed here, never created
        try:
            if author is None:  # the command line's change: nobody who may rename
                raise services.PermissionRefused(gettext("An incident is renamed by a person."))
            return services.incident_rename(
                incident=record, user=author, slug=values["slug"], comment=comment
            )
        except services.PermissionRefused:
            raise WorkflowError(
                gettext("The author of this change may no longer rename incidents: reject it.")
            ) from None
    record = record or model()
    lists = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)  # the names come from editable_fields
        if field.many_to_many:
            lists[name] = value
        elif field.is_relation:
            setattr(record, field.attname, value)
        else:
            setattr(record, name, field.to_python(value))
    if check:
        try:
            record.full_clean()
        except ValidationError as error:
            raise WorkflowError(
                gettext("This change can no longer be applied: {problems}").format(
                    problems="; ".join(
                        f"{name}: {' '.join(texts)}" for name, texts in error.message_dict.items()
                    )
                )
            ) from None
    changed_source = model is Source and record.pk is not None
    record.save()
    for name, keys in lists.items():
        getattr(record, name).set(keys)
    if changed_source:
        assert isinstance(record, Source)
        _source_figures_unverify(record, author, comment)
    if isinstance(record, Source) and "url" in values:
        # A new address is captured in the background: the request never waits for it.
        capture_queue(source=record)
    return record


def _source_figures_unverify(source: Source, author: AbstractBaseUser | None, comment: str) -> None:
    """A figure verified against a source that has since changed must be checked again: in
    every version not yet published (a published version stays as its reviewer checked it;
    the change to it was reviewed itself). An approved version with such a figure cannot be
    published until a reviewer sends it back and verifies it again."""
    citing = Estimate.objects.filter(Q(source=source) | Q(citations__source=source))
    versions = IncidentVersion.objects.filter(
        pk__in=citing.values("version_id"), state__in=[*EDITABLE_STATES, *HELD_BY[1:]]
    )
    for version in versions:
        refs = services.estimates_unverify(
            estimates=version.estimates.filter(pk__in=citing.values("pk")),
            states=(version.state,),
        )
        if refs:
            services.history_record(
                version=version,
                user=author,
                action=Action.UNVERIFY,
                # Stored in the history: not translated.
                comment=f"Their source “{source}” changed. {comment}".strip(),
                changes={"estimates": refs, "source": source.key},
            )


@transaction.atomic(savepoint=False)  # one import row: its caller's savepoint is enough
def record_change_submit(
    *,
    model: type[models.Model],
    pk: int | None,
    values: Mapping[str, Any],
    user: AbstractBaseUser | None,
    note: str = "",
    channel: Channel = Channel.ADMIN,
    trusted: bool = False,
) -> RecordChange | None:
    """Change the record ``pk`` of ``model`` (create one when ``pk`` is None) to ``values``.

    Applied at once while no published page shows the record, before or after the change;
    otherwise held for review. Returns the history row, or None when nothing changes.
    ``trusted``: an operator at the command line, who needs no account.
    """
    action = "change" if pk else "add"
    require_permission(
        user, f"{model._meta.app_label}.{action}_{model._meta.model_name}", trusted=trusted
    )
    record = model._default_manager.select_for_update().get(pk=pk) if pk else None
    content_type = ContentType.objects.get_for_model(model)
    if record is not None:
        waiting = RecordChange.objects.pending().of(record).select_related("proposed_by").first()
        if waiting is not None:
            raise WorkflowError(pending_message(waiting))
    stored, changes = {}, {}
    for field in editable_fields(model):
        if field.name not in values:
            continue
        after = _stored(field, values[field.name])
        before = _current(record, field) if record is not None else None
        if record is None or before != after:
            stored[field.name] = after
            shown_before = _shown(field, before) if record is not None else ""
            changes[field.name] = [shown_before, _shown(field, after)]
    if not stored:
        return None
    if model is Incident:
        assert record is None or isinstance(record, Incident)
        services.incident_check_slug(slug=stored["slug"], incident=record)
    showing = set(published_incidents_showing(record, HELD_BY)) if record is not None else set()
    if "incidents" in stored and model is Proceeding:
        showing |= set(_published(stored["incidents"], HELD_BY))
    who = user if isinstance(user, User) and user.is_authenticated else None
    change = RecordChange(
        content_type=content_type,
        object_id=pk,
        record=str(record or model(**_plain(model, stored)))[:300],
        changes=changes,
        values=stored,
        channel=channel,
        proposed_by=who,
        note=note.strip(),
        status=RecordChange.Status.PENDING if showing else RecordChange.Status.APPLIED,
    )
    if not showing:
        applied = _apply(model, record, stored, user, check=False)
        change.object_id = applied.pk
        change.record = str(applied)[:300]
    change.save()
    return change


def _plain(model: type[models.Model], stored: Mapping[str, Any]) -> dict[str, Any]:
    """The values of a new record that its name can be made from."""
    return {
        name: value for name, value in stored.items() if not model._meta.get_field(name).is_relation
    }


def pending_message(change: RecordChange) -> str:
    who = change.proposed_by.get_username() if change.proposed_by else gettext("the command line")
    when = timezone.localtime(change.proposed_at)
    return gettext(
        "A change to this record by {who} ({when}) is waiting for review: it must be approved "
        "or rejected before the record can change again."
    ).format(who=who, when=f"{when:%Y-%m-%d %H:%M}")


def _locked_change(change: RecordChange) -> RecordChange:
    change = RecordChange.objects.select_for_update().get(pk=change.pk)
    if change.status != RecordChange.Status.PENDING:
        raise WorkflowError(
            gettext("This change is already {status}.").format(status=change.get_status_display())
        )
    return change


@transaction.atomic
def record_change_approve(
    *, change: RecordChange, user: User, public_note: str = "", comment: str = ""
) -> RecordChange:
    """Apply a pending change, as a second person; each published page it alters gets a
    correction with ``public_note`` (by default the author's note)."""
    change = _locked_change(change)
    require_permission(user, REVIEW)
    if change.proposed_by_id == user.pk:
        raise WorkflowError(
            gettext("You cannot approve a change you proposed: ask another reviewer.")
        )
    model = change.content_type.model_class()
    assert model is not None  # a change is only ever made to a model of this project
    record = None
    if change.object_id:
        record = model._default_manager.select_for_update().filter(pk=change.object_id).first()
        if record is None:
            raise WorkflowError(
                gettext("The record this change was for no longer exists: reject it.")
            )
    if model is Proceeding:
        assert record is None or isinstance(record, Proceeding)
        source = change.values.get("source", record.source_id if record else None)
        if not source:
            raise WorkflowError(
                gettext(
                    "A proceeding is a claim about what a court decided: it cannot be approved "
                    "until it names the source it comes from."
                )
            )
    showing = set(published_incidents_showing(record)) if record is not None else set()
    if model is Proceeding and "incidents" in change.values:
        showing |= set(_published(change.values["incidents"]))
    public_note = (public_note or change.note).strip()
    if showing and not public_note:
        raise WorkflowError(
            gettext(
                "This change alters published pages: say in a sentence what changed, for the "
                "public corrections log."
            )
        )
    if model is Incident:
        assert record is None or isinstance(record, Incident)
        services.incident_check_slug(slug=change.values["slug"], incident=record)
    approval = f"Approved by {user.get_username()}."  # stored in the history: not translated
    record = _apply(model, record, change.values, change.proposed_by, approval, check=True)
    now = timezone.now()
    change.object_id, change.record = record.pk, str(record)[:300]
    change.status = RecordChange.Status.APPROVED
    change.reviewed_by, change.reviewed_at = user, now
    change.review_comment, change.public_note = comment.strip(), public_note
    change.save()
    change.incidents.set(showing)
    # The public corrections log is content, written in the archive's language whatever the
    # reviewer's interface speaks.
    with translation.override(settings.LANGUAGE_CODE):
        kind = str(model._meta.verbose_name).capitalize()
    label = f"{kind} “{record}”: {public_note}"
    published = IncidentVersion.objects.published().filter(incident__in=showing)
    Correction.objects.bulk_create(
        Correction(
            incident_id=version.incident_id,
            version=version,
            kind=Correction.Kind.CORRECTION,
            note=label,
            created_at=now,
        )
        for version in published
    )
    publication_changed()
    # After the counter's row lock, so the feed's order is the order of the commits.
    announced = timezone.now()
    PublicChange.objects.bulk_create(
        PublicChange(
            incident_id=version.incident_id,
            version=version,
            kind=PublicChange.Kind.CORRECTED,
            at=announced,
        )
        for version in published
    )
    return change


@transaction.atomic
def record_change_reject(*, change: RecordChange, user: User, comment: str) -> RecordChange:
    change = _locked_change(change)
    require_permission(user, REVIEW)
    if change.proposed_by_id == user.pk:
        raise WorkflowError(
            gettext("You cannot review a change you proposed: ask another reviewer.")
        )
    if not comment.strip():
        raise WorkflowError(gettext("Say why in the comment: the author needs it."))
    change.status = RecordChange.Status.REJECTED
    change.reviewed_by, change.reviewed_at = user, timezone.now()
    change.review_comment = comment.strip()
    change.save()
    return change
