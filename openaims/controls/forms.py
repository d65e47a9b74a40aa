"""Forms of the controls pages: forms collect input, services validate and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from openaims.accounts.choices import Permission, role_allows
from openaims.accounts.models import Membership, User
from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.controls.annex import annex_a_groups
from openaims.controls.choices import APPLICABILITY_LABELS, ImplementationStatus, ReadinessStatus
from openaims.controls.models import SoAEntry
from openaims.evidence.models import Evidence
from openaims.inventory.models import AISystem

_APPLICABILITY_CHOICES = [("true", APPLICABILITY_LABELS[True]), ("false", APPLICABILITY_LABELS[False])]


def _members(actor):
    return User.objects.filter(memberships__organization=actor.organization).order_by("username")


def _evidence(actor):
    return Evidence.objects.filter(organization=actor.organization).order_by("title")


class ApplicabilityField(forms.TypedChoiceField):
    """Applicable or excluded, as a select (the model's boolean ``applicable``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Applicability")
        super().__init__(choices=_APPLICABILITY_CHOICES, coerce=lambda value: value == "true", **kwargs)

    def prepare_value(self, value):
        return "true" if value in (True, "true", "True") else "false" if value in (False, "false", "False") else value


class SoAEntryForm(ServiceModelForm):
    """Decide an entry: applicability with its justification, status, owner, evidence, AI systems, notes."""

    applicable = ApplicabilityField(initial="true")

    class Meta:
        model = SoAEntry
        fields = [
            "applicable",
            "justification",
            "implementation_status",
            "owner",
            "evidence",
            "ai_systems",
            "notes",
        ]
        widgets = {
            "justification": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "evidence": forms.CheckboxSelectMultiple,
            "ai_systems": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _members(actor)
        self.fields["evidence"].queryset = _evidence(actor)
        self.fields["ai_systems"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields[
            "justification"
        ].help_text = (
            "Required either way: why the control is excluded, or which risks or obligations make it necessary."
        )
        for name, page in (("evidence", "Evidence"), ("ai_systems", "AI systems")):
            if not self.fields[name].queryset.exists():
                self.fields[name].help_text = f"None yet: add them on the {page} page first."


class SoAEntryCreateForm(SoAEntryForm):
    """One of the organization's own controls: a control id and title of its own, then the same decisions."""

    class Meta(SoAEntryForm.Meta):
        fields = ["control_id", "title", *SoAEntryForm.Meta.fields]


class SoAInlineForm(forms.Form):
    """The fields a row of the SoA table edits in place.

    The inputs sit in table cells without a ``<label>``: each is named after its column and the row's control
    ("Justification of A.2.2"), and its id is made unique per entry since several rows may be open at once.
    """

    applicable = ApplicabilityField()
    justification = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    implementation_status = forms.ChoiceField(choices=ImplementationStatus.choices)

    def __init__(self, *args, actor=None, entry=None, **kwargs):
        self.actor = actor
        if entry is not None:
            kwargs.setdefault("auto_id", f"id_{entry.pk}_%s")
        super().__init__(*args, **kwargs)
        if entry is not None:
            for name, field in self.fields.items():
                field.widget.attrs["aria-label"] = f"{self[name].label} of {entry.control_id}"


class SoAFilterForm(FilterForm):
    group_id = forms.ChoiceField(required=False, label="Group")
    applicable = forms.TypedChoiceField(
        required=False,
        label="Applicability",
        choices=[("", "Applicable or excluded"), *_APPLICABILITY_CHOICES],
        coerce=lambda value: value == "true",
        empty_value=None,
    )
    implementation_status = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Any status"), *ImplementationStatus.choices]
    )
    justified = forms.TypedChoiceField(
        required=False,
        label="Justification",
        choices=[("", "With or without"), ("false", "Missing"), ("true", "Given")],
        coerce=lambda value: value == "true",
        empty_value=None,
    )
    owner_id = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Owner")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        groups = [(gid, f"{gid} {title}") for gid, title in annex_a_groups().items()]
        self.fields["group_id"].choices = [("", "All groups"), *groups, ("custom", "Own controls")]
        if actor is not None:
            self.fields["owner_id"].queryset = _members(actor)

    def filters(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("owner_id") is not None:
            data["owner_id"] = data["owner_id"].pk
        return data


class IssueVersionForm(forms.Form):
    """Issue the next SoA version: who approved it and when."""

    approved_by = forms.ModelChoiceField(queryset=User.objects.none(), label="Approved by")
    approved_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Approved on")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Note")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        approvers = [
            m.user_id
            for m in Membership.objects.filter(organization=actor.organization)
            if role_allows(m.role, Permission.APPROVE)
        ]
        self.fields["approved_by"].queryset = User.objects.filter(pk__in=approvers).order_by("username")
        self.fields["approved_by"].help_text = "Members whose role may approve (owner, admin, manager)."
        self.fields["approved_on"].initial = timezone.localdate()
        if actor.user is not None and actor.user.pk in approvers:
            self.fields["approved_by"].initial = actor.user.pk


class AssessmentForm(forms.Form):
    """A person's status of a clause requirement, with evidence ("met" needs evidence that has not expired)."""

    status = forms.ChoiceField(choices=ReadinessStatus.choices)
    evidence = forms.ModelMultipleChoiceField(
        queryset=Evidence.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = _evidence(actor)
        if not self.fields["evidence"].queryset.exists():
            self.fields["evidence"].help_text = "No evidence yet: add it on the Evidence page first."


class CoverageFilterForm(forms.Form):
    basis = forms.MultipleChoiceField(
        required=False,
        choices=[("published", "Published"), ("derived", "Derived"), ("judgement", "Judgement")],
        widget=forms.CheckboxSelectMultiple,
        help_text="Keep only mappings of these bases (none ticked: all).",
    )
    status = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args, **kwargs):
        from openaims.controls.choices import CoverageStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any coverage"), *CoverageStatus.choices]
