"""Forms of the evidence pages."""

from __future__ import annotations

from django import forms

from openaims.accounts.models import User
from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.evidence.choices import EvidenceKind
from openaims.evidence.filetypes import ALLOWED_EXTENSIONS
from openaims.evidence.models import Evidence
from openaims.evidence.storage import human_size, max_upload_bytes
from openaims.inventory.models import AISystem

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _members(actor):
    return User.objects.filter(memberships__organization=actor.organization).order_by("username")


class EvidenceForm(ServiceModelForm):
    """Editing an item: what it is about, its dates, owner and AI systems. Kind and file never change."""

    url = forms.URLField(required=False, max_length=1000, assume_scheme="https", label="URL")

    kind_fields = {
        EvidenceKind.FILE: (),
        EvidenceKind.URL: ("url",),
        EvidenceKind.RECORD: ("record_type", "record_id"),
    }

    class Meta:
        model = Evidence
        fields = [
            "title",
            "description",
            "url",
            "record_type",
            "record_id",
            "collected_on",
            "valid_until",
            "owner",
            "ai_systems",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "collected_on": _DATE,
            "valid_until": _DATE,
            "ai_systems": forms.CheckboxSelectMultiple,
        }
        labels = {"ai_systems": "AI systems"}
        help_texts = {
            "record_type": "As app.model, e.g. inventory.aisystem.",
            "valid_until": "After this day the item counts as expired. Empty: no expiry.",
        }

    def __init__(self, *args, actor, kind: str | None = None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _members(actor)
        self.fields["collected_on"].required = False
        self.fields["collected_on"].help_text = "Empty: today."
        self.fields["ai_systems"].queryset = AISystem.objects.filter(organization=actor.organization).order_by("name")
        if kind is not None:  # editing: only the fields of this item's kind
            kept = set(self.kind_fields.get(kind, ()))
            for name in ("url", "record_type", "record_id"):
                if name not in kept:
                    del self.fields[name]


class EvidenceCreateForm(EvidenceForm):
    """A new item: an uploaded file, a link, or a record of OpenAIMS (sent as multipart)."""

    file = forms.FileField(required=False, help_text="")

    class Meta(EvidenceForm.Meta):
        fields = ["title", "kind", *EvidenceForm.Meta.fields[1:]]
        widgets = {**EvidenceForm.Meta.widgets, "kind": forms.RadioSelect}

    field_order = ["title", "kind", "file", "url", "record_type", "record_id"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["kind"].initial = EvidenceKind.FILE
        accepted = ", ".join(ALLOWED_EXTENSIONS)
        self.fields["file"].help_text = f"Up to {human_size(max_upload_bytes())}. Accepted: {accepted}."
        if actor.user is not None and "owner" not in self.initial:
            self.initial["owner"] = actor.user.pk

    def clean(self):
        cleaned = super().clean()
        kind, upload = cleaned.get("kind"), cleaned.get("file")
        if kind == EvidenceKind.FILE and not upload and "file" not in self.errors:
            self.add_error("file", "Choose the file to upload.")
        if kind and kind != EvidenceKind.FILE and upload:
            self.add_error("file", "Only uploaded-file items take a file; choose that kind or remove the file.")
        return cleaned


class EvidenceFilterForm(FilterForm):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *EvidenceKind.choices], required=False)
    expired = forms.NullBooleanField(
        required=False,
        widget=forms.Select(choices=[("", "Expired or not"), ("true", "Expired"), ("false", "Not expired")]),
    )
    ai_system = forms.ModelChoiceField(queryset=AISystem.objects.none(), required=False, empty_label="Any AI system")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if actor is not None:
            self.fields["ai_system"].queryset = AISystem.objects.filter(organization=actor.organization).order_by(
                "name"
            )
