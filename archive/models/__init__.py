"""The domain: incidents and their versioned content, estimates, sources and reference records.

An ``Incident`` is a stable identity (slug). Its content lives in ``IncidentVersion`` rows, each
with its own estimates and citations; the version's ``state`` says where it stands in the
editorial workflow. The public site only ever starts from ``IncidentVersion.objects.published()``.
Workflow state is changed by ``editorial.services`` alone.

The models live in modules by subject; every name is importable from ``archive.models``.
"""

from __future__ import annotations

from archive.models.dated import (
    DateRangeMixin,
)
from archive.models.figures import (
    REF_STEM_LENGTH,
    Assessment,
    Citation,
    ClaimantPosition,
    Estimate,
    EstimateQuerySet,
    Headline,
    Measure,
    Per,
    Qualifier,
    Verification,
    estimate_ref,
)
from archive.models.incidents import (
    Incident,
    IncidentAlias,
    IncidentQuerySet,
    IncidentVersion,
    IncidentVersionQuerySet,
    VersionCategory,
    VersionLink,
    VersionPerpetrator,
    VersionPlace,
    VersionVictimGroup,
)
from archive.models.proceedings import (
    Proceeding,
    ProceedingIncident,
    ProceedingQuerySet,
    protect_if_published,
)
from archive.models.publication import (
    Correction,
    CorrectionQuerySet,
    IncidentPage,
    IncidentPageQuerySet,
    Publication,
    PublicChange,
    PublicChangeQuerySet,
)
from archive.models.records import (
    DATA_PERMISSIONS,
    Actor,
    Category,
    Context,
    NamedQuerySet,
    Place,
    VictimGroup,
)
from archive.models.releases import (
    DOI,
    RELEASE_NAME,
    Release,
    ReleaseChange,
    ReleaseError,
    ReleaseQuerySet,
)
from archive.models.snapshots import (
    GONE_AFTER,
    Copies,
    Outcome,
    Snapshot,
    SnapshotQuerySet,
    Trigger,
    attach_copies,
    source_copies,
    with_link_health,
)
from archive.models.sources import (
    Source,
    SourceQuerySet,
)
from archive.models.states import (
    EDITABLE_STATES,
    OPEN_STATES,
    State,
)
from archive.models.submissions import (
    ReaderSubmission,
    ReaderSubmissionQuerySet,
    SubmissionKind,
    SubmissionStatus,
    new_reference,
)
from archive.models.translations import (
    ORIGINAL_LANGUAGE,
    TRANSLATED_FIELDS,
    Translation,
    TranslationQuerySet,
    base_language,
    original_digest,
    translation_languages,
)

__all__ = [
    "DATA_PERMISSIONS",
    "DOI",
    "EDITABLE_STATES",
    "GONE_AFTER",
    "OPEN_STATES",
    "ORIGINAL_LANGUAGE",
    "REF_STEM_LENGTH",
    "RELEASE_NAME",
    "TRANSLATED_FIELDS",
    "Actor",
    "Assessment",
    "Category",
    "Citation",
    "ClaimantPosition",
    "Context",
    "Copies",
    "Correction",
    "CorrectionQuerySet",
    "DateRangeMixin",
    "Estimate",
    "EstimateQuerySet",
    "Headline",
    "Incident",
    "IncidentAlias",
    "IncidentPage",
    "IncidentPageQuerySet",
    "IncidentQuerySet",
    "IncidentVersion",
    "IncidentVersionQuerySet",
    "Measure",
    "NamedQuerySet",
    "Outcome",
    "Per",
    "Place",
    "Proceeding",
    "ProceedingIncident",
    "ProceedingQuerySet",
    "PublicChange",
    "PublicChangeQuerySet",
    "Publication",
    "Qualifier",
    "ReaderSubmission",
    "ReaderSubmissionQuerySet",
    "Release",
    "ReleaseChange",
    "ReleaseError",
    "ReleaseQuerySet",
    "Snapshot",
    "SnapshotQuerySet",
    "Source",
    "SourceQuerySet",
    "State",
    "SubmissionKind",
    "SubmissionStatus",
    "Translation",
    "TranslationQuerySet",
    "Trigger",
    "Verification",
    "VersionCategory",
    "VersionLink",
    "VersionPerpetrator",
    "VersionPlace",
    "VersionVictimGroup",
    "VictimGroup",
    "attach_copies",
    "base_language",
    "estimate_ref",
    "new_reference",
    "original_digest",
    "protect_if_published",
    "source_copies",
    "translation_languages",
    "with_link_health",
]
