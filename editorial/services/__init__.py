"""The only code that changes workflow state. Every function is atomic, checks permission and
writes a history entry; admin views, imports and commands all call these.

The services live in modules by what they do (base, editing, review, publishing); every
one is called as ``services.<name>`` from this package."""

from __future__ import annotations

from editorial.services.assignment import (
    eligible_reviewers,
    reviewers,
    version_assign,
    version_take,
)
from editorial.services.base import (
    EditConflict,
    PermissionRefused,
    WorkflowError,
    author_ids,
    figure_name,
    history_record,
    require_permission,
    versions_record_import,
)
from editorial.services.editing import (
    MOVED_ON,
    EditMade,
    estimates_unverify,
    incident_check_slug,
    incident_create,
    incident_rename,
    version_check_edit,
    version_edit,
    version_start_draft,
)
from editorial.services.publishing import (
    Publication,
    publish_due,
    version_check_publish,
    version_publish,
    version_withdraw,
)
from editorial.services.review import (
    ANSWER_MAX_LENGTH,
    ApprovalRefused,
    estimate_answer,
    estimate_query,
    estimate_verify,
    estimate_withdraw_query,
    estimates_check_relations,
    version_approve,
    version_check_approve,
    version_request_changes,
    version_submit,
)
from editorial.services.submissions import (
    submission_close,
    submission_create_incident,
    submission_erase_contact,
    submission_start_revision,
)
from editorial.services.threads import (
    DISCUSSED_STATES,
    thread_open,
    thread_reply,
    thread_resolve,
)
from editorial.services.translations import (
    translation_approve,
    translation_check_approve,
    translation_check_publish,
    translation_create,
    translation_edit,
    translation_original_changed,
    translation_publish,
    translation_request_changes,
    translation_submit,
    translations_publish_with,
    translator_ids,
)

__all__ = [
    "ANSWER_MAX_LENGTH",
    "DISCUSSED_STATES",
    "MOVED_ON",
    "ApprovalRefused",
    "EditConflict",
    "EditMade",
    "PermissionRefused",
    "Publication",
    "WorkflowError",
    "author_ids",
    "eligible_reviewers",
    "estimate_answer",
    "estimate_query",
    "estimate_verify",
    "estimate_withdraw_query",
    "estimates_check_relations",
    "estimates_unverify",
    "figure_name",
    "history_record",
    "incident_check_slug",
    "incident_create",
    "incident_rename",
    "publish_due",
    "require_permission",
    "reviewers",
    "submission_close",
    "submission_create_incident",
    "submission_erase_contact",
    "submission_start_revision",
    "thread_open",
    "thread_reply",
    "thread_resolve",
    "translation_approve",
    "translation_check_approve",
    "translation_check_publish",
    "translation_create",
    "translation_edit",
    "translation_original_changed",
    "translation_publish",
    "translation_request_changes",
    "translation_submit",
    "translations_publish_with",
    "translator_ids",
    "version_approve",
    "version_assign",
    "version_check_approve",
    "version_check_edit",
    "version_check_publish",
    "version_edit",
    "version_publish",
    "version_request_changes",
    "version_start_draft",
    "version_submit",
    "version_take",
    "version_withdraw",
    "versions_record_import",
]
