"""Forms of the external audit pages: the same field names as the models, the API and the CLI."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.models import User
from openaims.base.forms import CommaListField, FilterForm, ServiceModelForm
from openaims.base.selectors import scoped
from openaims.evidence.models import Evidence
from openaims.external_audit.choices import EvidenceRequestStatus, InvitationStatus
from openaims.external_audit.models import EvidenceRequest
from openaims.inventory.models import AISystem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in the server's time zone: an access "until 2027-03-31" lasts that whole day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def answering_members(actor):
    """Members who may own a request (guest auditors ask, they do not answer)."""
    return (
        User.objects.filter(memberships__organization=actor.organization)
        .exclude(memberships__organization=actor.organization, memberships__role=Role.GUEST_AUDITOR)
        .order_by("username")
    )


class GuestInvitationForm(forms.Form):
    """Invite an external auditor until a date, to the whole organization or some AI systems and frameworks."""

    email = forms.EmailField(label="E-mail")
    name = forms.CharField(max_length=200)
    firm = forms.CharField(max_length=200, label="Certification body", help_text="The auditor's firm.")
    expires_on = forms.DateField(
        widget=DATE, label="Access until", help_text="The access lapses at the end of this day (at most 180 days)."
    )
    scope_systems = forms.ModelMultipleChoiceField(
        queryset=AISystem.objects.none(),
        required=False,
        label="AI systems in scope",
        help_text="None chosen: the whole organization.",
    )
    scope_frameworks = CommaListField(
        required=False, label="Frameworks in scope", help_text="Catalog ids, e.g. iso42001; empty: all frameworks."
    )

    def __init__(self, *args, actor, **kwargs):
        self.actor = actor
        super().__init__(*args, **kwargs)
        self.fields["scope_systems"].queryset = scoped(AISystem, actor).order_by("name")

    def to_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["expires_at"] = end_of_day(data.pop("expires_on"))
        data["scope_systems"] = list(data["scope_systems"])
        return data


class GuestInvitationFilterForm(FilterForm):
    status = forms.ChoiceField(choices=[("", "Any status"), *InvitationStatus.choices], required=False)


class AcceptInvitationForm(forms.Form):
    """A new account for the guest auditor (someone with an account signs in first)."""

    username = forms.CharField(max_length=150, help_text="The name you will sign in with (e.g. your e-mail).")
    password = forms.CharField(
        widget=forms.PasswordInput,
        help_text="At least 8 characters, not only digits, not a common password, not like your name or e-mail.",
    )


class EvidenceRequestForm(ServiceModelForm):
    class Meta:
        model = EvidenceRequest
        fields = ["title", "description", "clause_id", "control_id", "ai_system", "internal_audit", "owner", "due_date"]
        widgets = {"due_date": DATE, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, actor, **kwargs):
        from openaims.audits.models import InternalAudit

        super().__init__(*args, actor=actor, **kwargs)
        self.fields["ai_system"].queryset = scoped(AISystem, actor).order_by("name")
        self.fields["internal_audit"].queryset = scoped(InternalAudit, actor)
        self.fields["owner"].queryset = answering_members(actor)


class EvidenceRequestFilterForm(FilterForm):
    status = forms.ChoiceField(choices=[("", "Any status"), *EvidenceRequestStatus.choices], required=False)
    owner_id = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Owner")
    ai_system_id = forms.ModelChoiceField(queryset=AISystem.objects.none(), required=False, label="AI system")
    clause_id = forms.CharField(required=False, label="Clause")
    control_id = forms.CharField(required=False, label="Annex A control")
    overdue = forms.NullBooleanField(
        required=False,
        label="Overdue",
        widget=forms.Select(choices=[("", "Any"), ("true", "Overdue"), ("false", "Not overdue")]),
    )

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if actor is not None:
            self.fields["owner_id"].queryset = answering_members(actor)
            self.fields["ai_system_id"].queryset = scoped(AISystem, actor).order_by("name")


class EvidenceRequestAnswerForm(forms.Form):
    evidence = forms.ModelMultipleChoiceField(queryset=Evidence.objects.none(), label="Evidence items")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=actor.organization).order_by("title")


class EvidenceRequestCommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, label="Comment")


class EvidenceRequestReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000, required=False)
