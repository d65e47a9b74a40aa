"""Forms of the internal audit and improvement pages: the same field names as the models, the API and the CLI."""

from __future__ import annotations

from django import forms

from openaims.audits.choices import (
    AuditFinding,
    AuditFrequency,
    ImprovementSource,
    ImprovementStatus,
    InternalAuditStatus,
)
from openaims.audits.forms import DATE, _choices, _members, _yes_no
from openaims.audits.models import AuditProgramme, Improvement, InternalAudit
from openaims.base.forms import CommaListField, FilterForm, ServiceModelForm
from openaims.evidence.models import Evidence
from openaims.inventory.models import AISystem


class AuditProgrammeForm(ServiceModelForm):
    class Meta:
        model = AuditProgramme
        fields = ["name", "objectives", "frequency", "methods", "responsibilities", "criteria"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields[1:] if name != "frequency"}


class AuditProgrammeFilterForm(FilterForm):
    frequency = forms.ChoiceField(choices=_choices("Any frequency", AuditFrequency.choices), required=False)


class InternalAuditForm(ServiceModelForm):
    clause_ids = CommaListField(
        required=False, label="Clauses", help_text="ISO/IEC 42001 clause or requirement ids, e.g. 9.2, 6.1.3."
    )
    control_ids = CommaListField(
        required=False, label="Annex A controls", help_text="Annex A control ids, e.g. A.6.2.6, A.7.4."
    )

    class Meta:
        model = InternalAudit
        fields = [
            "title",
            "programme",
            "clause_ids",
            "control_ids",
            "ai_systems",
            "criteria",
            "lead_auditor",
            "team",
            "planned_start",
            "planned_end",
        ]
        widgets = {"planned_start": DATE, "planned_end": DATE, "criteria": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["programme"].queryset = AuditProgramme.objects.filter(organization=actor.organization)
        self.fields["ai_systems"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields["lead_auditor"].queryset = _members(actor)
        self.fields["team"].queryset = _members(actor)


class InternalAuditFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", InternalAuditStatus.choices), required=False)
    due = _yes_no("Due", "Due (not started)", "Not due")


class InternalAuditSampleForm(forms.Form):
    size = forms.IntegerField(min_value=1, max_value=1000)
    seed = forms.IntegerField(min_value=0, max_value=2**63 - 1)


class InternalAuditReportForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class AuditFindingForm(forms.Form):
    finding = forms.ChoiceField(choices=AuditFinding.choices)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000, required=False)
    evidence = forms.ModelMultipleChoiceField(queryset=Evidence.objects.none(), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=organization)


class ImprovementForm(ServiceModelForm):
    class Meta:
        model = Improvement
        fields = ["title", "description", "source", "owner", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _members(actor)


class ImprovementFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ImprovementStatus.choices), required=False)
    source = forms.ChoiceField(choices=_choices("Any source", ImprovementSource.choices), required=False)
