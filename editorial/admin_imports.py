"""The admin's import: a streamed dry run as a preview, then a confirm bound to that preview.

django-import-export's own flow reads each upload whole (twice), keeps it in a temporary
file and imports whichever file name the confirm form posts back. Here each step reads the
file once, in chunks, as the command line does (``editorial.imports``), and the confirm step
imports only the upload that its signed token names (``editorial.previews``).
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from import_export import fields
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX, Format
from import_export.forms import ImportForm, SelectableFieldsExportForm
from import_export.results import RowResult
from import_export.signals import post_import

from archive.models import IncidentVersion
from archive.sizes import size_text
from editorial.admin_actions import submit_form_fields
from editorial.admin_base import AdminMixin, signed_in
from editorial.import_base import ArchiveResource
from editorial.imports import ImportFailed, ImportOutcome, file_import
from editorial.models import Channel
from editorial.previews import (
    Preview,
    PreviewRefused,
    preview_open,
    preview_store,
    preview_token,
    previews_expire,
)
from editorial.tabular import UploadRefused
from editorial.uploads import REFUSAL_ATTRIBUTE, import_format, open_import

PREVIEW_ROWS = 1000  # rows of each kind the preview lists; its totals count them all
DONE_SALT = "editorial.admin_imports.done"


class ArchiveImportForm(ImportForm):
    """A CSV (UTF-8) or XLSX file within the size limit; its rows are read by the preview.
    The format is the file's own, read from its name: there is nothing to choose."""

    def __init__(
        self, formats: list[type[Format]], resources: list[type[Any]], **kwargs: Any
    ) -> None:
        super().__init__(formats, resources, **kwargs)
        del self.fields["format"]
        self.fields["import_file"].widget.attrs.pop("class", None)  # the library's guesser's
        self.fields["import_file"].help_text = _(
            "A CSV (UTF-8) or XLSX file, read as its name ends (.csv or .xlsx)."
        )

    @property
    def media(self) -> forms.Media:
        return forms.Media()  # the library's script guesses the format field we do without

    def clean_import_file(self) -> UploadedFile:
        upload = self.cleaned_data["import_file"]
        try:
            import_format(upload.name)
        except UploadRefused as refusal:
            raise forms.ValidationError(str(refusal)) from None
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                gettext(
                    "“{name}” is {size}; the limit is {limit}. Split it into smaller files."
                ).format(
                    name=upload.name,
                    size=size_text(upload.size),
                    limit=size_text(settings.IMPORT_MAX_BYTES),
                )
            )
        return upload


class ConfirmImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


class ArchiveExportForm(SelectableFieldsExportForm):
    """The format (CSV unless another is chosen), for versioned content whether only what
    the public site shows, and the columns (all unless some are left out)."""

    published_only = forms.BooleanField(
        required=False,
        label=_("Published only"),
        help_text=_(
            "Only what the public site shows: each incident's published version, even "
            "where a draft is open. Without it, each incident's draft if it has one, else its "
            "published version: the file to edit and import back."
        ),
    )

    def __init__(
        self, formats: list[type[Format]], resources: list[type[Any]], **kwargs: Any
    ) -> None:
        super().__init__(formats, resources, **kwargs)
        chosen = self.fields["format"]
        assert isinstance(chosen, forms.ChoiceField)
        chosen.choices = [(str(n), format().get_title()) for n, format in enumerate(formats)]
        chosen.initial = "0"
        if all(resource.version_path is None for resource in resources):
            del self.fields["published_only"]
        # What to export and how before the long list of columns.
        self.order_fields(["resource", "format", "published_only"])


# types-django-import-export declares the mixins' model an instance and their change list
# template unlike ModelAdmin's; at run time both are the ModelAdmin's own.
class DataAdminMixin(ImportExportMixin, AdminMixin):  # type: ignore[misc]
    """Import with a dry-run preview, then confirm; export. Each needs its own permission."""

    model: type[Model]  # type: ignore[assignment]  # the admin's model class

    formats = [CSV, XLSX]
    import_form_class = ArchiveImportForm
    confirm_form_class = ConfirmImportForm
    export_form_class = ArchiveExportForm
    import_template_name = "admin/editorial/import.html"
    import_done_template_name = "admin/editorial/import_done.html"
    skip_admin_log = True  # the archive writes its own history entries

    def get_urls(self) -> list[URLPattern]:
        app_label, model_name = self.get_model_info()
        done = path(
            "import/done/",
            self.admin_site.admin_view(self.import_done),
            name=f"{app_label}_{model_name}_import_done",
        )
        return [done, *super().get_urls()]

    def export_form(self, request: HttpRequest, **kwargs: Any) -> ArchiveExportForm:
        # get_export_formats gives the format classes; the stubs call them instances.
        formats = cast(list[type[Format]], self.get_export_formats())
        resources = cast(list[type[Any]], self.get_export_resource_classes(request))
        return ArchiveExportForm(formats, resources, **kwargs)

    def get_valid_export_item_pks(self, request: HttpRequest) -> list[str]:
        """The records chosen in the list that this user may see (the library's default
        reads every key of the table)."""
        chosen = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        found = self.get_queryset(request).filter(pk__in=chosen).values_list("pk", flat=True)
        return [str(pk) for pk in found]

    def get_data_for_export(
        self, request: HttpRequest, queryset: QuerySet[Any], **kwargs: Any
    ) -> tablib.Dataset:
        """Versioned content is exported per incident: from a list of versions, the incidents
        listed (or chosen), each by its current version (or its published one), as incidents,
        figures or citations."""
        form = kwargs.get("export_form")
        resource_class = self.choose_export_resource_class(form, request)  # type: ignore[arg-type]
        kwargs["published_only"] = bool(
            form is not None and form.is_valid() and form.cleaned_data.get("published_only")
        )
        version_path = getattr(resource_class, "version_path", None)
        if version_path is not None and self.model is IncidentVersion:
            prefix = f"{version_path}__" if version_path else ""
            model = cast(type[Model], resource_class._meta.model)
            queryset = model._default_manager.filter(
                **{f"{prefix}incident__in": queryset.values("incident")}
            )
        return super().get_data_for_export(request, queryset, **kwargs)

    def import_action(self, request: HttpRequest, **kwargs: Any) -> TemplateResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        previews_expire()
        form = self.create_import_form(request)
        context: dict[str, Any] = {}
        if request.method == "POST":
            valid = form.is_valid()
            refusal = getattr(request, REFUSAL_ATTRIBUTE, None)  # UploadLimitHandler's
            if refusal:
                form.errors["import_file"] = form.error_class([refusal])
            elif valid:
                context = self.preview(request, form)
        return self.import_page(request, form, context)

    def preview(self, request: HttpRequest, form: forms.Form) -> dict[str, Any]:
        """A dry run of the whole file: the page lists its first rows and every total, or
        its errors. The file is kept for the confirm step only when it would import."""
        upload = form.cleaned_data["import_file"]
        try:
            preview = preview_store(
                upload=upload,
                format_name=import_format(upload.name),
                resource=int(form.cleaned_data.get("resource") or 0),
            )
        except UploadRefused as refusal:
            form.add_error("import_file", str(refusal))
            return {}
        try:
            outcome = self.run_import(request, preview, dry_run=True)
        except UploadRefused as refusal:
            preview.discard()
            form.add_error("import_file", str(refusal))
            return {}
        except ImportFailed as failure:
            preview.discard()
            return {"import_errors": failure.lines}
        except BaseException:
            preview.discard()
            raise
        if not outcome.changes:  # nothing to confirm: the file matches the archive
            preview.discard()
            return {"outcome": outcome}
        token = preview_token(preview, request=request, model=self.model)
        return {"outcome": outcome, "confirm_form": ConfirmImportForm(initial={"token": token})}

    @method_decorator(require_POST)
    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        previews_expire()
        try:
            preview = preview_open(request.POST.get("token", ""), request=request, model=self.model)
        except PreviewRefused as refusal:
            return self.import_page(
                request, self.blank_form(request), {"refusal": str(refusal)}, status=400
            )
        try:
            outcome = self.run_import(request, preview, dry_run=False)
        except (UploadRefused, ImportFailed) as failure:
            lines = failure.lines if isinstance(failure, ImportFailed) else [str(failure)]
            message = gettext(
                "Nothing was imported: the file no longer imports as its preview showed."
            )
            context = {"refusal": message, "import_errors": lines}
            return self.import_page(request, self.blank_form(request), context)
        finally:
            preview.discard()
        self.report(request, outcome)
        post_import.send(sender=None, model=self.model)
        app_label, model_name = self.get_model_info()
        if outcome.drafts:
            done = reverse(f"admin:{app_label}_{model_name}_import_done")
            token = signing.dumps(outcome.drafts, salt=DONE_SALT, compress=True)
            return HttpResponseRedirect(f"{done}?{urlencode({'drafts': token})}")
        changelist = f"admin:{app_label}_{model_name}_changelist"
        return HttpResponseRedirect(reverse(changelist, current_app=self.admin_site.name))

    def import_done(self, request: HttpRequest) -> HttpResponse:
        """After a confirmed import: the drafts it opened or changed, each linked, and one
        button to submit those still in draft for review."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            ids = signing.loads(request.GET.get("drafts", ""), salt=DONE_SALT)
        except signing.BadSignature:
            ids = []
        versions = list(
            IncidentVersion.objects.filter(pk__in=[int(pk) for pk in ids])
            .select_related("incident")
            .order_by("incident__slug")
        )
        editable = [version for version in versions if version.is_editable]
        listed = ",".join(str(version.pk) for version in versions)
        changelist = reverse("admin:archive_incidentversion_changelist")
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            [self.import_done_template_name],
            {
                **self.admin_site.each_context(request),
                "title": gettext("Imported: drafts to submit"),
                "opts": self.model._meta,
                "versions": versions,
                "editable": editable,
                "submit_url": f"{changelist}?{urlencode({'id__in': listed})}",
                "submit": submit_form_fields(editable),
            },
        )

    def resource(self, request: HttpRequest, index: int) -> ArchiveResource:
        resource = self.get_import_resource_classes(request)[index](
            **self.get_import_resource_kwargs(request)
        )
        assert isinstance(resource, ArchiveResource)  # every resource of the archive's admin
        return resource

    def run_import(self, request: HttpRequest, preview: Preview, *, dry_run: bool) -> ImportOutcome:
        resource = self.resource(request, preview.resource)
        with open_import(preview.name, preview.open(), preview.format) as chunks:
            return file_import(
                resource=resource,
                chunks=chunks,
                file_name=preview.name,
                dry_run=dry_run,
                user=signed_in(request),
                channel=Channel.IMPORT,
                keep_rows=PREVIEW_ROWS if dry_run else 0,
                list_drafts=not dry_run,
            )

    def report(self, request: HttpRequest, outcome: ImportOutcome) -> None:
        totals = outcome.totals
        messages.success(
            request,
            ngettext(
                # Translators: {records} is the kind of record imported, in the plural
                # ("incidents", "sources"); the counts are of those records. The English keeps
                # "rows" for one row too; use your language's plural forms of "row".
                "Import finished: {new} new, {updated} updated, {unchanged} unchanged "
                "{records} ({rows} rows).",
                "Import finished: {new} new, {updated} updated, {unchanged} unchanged "
                "{records} ({rows} rows).",
                outcome.rows,
            ).format(
                new=f"{totals[RowResult.IMPORT_TYPE_NEW]:,}",
                updated=f"{totals[RowResult.IMPORT_TYPE_UPDATE]:,}",
                unchanged=f"{totals[RowResult.IMPORT_TYPE_SKIP]:,}",
                records=self.model._meta.verbose_name_plural,
                rows=f"{outcome.rows:,}",
            ),
        )
        if outcome.held:
            messages.warning(
                request,
                ngettext(
                    "{count} of these rows change records that published pages show: "
                    "those changes wait for a second person's review (Record changes).",
                    "{count} of these rows change records that published pages show: "
                    "those changes wait for a second person's review (Record changes).",
                    outcome.held,
                ).format(count=f"{outcome.held:,}"),
            )

    def blank_form(self, request: HttpRequest) -> forms.Form:
        # get_import_formats gives the format classes; the stubs call them instances.
        formats = cast(list[type[Format]], self.get_import_formats())
        return ArchiveImportForm(formats, self.get_import_resource_classes(request))

    def import_page(
        self, request: HttpRequest, form: forms.Form, context: dict[str, Any], status: int = 200
    ) -> TemplateResponse:
        resources = [
            self.resource(request, index)
            for index in range(len(self.get_import_resource_classes(request)))
        ]
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            [self.import_template_name],
            {
                **self.admin_site.each_context(request),
                "title": gettext("Import"),
                "form": form,
                "opts": self.model._meta,
                "media": self.media + form.media,
                "fields_list": [
                    (
                        resource.get_display_name(),
                        # The fields themselves; the stubs call them names.
                        [
                            cast(fields.Field, field).column_name
                            for field in resource.get_user_visible_fields()
                        ],
                    )
                    for resource in resources
                ],
                "preview_rows": PREVIEW_ROWS,
                "preview_minutes": settings.IMPORT_PREVIEW_MAX_AGE // 60,
                **context,
            },
            status=status,
        )
