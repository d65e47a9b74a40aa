"""Forms of the governance pages: the same field names as the models and the API."""

from __future__ import annotations

from django import forms

from openaims.accounts.models import Membership, User
from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.base.schemas import _FORBIDDEN
from openaims.governance.choices import (
    DocumentType,
    IssueCategory,
    IssueOrigin,
    ObjectiveStatus,
    PartyKind,
    ScopeStatus,
    VersionStatus,
)
from openaims.governance.models import (
    AIMSRole,
    AIObjective,
    CompetenceRecord,
    ContextIssue,
    Document,
    DocumentVersion,
    InterestedParty,
    ScopeStatement,
)
from openaims.inventory.models import AISystem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _members(actor):
    return User.objects.filter(memberships__organization=actor.organization).order_by("username")


def _ai_systems(actor):
    return AISystem.objects.filter(organization=actor.organization)


def _choices(label: str, choices) -> list:
    return [("", label), *choices]


def _yes_no(label: str, yes: str, no: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        required=False, label=label, widget=forms.Select(choices=[("", "Any"), ("true", yes), ("false", no)])
    )


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


class ScopeStatementForm(ServiceModelForm):
    class Meta:
        model = ScopeStatement
        fields = [
            "version",
            "statement",
            "organizational_units",
            "sites",
            "lifecycle_activities",
            "exclusions",
            "interfaces",
        ]
        widgets = {
            "statement": _rows(4),
            "organizational_units": _rows(2),
            "sites": _rows(2),
            "lifecycle_activities": _rows(2),
            "exclusions": _rows(3),
            "interfaces": _rows(3),
        }


class ScopeStatementFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ScopeStatus.choices), required=False)


class ContextIssueForm(ServiceModelForm):
    class Meta:
        model = ContextIssue
        fields = ["title", "origin", "category", "description", "effect_on_aims", "next_review_date"]
        widgets = {"description": _rows(3), "effect_on_aims": _rows(3), "next_review_date": DATE}


class ContextIssueFilterForm(FilterForm):
    origin = forms.ChoiceField(choices=_choices("Internal or external", IssueOrigin.choices), required=False)
    category = forms.ChoiceField(choices=_choices("Any category", IssueCategory.choices), required=False)
    review_overdue = _yes_no("Review overdue", "Overdue", "Not overdue")


class InterestedPartyForm(ServiceModelForm):
    class Meta:
        model = InterestedParty
        fields = [
            "name",
            "kind",
            "needs_and_expectations",
            "compliance_obligation",
            "how_addressed",
            "next_review_date",
        ]
        widgets = {"needs_and_expectations": _rows(3), "how_addressed": _rows(3), "next_review_date": DATE}


class InterestedPartyFilterForm(FilterForm):
    kind = forms.ChoiceField(choices=_choices("Any kind", PartyKind.choices), required=False)
    compliance_obligation = _yes_no("Compliance obligation", "Yes", "No")
    review_overdue = _yes_no("Review overdue", "Overdue", "Not overdue")


class DocumentForm(ServiceModelForm):
    class Meta:
        model = Document
        fields = ["title", "document_type", "owner", "next_review_date"]
        widgets = {"next_review_date": DATE}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _members(actor)


class DocumentFilterForm(FilterForm):
    document_type = forms.ChoiceField(choices=_choices("Any type", DocumentType.choices), required=False)
    status = forms.ChoiceField(choices=_choices("Any status", VersionStatus.choices), required=False)
    review_overdue = _yes_no("Review overdue", "Overdue", "Not overdue")


class DocumentVersionForm(ServiceModelForm):
    link = forms.URLField(
        required=False, max_length=1000, assume_scheme="https", help_text="Where the full document lives."
    )

    class Meta:
        model = DocumentVersion
        fields = ["document", "number", "content", "link", "change_note", "effective_date"]
        widgets = {"content": _rows(8), "change_note": _rows(2), "effective_date": DATE}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if "document" in self.fields:
            self.fields["document"].queryset = Document.objects.filter(organization=actor.organization)


class DocumentVersionEditForm(DocumentVersionForm):
    """A version stays with its document."""

    class Meta(DocumentVersionForm.Meta):
        fields = DocumentVersionForm.Meta.fields[1:]


class DocumentVersionFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", VersionStatus.choices), required=False)


class VersionTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=VersionStatus.choices)
    note = forms.CharField(required=False, max_length=20000, widget=_rows(2))

    def clean_note(self) -> str:
        if _FORBIDDEN.search(self.cleaned_data["note"]):
            raise forms.ValidationError("Must not contain NUL or other control characters.")
        return self.cleaned_data["note"]


class AIMSRoleForm(ServiceModelForm):
    class Meta:
        model = AIMSRole
        fields = ["name", "responsibilities", "authority", "holders", "ai_systems"]
        widgets = {
            "responsibilities": _rows(4),
            "authority": _rows(2),
            "holders": forms.CheckboxSelectMultiple,
            "ai_systems": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["holders"].queryset = Membership.objects.filter(organization=actor.organization).select_related(
            "user"
        )
        self.fields["ai_systems"].queryset = _ai_systems(actor)


class AIMSRoleFilterForm(FilterForm):
    """Search only."""


class AIObjectiveForm(ServiceModelForm):
    class Meta:
        model = AIObjective
        fields = [
            "objective",
            "metric",
            "target_value",
            "unit",
            "owner",
            "due_date",
            "status",
            "ai_systems",
            "monitoring",
        ]
        widgets = {"due_date": DATE, "ai_systems": forms.CheckboxSelectMultiple, "monitoring": _rows(3)}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _members(actor)
        self.fields["ai_systems"].queryset = _ai_systems(actor)


class AIObjectiveFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ObjectiveStatus.choices), required=False)


class CompetenceRecordForm(ServiceModelForm):
    class Meta:
        model = CompetenceRecord
        fields = ["member", "competence", "completed_on", "valid_until", "evidence_reference", "notes"]
        widgets = {"completed_on": DATE, "valid_until": DATE, "notes": _rows(3)}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["member"].queryset = _members(actor)


class CompetenceRecordFilterForm(FilterForm):
    expired = _yes_no("Expired", "Expired", "Valid")
