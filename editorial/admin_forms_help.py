"""The long incident form made navigable and safe to work in: a summary of every error at the
top, linked to its field (inside the estimates too); a read-back of the EDTF date as the
server stores it; and a local copy of the form for the editor's browser to recover.

The local copy (static/editorial/form-autosave.js) never reaches the server by itself: it is
put back into the form only when the editor chooses to, and is saved like any other input,
through the same lock and the same four-eyes rules. A successful save tells the browser to
forget it, with a short-lived cookie naming the form (``SAVED_COOKIE``), since the page after
a save is another page (the list, the next form, the preview).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_safe

from archive.dates import describe_date, parse_date_range
from archive.models import IncidentVersion

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _Admin = ModelAdmin[IncidentVersion]
else:
    _Admin = object

SAVED_COOKIE = "editorial_form_saved"


@dataclass(frozen=True)
class ErrorLink:
    """One line of the error summary: what is wrong, and the element to go to."""

    text: str
    target: str  # an element id
    inline: str = ""  # the id of the inline form it is in, for its heading's badge
    group: str = ""  # the id of the inline group


def error_summary(adminform: Any, inline_admin_formsets: list[Any]) -> list[ErrorLink]:
    """Every error of a refused save, in the order of the page. An error of the whole form
    (an edit conflict) has no field to go to: its target is empty."""
    if adminform is None:
        return []
    form = adminform.form
    links = [ErrorLink(str(message), "") for message in form.non_field_errors()]
    links += [ErrorLink(f"{label}: {message}", target) for label, message, target in _errors(form)]
    for inline_admin_formset in inline_admin_formsets:
        formset = inline_admin_formset.formset
        noun = capfirst(formset.model._meta.verbose_name)
        group = f"{formset.prefix}-group"
        links += [
            ErrorLink(f"{capfirst(formset.model._meta.verbose_name_plural)}: {message}", group)
            for message in formset.non_form_errors()
        ]
        for index, inline_form in enumerate(formset.forms):
            if not inline_form.errors:
                continue
            inline_id, owner = f"{formset.prefix}-{index}", f"{noun} {index + 1}"
            links += [
                ErrorLink(f"{owner}: {message}", inline_id, inline_id, group)
                for message in inline_form.non_field_errors()
            ]
            for label, message, target in _errors(inline_form):
                # "Estimate 3: Low (5,000) is above high (300)…" rather than "Low: Low (…"
                said = message if message.lower().startswith(label.lower()) else ""
                text = f"{owner}: {said}" if said else f"{owner}, {label}: {message}"
                links.append(ErrorLink(text, target, inline_id, group))
    return links


def _errors(form: forms.BaseForm) -> list[tuple[str, str, str]]:
    """(label, message, id of the element to focus) for each error of each field."""
    found = []
    for name, field in form.fields.items():
        if name not in form.errors:
            continue
        bound = form[name]
        if field.widget.is_hidden:
            label, target = capfirst(name.replace("_", " ")), ""
        else:
            label = str(bound.label)
            # A group of checkboxes has no single label target: go to its first box.
            target = bound.id_for_label or f"{bound.auto_id}_0"
        found += [(label, str(message), target) for message in form.errors[name]]
    return found


class EDTFDateInput(forms.TextInput):
    """A date in EDTF with, beside it, what it means and the days stored for it. The text is
    rendered with the page and refreshed while typing from ``read_back_url``."""

    template_name = "editorial/widgets/edtf_date.html"

    def __init__(self, read_back_url: str = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.read_back_url = read_back_url

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        element_id = widget["attrs"].get("id") or f"id_{name}"
        widget["read_back_id"] = f"{element_id}_readback"
        widget["attrs"]["aria-describedby"] = f"{element_id}_helptext {element_id}_readback"
        widget["read_back_url"] = self.read_back_url
        widget["read_back"] = read_back(value or "")
        return context


def read_back(value: str) -> str:
    """The read-back of a valid date, else nothing (the field's own error says why)."""
    try:
        return describe_date(value) if value.strip() else ""
    except ValidationError:
        return ""


def autosave_key(request: HttpRequest, opts: Any, object_id: object | None) -> str:
    """The name of a form's local copy: one per form and editor in a browser."""
    return f"{opts.app_label}.{opts.model_name}:{object_id or 'new'}:{request.user.pk}"


class FormHelpMixin(_Admin):
    """Added to ``IncidentVersionAdmin``: the error summary, the date read-back and the
    local copy of the change form."""

    def get_urls(self) -> list[Any]:
        return [
            path(
                "date-read-back/",
                self.admin_site.admin_view(self.date_read_back_view),
                name="version_date_read_back",
            ),
            *super().get_urls(),
        ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "date":
            kwargs["widget"] = EDTFDateInput(reverse("admin:version_date_read_back"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        context["error_summary"] = error_summary(
            context.get("adminform"), context.get("inline_admin_formsets", [])
        )
        context["autosave_key"] = autosave_key(request, self.opts, obj.pk if obj else None)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        response = super().response_add(request, obj, post_url_continue)
        return _forget_local_copy(response, autosave_key(request, self.opts, None))

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        response = super().response_change(request, obj)
        return _forget_local_copy(response, autosave_key(request, self.opts, obj.pk))

    def date_read_back_view(self, request: HttpRequest) -> HttpResponse:
        """GET ?date=<EDTF>: what the date means and the days the server would store."""
        return _date_read_back(request, self)


@require_safe
def _date_read_back(request: HttpRequest, model_admin: Any) -> HttpResponse:
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    text = request.GET.get("date", "")
    try:
        span = parse_date_range(text)
    except ValidationError as refusal:
        return JsonResponse({"error": refusal.messages[0]}, status=400)
    return JsonResponse(
        {
            "text": describe_date(text),
            "earliest": span.earliest.isoformat(),
            "latest": span.latest.isoformat(),
        }
    )


def _forget_local_copy(response: Any, key: str) -> Any:
    # Read by the next admin page the browser shows, which deletes the local copy and this.
    response.set_cookie(SAVED_COOKIE, key, max_age=300, samesite="Lax", path="/")
    return response
