"""Forms of the transparency pages: the same field names as the models, the API and the CLI."""

from __future__ import annotations

from django import forms

from openaims.accounts.models import User
from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.evidence.models import Evidence
from openaims.governance.models import InterestedParty
from openaims.inventory.models import AISystem
from openaims.oversight.transparency.choices import CardSection, Frequency
from openaims.oversight.transparency.models import CardSettings, ReportingObligation, ReportingRecord

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(label: str, choices) -> list:
    return [("", label), *choices]


class CardSettingsForm(ServiceModelForm):
    class Meta:
        model = CardSettings
        fields = ["limitations", "foreseeable_misuse", "contact"]
        widgets = {
            "limitations": forms.Textarea(attrs={"rows": 4}),
            "foreseeable_misuse": forms.Textarea(attrs={"rows": 4}),
        }


class PublicationForm(forms.Form):
    """Whether a system is on the trust page and which of its card sections are public."""

    published = forms.BooleanField(required=False, label="Show on the public trust page")
    public_sections = forms.MultipleChoiceField(
        choices=CardSection.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Public sections",
        help_text="The name and the card's date always show; nothing else is public unless ticked.",
    )


class ReportingObligationForm(ServiceModelForm):
    class Meta:
        model = ReportingObligation
        fields = [
            "ai_system",
            "title",
            "description",
            "interested_party",
            "recipient",
            "frequency",
            "first_due_date",
            "owner",
        ]
        widgets = {"first_due_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["ai_system"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields["interested_party"].queryset = InterestedParty.objects.filter(organization=actor.organization)
        self.fields["owner"].queryset = User.objects.filter(memberships__organization=actor.organization).order_by(
            "username"
        )


class ReportingObligationFilterForm(FilterForm):
    ai_system_id = forms.ChoiceField(required=False, label="AI system")
    frequency = forms.ChoiceField(choices=_choices("Any frequency", Frequency.choices), required=False)
    overdue = forms.NullBooleanField(
        required=False,
        label="Due date",
        widget=forms.Select(choices=[("", "Any"), ("true", "Overdue"), ("false", "Not overdue")]),
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        systems = AISystem.objects.filter(organization=actor.organization).values_list("pk", "name")
        self.fields["ai_system_id"].choices = _choices("Any AI system", [(str(pk), name) for pk, name in systems])


class ReportingRecordForm(ServiceModelForm):
    class Meta:
        model = ReportingRecord
        fields = ["obligation", "sent_on", "summary", "evidence"]
        widgets = {"sent_on": DATE, "summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if "obligation" in self.fields:
            self.fields["obligation"].queryset = ReportingObligation.objects.filter(
                organization=actor.organization
            ).select_related("ai_system")
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=actor.organization)
        self.fields["sent_on"].required = False
        self.fields["sent_on"].help_text = "Default: today."

    def to_service(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("sent_on"):
            data.pop("sent_on", None)
        return data


class ReportingRecordEditForm(ReportingRecordForm):
    class Meta(ReportingRecordForm.Meta):
        fields = ["sent_on", "summary", "evidence"]


class ReportingRecordFilterForm(FilterForm):
    pass
