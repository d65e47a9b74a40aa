"""Forms of the incident and concern pages: the same field names as the models and the API."""

from __future__ import annotations

from django import forms

from openaims.accounts.choices import Role
from openaims.audits.models import Nonconformity
from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.base.schemas import _FORBIDDEN
from openaims.evidence.models import Evidence
from openaims.inventory.models import AISystem
from openaims.oversight.incidents import services
from openaims.oversight.incidents.choices import (
    ConcernStatus,
    DutyRule,
    IncidentSeverity,
    IncidentStatus,
    SeriousCategory,
)
from openaims.oversight.incidents.models import Concern, Incident, NotificationDuty

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
#: The choice on the public form for a concern about no listed system.
OTHER_SYSTEM = "other"
OTHER_SYSTEM_LABEL = "Another system / not sure"


def _choices(label: str, choices) -> list:
    return [("", label), *choices]


def _yes_no(label: str, yes: str, no: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        required=False, label=label, widget=forms.Select(choices=[("", "Any"), ("true", yes), ("false", no)])
    )


def _refuse_control_characters(form: forms.Form) -> None:
    for name, value in form.cleaned_data.items():
        if isinstance(value, str) and _FORBIDDEN.search(value):
            form.add_error(name, "Must not contain NUL or other control characters.")


class IncidentForm(ServiceModelForm):
    serious_categories = forms.MultipleChoiceField(
        choices=SeriousCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Serious incident categories",
        help_text="EU AI Act Art. 3(49): any of them makes it a serious incident, with notification deadlines.",
    )

    class Meta:
        model = Incident
        fields = [
            "title",
            "ai_system",
            "severity",
            "description",
            "serious_categories",
            "involves_death",
            "widespread_infringement",
            "personal_data_breach",
            "affected_count",
            "affected_description",
            "occurred_at",
            "detected_at",
            "status",
            "containment",
            "nonconformities",
        ]
        widgets = {
            "occurred_at": DATETIME,
            "detected_at": DATETIME,
            "description": forms.Textarea(attrs={"rows": 4}),
            "affected_description": forms.Textarea(attrs={"rows": 2}),
            "containment": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["ai_system"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields["nonconformities"].queryset = Nonconformity.objects.filter(organization=actor.organization)
        self.fields["detected_at"].required = False
        self.fields[
            "detected_at"
        ].help_text = "When the organization became aware (default now): deadlines count from it."

    def to_service(self) -> dict:
        data = dict(self.cleaned_data)
        if not data.get("detected_at"):
            data.pop("detected_at", None)
        data["serious_categories"] = list(data.get("serious_categories") or [])
        return data


class IncidentFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", IncidentStatus.choices), required=False)
    severity = forms.ChoiceField(choices=_choices("Any severity", IncidentSeverity.choices), required=False)
    serious = _yes_no("Serious", "Serious", "Not serious")
    overdue_notification = _yes_no("Notifications", "Overdue", "None overdue")


class TimelineEntryForm(forms.Form):
    what = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), max_length=10000, label="What happened or was done"
    )
    at = forms.DateTimeField(required=False, widget=DATETIME, help_text="Default: now.")

    def clean(self):
        cleaned = super().clean()
        _refuse_control_characters(self)
        return cleaned


class NotificationDutyForm(ServiceModelForm):
    class Meta:
        model = NotificationDuty
        fields = ["incident", "recipient", "legal_basis", "deadline", "reference", "notes", "evidence"]
        widgets = {"deadline": DATETIME, "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if "incident" in self.fields:
            self.fields["incident"].queryset = Incident.objects.filter(organization=actor.organization)
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=actor.organization)


class NotificationDutyEditForm(NotificationDutyForm):
    class Meta(NotificationDutyForm.Meta):
        fields = ["recipient", "legal_basis", "deadline", "reference", "notes", "evidence"]


class NotificationDutyFilterForm(FilterForm):
    rule = forms.ChoiceField(choices=_choices("Any rule", DutyRule.choices), required=False)
    sent = _yes_no("Sent", "Sent", "Not sent")
    overdue = _yes_no("Deadline", "Overdue", "Not overdue")


class MarkSentForm(forms.Form):
    sent_at = forms.DateTimeField(required=False, widget=DATETIME, label="Sent at", help_text="Default: now.")
    reference = forms.CharField(max_length=200, required=False)
    evidence = forms.ModelMultipleChoiceField(queryset=Evidence.objects.none(), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=organization)

    def clean(self):
        cleaned = super().clean()
        _refuse_control_characters(self)
        return cleaned


class ConcernTriageForm(ServiceModelForm):
    class Meta:
        model = Concern
        fields = ["status", "triage_note", "incident", "nonconformity"]
        widgets = {"triage_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["incident"].queryset = Incident.objects.filter(organization=actor.organization)
        self.fields["nonconformity"].queryset = Nonconformity.objects.filter(organization=actor.organization)


class ConcernReplyForm(forms.Form):
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        label="Reply to the reporter",
        help_text="Shown on the reporter's follow-up page (your name is not).",
    )

    def clean(self):
        cleaned = super().clean()
        _refuse_control_characters(self)
        return cleaned


class ConcernFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ConcernStatus.choices), required=False)


class ConcernSettingsForm(forms.Form):
    triage_role = forms.ChoiceField(
        choices=[(r, Role(r).label) for r in services.TRIAGE_ROLE_CHOICES],
        label="Role that triages concerns",
        help_text="Owners and admins always may.",
    )


# --- The public form -------------------------------------------------------------------------------------------


class ConcernReportForm(forms.Form):
    """The public form: which AI system, the concern, and a contact only if the reporter wants to give one."""

    ai_system = forms.ChoiceField(
        label="AI system",
        help_text="The systems listed are those the organization describes publicly; choose "
        f"“{OTHER_SYSTEM_LABEL.lower()}” for any other.",
        error_messages={
            "required": f"Choose the AI system, or “{OTHER_SYSTEM_LABEL.lower()}”.",
            "invalid_choice": f"Choose one of the listed AI systems, or “{OTHER_SYSTEM_LABEL.lower()}”.",
        },
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=services.MAX_CONCERN_LENGTH,
        label="Your concern",
        help_text="What happened, or what worries you. Please do not include other people's personal data.",
    )
    contact = forms.CharField(
        max_length=services.MAX_CONTACT_LENGTH,
        required=False,
        label="Contact (optional)",
        help_text="Only if you want us to reach you. Leave empty to stay anonymous: you can still follow up with "
        "the code you get.",
    )

    def __init__(self, *args, systems, **kwargs):
        """``systems``: the published systems only (:func:`~openaims.oversight.incidents.selectors.reportable_systems`);
        nothing is chosen until the reporter chooses."""
        super().__init__(*args, **kwargs)
        self.fields["ai_system"].choices = [
            ("", "Choose…"),
            *((str(pk), name) for pk, name in systems.values_list("pk", "name")),
            (OTHER_SYSTEM, OTHER_SYSTEM_LABEL),
        ]

    def clean(self):
        cleaned = super().clean()
        _refuse_control_characters(self)
        return cleaned

    def to_service(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("ai_system") == OTHER_SYSTEM:
            data["ai_system"] = None
        return data


class FollowUpForm(forms.Form):
    code = forms.CharField(
        max_length=200,
        label="Follow-up code",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
