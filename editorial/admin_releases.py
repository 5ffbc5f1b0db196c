"""The data releases in the admin: read-only, except that a DOI may be recorded once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from archive.models import Release, ReleaseError
from archive.releases import clean_doi, release_record_doi

RECORD_DOI = "archive.record_release_doi"
FIELDS = [
    "name",
    "created_at",
    "content_at",
    "generation",
    "incidents",
    "estimates",
    "sources",
    "changes",
    "previous",
    "size",
    "sha256",
    "doi",
]


class ReleaseForm(forms.ModelForm):
    class Meta:
        model = Release
        fields = ["doi"]

    def clean_doi(self) -> str:
        doi = str(self.cleaned_data.get("doi") or "")
        if not doi.strip():
            return ""
        try:
            return clean_doi(doi)
        except ReleaseError as refusal:
            raise forms.ValidationError(str(refusal)) from refusal


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    form = ReleaseForm
    list_display = ["name", "content_at", "incidents", "estimates", "changes", "size", "doi"]
    fields = tuple(FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Release | None = None) -> list[str]:
        if obj is not None and not obj.doi and request.user.has_perm(RECORD_DOI):
            return [field for field in FIELDS if field != "doi"]
        return FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made by `manage.py make_release`

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm(RECORD_DOI)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Release, form: Any, change: bool) -> None:
        doi = form.cleaned_data.get("doi", "")
        if doi:
            release_record_doi(release=obj, doi=doi)
