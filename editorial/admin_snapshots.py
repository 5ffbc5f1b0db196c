"""Snapshots in the admin: a source's captures and link health on its page, "capture now",
a filter for sources whose original is gone, and every snapshot (private ones too) for staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.files.storage import storages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from archive.models import GONE_AFTER, Outcome, Snapshot, Source, Trigger, with_link_health
from archive.snapshot_views import copy_response
from editorial.admin_base import AdminMixin
from editorial.snapshots.tasks import capture_queue

SHOWN = 10  # the newest snapshots listed on a source's page


class OriginalGoneFilter(admin.SimpleListFilter):
    title = gettext_lazy("original")
    parameter_name = "original"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (
                "gone",
                ngettext(
                    "gone (last {count} link check failed)",
                    "gone (last {count} link checks failed)",
                    GONE_AFTER,
                ).format(count=GONE_AFTER),
            )
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "gone":
            # An annotation: Q, which the type checker reads as any.
            return with_link_health(queryset).filter(Q(link_gone=True))
        return queryset


@admin.action(
    description=gettext_lazy("Capture now (queued for the worker)"), permissions=["capture"]
)
def capture_now(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Source]) -> None:
    with_url = list(queryset.exclude(url=""))
    for source in with_url:
        capture_queue(source=source, trigger=Trigger.ADMIN)
    skipped = queryset.filter(url="").count()
    modeladmin.message_user(
        request,
        ngettext(
            # Translators: the English keeps "(s)" for one too; use your language's plural forms.
            "{count} capture(s) queued; they appear on each source's page when done.",
            "{count} capture(s) queued; they appear on each source's page when done.",
            len(with_url),
        ).format(count=len(with_url))
        + (
            " "
            + ngettext(
                "{count} source(s) without a URL skipped.",
                "{count} source(s) without a URL skipped.",
                skipped,
            ).format(count=skipped)
            if skipped
            else ""
        ),
        messages.SUCCESS,
    )


class SourceSnapshotsMixin(AdminMixin):
    """On a source's page: its link health and newest snapshots."""

    actions = [capture_now]

    def has_capture_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("archive.capture_source")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [*super().get_readonly_fields(request, obj), "link_health", "snapshot_list"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        return [
            *fieldsets,
            (gettext_lazy("Snapshots"), {"fields": ["link_health", "snapshot_list"]}),
        ]

    @admin.display(description=gettext_lazy("link health"))
    def link_health(self, source: Source) -> str:
        if not source.url:
            return gettext("No URL.")
        checks = list(
            source.snapshots.filter(trigger=Trigger.LINK_CHECK, url=source.url)
            .newest_first()
            .values_list("outcome", "captured_at")[:GONE_AFTER]
        )
        if not checks:
            return gettext("Not checked yet (check_links).")
        outcome, at = checks[0]
        if len(checks) == GONE_AFTER and all(o == Outcome.FAILED for o, _ in checks):
            return ngettext(
                "Original gone: the last {count} link check failed ({date}).",
                "Original gone: the last {count} link checks failed ({date}).",
                GONE_AFTER,
            ).format(count=GONE_AFTER, date=f"{at:%Y-%m-%d}")
        return gettext("Last link check {at}: {outcome}.").format(
            at=f"{at:%Y-%m-%d %H:%M}", outcome=Outcome(outcome).label
        )

    @admin.display(description=gettext_lazy("snapshots"))
    def snapshot_list(self, source: Source) -> SafeString | str:
        snapshots = list(source.snapshots.newest_first()[:SHOWN])
        if not snapshots:
            return gettext("None yet.") if source.url else gettext("No URL to capture.")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td>"
            "<td>{}</td></tr>",
            (
                (
                    f"{snapshot.captured_at:%Y-%m-%d %H:%M}",
                    gettext("{trigger}, attempt {attempt}").format(
                        trigger=snapshot.get_trigger_display(), attempt=snapshot.attempt
                    ),
                    snapshot.get_outcome_display(),
                    snapshot.http_status or "",
                    snapshot.sha256 or "",
                    _copy_link(snapshot) if snapshot.warc_file else snapshot.error,
                )
                for snapshot in snapshots
            ),
        )
        return format_html(
            '<table class="snapshots"><thead><tr><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">HTTP</th>'
            '<th scope="col">SHA-256</th><th scope="col">{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            pgettext("column: when a snapshot was taken", "captured"),
            pgettext("column: what caused a snapshot", "how"),
            pgettext("column: a snapshot's result", "outcome"),
            gettext("copy or error"),
            rows,
        )


def _copy_link(snapshot: Snapshot) -> SafeString:
    url = reverse("admin:archive_snapshot_copy", args=[snapshot.pk])
    note = f" ({snapshot.error})" if snapshot.error else ""
    return format_html('<a href="{}">{}</a>{}', url, gettext("view the copy"), note)


class SnapshotAdmin(admin.ModelAdmin[Snapshot]):
    """Every capture, read-only: snapshots are made by the worker and the commands."""

    list_display = ["source", "captured_at", "outcome", "http_status", "trigger", "attempt"]
    list_filter = ["outcome", "trigger"]
    list_select_related = ["source"]
    search_fields = ["source__key", "url", "final_url", "sha256"]
    date_hierarchy = "captured_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Snapshot | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Snapshot | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        copy = path(
            "<int:pk>/copy/",
            self.admin_site.admin_view(self.copy_view),
            name="archive_snapshot_copy",
        )
        return [copy, *super().get_urls()]

    def copy_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The stored answer of any snapshot, private or not, for staff who may view them."""
        if not self.has_view_permission(request):
            raise Http404
        snapshot = get_object_or_404(Snapshot.objects.exclude(warc_file=""), pk=pk)
        with storages["snapshots"].open(snapshot.warc_file) as warc:
            return copy_response(snapshot, warc.read())
