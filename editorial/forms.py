"""Admin forms: the editors' messages say what is wrong and how to put it right."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from archive.estimates import relation_errors
from archive.models import Estimate, Incident, IncidentVersion
from editorial import records, services
from editorial.models import RecordChange


class IncidentVersionForm(forms.ModelForm):
    slug = forms.SlugField(
        max_length=200,
        required=False,
        help_text=_(
            "Permanent address of the incident, e.g. katyn-massacre. Leave empty to make "
            "one from the title."
        ),
    )
    # The version the editor opened; a save based on an older one is refused (see services).
    seen_lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    editor: User | None = None  # the user saving; set by the admin (get_form)

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["slug"]
            self.fields["seen_lock_version"].initial = self.instance.lock_version
            self.fields["seen_lock_version"].required = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk:
            seen = cleaned.get("seen_lock_version")
            if seen is None:
                raise forms.ValidationError(
                    gettext(
                        "This form is missing the version you opened: reload the page and edit "
                        "again."
                    )
                )
            assert self.editor is not None  # an edit is saved through the admin, which sets it
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
            raise forms.ValidationError(gettext("Enter a slug, or a title to make one from."))
        if Incident.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                gettext(
                    "An incident with the slug “{slug}” already exists. Choose another, for "
                    "example “{slug}-2” or one that adds the year or place."
                ).format(slug=slug)
            )
        try:
            services.incident_check_slug(slug=slug)
        except services.WorkflowError as refusal:
            raise forms.ValidationError(str(refusal)) from None
        return slug


class RecordForm(forms.ModelForm):
    change_note = forms.CharField(
        label=_("Why this change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For the reviewer, and the public correction note when a published page shows "
            "this record."
        ),
    )

    def clean(self) -> dict[str, Any] | None:
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


class RefInput(forms.TextInput):
    """A ref of another figure of the same version, typed or picked from the version's
    figures (a ``datalist``: plain text without JavaScript)."""

    template_name = "editorial/widgets/ref_input.html"

    def __init__(
        self, figures: list[tuple[str, str]] | None = None, attrs: dict[str, Any] | None = None
    ) -> None:
        super().__init__(attrs)
        self.figures = figures or []

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id') or name}-figures"
        context["widget"]["attrs"]["list"] = list_id
        context["widget"]["list_id"] = list_id
        context["widget"]["figures"] = self.figures
        return context


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
            "scope",
            "part_of",
            "share_low",
            "share_high",
            "share_of",
            "per",
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
            "part_of": RefInput(),
            "share_of": RefInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ref"].required = False
        self.fields["ref"].help_text = gettext(
            "Stable key; made from the incident and measure if empty. Type one to make this "
            "figure the whole of a part, or the base of a share, in the same save."
        )
        for name in ("share_low", "share_high"):
            self.fields[name].widget.attrs.update({"min": 0, "max": 100, "step": "0.01"})

    def clean_ref(self) -> str | None:
        # None, not "": new figures without a ref are not duplicates of one another (the
        # formset's unique check skips None); the admin makes their refs when it saves.
        return self.cleaned_data["ref"] or None


class EstimateFormSet(forms.BaseInlineFormSet):
    """Parts and shares are checked against the version's other figures, as the import and
    the workflow check them, and each error is shown on the figure it concerns."""

    def clean(self) -> None:
        super().clean()
        if any(form.errors for form in self.forms):
            return  # each figure's own errors first
        kept_forms = [
            form
            for form in self.forms
            if form.has_changed() or form.instance.pk
            # _should_delete_form: BaseFormSet's own test, absent from django-stubs
            if not (self.can_delete and self._should_delete_form(form))  # type: ignore[attr-defined]
        ]
        figures: list[Estimate] = []
        form_of: dict[str, forms.BaseForm] = {}
        made_up: list[Estimate] = []
        for index, form in enumerate(kept_forms):
            estimate = form.instance
            if not estimate.ref:  # a ref is made at save; stand in for it meanwhile
                estimate.ref = gettext("(new figure {number})").format(number=index + 1)
                made_up.append(estimate)
            figures.append(estimate)
            form_of[estimate.ref] = form
        problems = relation_errors(figures)
        for estimate in made_up:
            estimate.ref = ""
        for ref, fields in problems.items():
            for field_name, message in fields.items():
                form_of[ref].add_error(field_name, message)
