"""Admin forms: the editors' messages say what is wrong and how to put it right."""

from __future__ import annotations

from django import forms
from django.utils.text import slugify

from archive.models import Estimate, Incident, IncidentVersion
from editorial import records, services
from editorial.models import RecordChange


class IncidentVersionForm(forms.ModelForm):
    slug = forms.SlugField(
        max_length=200,
        required=False,
        help_text="Permanent address of the incident, e.g. katyn-massacre. Leave empty to make "
        "one from the title.",
    )
    # The version the editor opened; a save based on an older one is refused (see services).
    seen_lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    editor = None  # the user saving; set by the admin

    class Meta:
        model = IncidentVersion
        fields = [
            "title",
            "summary",
            "description",
            "date",
            "date_text",
            "places",
            "categories",
            "perpetrators",
            "victim_groups",
            "context",
            "related",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["slug"]
            self.fields["seen_lock_version"].initial = self.instance.lock_version
            self.fields["seen_lock_version"].required = True

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            seen = cleaned.get("seen_lock_version")
            if seen is None:
                raise forms.ValidationError(
                    "This form is missing the version you opened: reload the page and edit again."
                )
            try:
                services.version_check_edit(
                    version=self.instance, user=self.editor, seen_lock_version=seen
                )
            except services.WorkflowError as refusal:
                raise forms.ValidationError(str(refusal), code="edit_conflict") from None
        return cleaned

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.data.get("title", ""))[:200]
        if not slug:
            raise forms.ValidationError("Enter a slug, or a title to make one from.")
        if Incident.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                f"An incident with the slug “{slug}” already exists. Choose another, for example "
                f"“{slug}-2” or one that adds the year or place."
            )
        try:
            services.incident_check_slug(slug=slug)
        except services.WorkflowError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return slug


class RecordForm(forms.ModelForm):
    change_note = forms.CharField(
        label="Why this change",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "For the reviewer, and the public correction note when a published page shows "
            "this record."
        ),
    )

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            waiting = RecordChange.objects.pending().of(self.instance).first()
            if waiting is not None:
                raise forms.ValidationError(records.pending_message(waiting))
        return data


class IncidentForm(RecordForm):
    """Renaming an incident: an address that is or was another incident's is refused here, with
    the editor's input kept, before ``services.incident_rename`` is asked."""

    class Meta:
        model = Incident
        fields = ["slug"]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        try:
            services.incident_check_slug(slug=slug, incident=self.instance)
        except services.WorkflowError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return slug


class EstimateForm(forms.ModelForm):
    class Meta:
        model = Estimate
        fields = [
            "measure",
            "qualifier",
            "low",
            "best",
            "high",
            "as_written",
            "ref",
            "claimant",
            "claimant_position",
            "claim_year",
            "assessment",
            "assessment_reason",
            "source",
            "locator",
            "quote",
        ]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 2}),
            "assessment_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ref"].required = False
        self.fields["ref"].help_text = "Stable key; made from the incident and measure if empty."
