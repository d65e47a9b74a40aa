"""Forms of the nonconformity pages: the same field names as the models, the API and the CLI."""

from __future__ import annotations

from django import forms

from openaims.accounts.models import User
from openaims.audits.choices import ActionStatus, NonconformitySource, NonconformityStatus, Severity
from openaims.audits.models import CorrectiveAction, Nonconformity
from openaims.base.forms import CommaListField, FilterForm, ServiceModelForm
from openaims.evidence.models import Evidence
from openaims.inventory.models import AISystem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _members(actor):
    return User.objects.filter(memberships__organization=actor.organization).order_by("username")


def _choices(label: str, choices) -> list:
    return [("", label), *choices]


def _yes_no(label: str, yes: str, no: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        required=False, label=label, widget=forms.Select(choices=[("", "Any"), ("true", yes), ("false", no)])
    )


class NonconformityForm(ServiceModelForm):
    requirement_ids = CommaListField(
        required=False,
        label="Requirements",
        help_text="ISO/IEC 42001 clause, requirement or Annex A control ids, separated by commas (e.g. 9.1, A.6.2.6).",
    )

    class Meta:
        model = Nonconformity
        fields = [
            "title",
            "description",
            "source",
            "severity",
            "ai_system",
            "requirement_ids",
            "owner",
            "detected_on",
            "due_date",
            "evidence",
        ]
        widgets = {
            "detected_on": DATE,
            "due_date": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _members(actor)
        self.fields["ai_system"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=actor.organization)
        self.fields["detected_on"].required = False
        self.fields["detected_on"].help_text = "Default: today."

    def to_service(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("detected_on"):
            data.pop("detected_on", None)
        return data


class NonconformityFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", NonconformityStatus.choices), required=False)
    source = forms.ChoiceField(choices=_choices("Any source", NonconformitySource.choices), required=False)
    severity = forms.ChoiceField(choices=_choices("Any severity", Severity.choices), required=False)
    ai_system_id = forms.ChoiceField(required=False, label="AI system")
    closed = _yes_no("Open or closed", "Closed", "Open")
    overdue = _yes_no("Due date", "Overdue", "Not overdue")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        systems = AISystem.objects.filter(organization=actor.organization).values_list("pk", "name")
        self.fields["ai_system_id"].choices = _choices("Any AI system", [(str(pk), name) for pk, name in systems])


class NonconformityCloseForm(forms.Form):
    effective = forms.TypedChoiceField(
        choices=[("true", "Effective: the corrective action worked"), ("false", "Not effective: open a follow-up")],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, required=False)
    evidence = forms.ModelMultipleChoiceField(queryset=Evidence.objects.none(), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=organization)
        self.fields[
            "evidence"
        ].help_text = "What shows the fix worked (needed unless a later run of the monitor passed)."


class CorrectiveActionForm(ServiceModelForm):
    class Meta:
        model = CorrectiveAction
        fields = ["nonconformity", "root_cause", "description", "owner", "due_date", "status", "completed_on"]
        widgets = {
            "due_date": DATE,
            "completed_on": DATE,
            "root_cause": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if "nonconformity" in self.fields:
            from openaims.audits.choices import CLOSED_STATUSES

            self.fields["nonconformity"].queryset = Nonconformity.objects.filter(
                organization=actor.organization
            ).exclude(status__in=CLOSED_STATUSES)
        self.fields["owner"].queryset = _members(actor)


class CorrectiveActionEditForm(CorrectiveActionForm):
    class Meta(CorrectiveActionForm.Meta):
        fields = ["root_cause", "description", "owner", "due_date", "status", "completed_on"]


class CorrectiveActionFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ActionStatus.choices), required=False)
    overdue = _yes_no("Due date", "Overdue", "Not overdue")
