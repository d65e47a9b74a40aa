"""Forms of the risk pages: the same field names as the models, the API and the CLI."""

from __future__ import annotations

from django import forms

from openaims.accounts.models import User
from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.controls.models import SoAEntry
from openaims.evidence.models import Evidence
from openaims.inventory.models import AISystem
from openaims.risk import scoring
from openaims.risk.choices import ActionStatus, RiskLevel, RiskStatus
from openaims.risk.models import Risk, RiskAction, RiskCriteria, objectives, risk_sources
from openaims.risk.selectors import criteria_for

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _members(actor):
    return User.objects.filter(memberships__organization=actor.organization).order_by("username")


def _choices(label: str, choices) -> list:
    return [("", label), *choices]


def _yes_no(label: str, yes: str, no: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        required=False, label=label, widget=forms.Select(choices=[("", "Any"), ("true", yes), ("false", no)])
    )


def _scale(labels: list[str]) -> list[tuple[int, str]]:
    return [(n, f"{n} – {label}") for n, label in enumerate(labels, start=1)]


class RiskForm(ServiceModelForm):
    """A risk; the rating choices are the organization's scales, the levels are computed by the service."""

    risk_source = forms.CharField(
        required=False,
        max_length=300,
        help_text="An Annex C risk source id (e.g. C.3.4), or the organization's own source in words.",
    )
    affected_objectives = forms.MultipleChoiceField(
        required=False, choices=[], widget=forms.CheckboxSelectMultiple, help_text="Annex C objectives it threatens."
    )
    likelihood = forms.TypedChoiceField(coerce=int, choices=[])
    consequence = forms.TypedChoiceField(coerce=int, choices=[])
    residual_likelihood = forms.TypedChoiceField(coerce=int, choices=[], required=False, empty_value=None)
    residual_consequence = forms.TypedChoiceField(coerce=int, choices=[], required=False, empty_value=None)

    class Meta:
        model = Risk
        fields = [
            "title",
            "description",
            "ai_systems",
            "risk_source",
            "affected_objectives",
            "consequences",
            "likelihood",
            "consequence",
            "owner",
            "treatment_option",
            "treatment_plan",
            "controls",
            "evidence",
            "residual_likelihood",
            "residual_consequence",
            "review_date",
            "status",
        ]
        widgets = {
            "review_date": DATE,
            "ai_systems": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
            "consequences": forms.Textarea(attrs={"rows": 3}),
            "treatment_plan": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        criteria = criteria_for(actor.organization)
        self.fields["risk_source"].help_text = "An Annex C risk source id, or the organization's own in words: " + (
            "; ".join(f"{k} {v}" for k, v in risk_sources().items())
        )
        self.fields["affected_objectives"].choices = [(k, f"{k} {v}") for k, v in objectives().items()]
        for name in ("likelihood", "residual_likelihood"):
            self.fields[name].choices = _choices("—", _scale(criteria.likelihood_labels))
        for name in ("consequence", "residual_consequence"):
            self.fields[name].choices = _choices("—", _scale(criteria.consequence_labels))
        self.fields["owner"].queryset = _members(actor)
        self.fields["ai_systems"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields["controls"].queryset = SoAEntry.objects.filter(organization=actor.organization)
        self.fields["controls"].widget.attrs["size"] = 10
        self.fields["evidence"].queryset = Evidence.objects.filter(organization=actor.organization)
        self.fields["status"].choices = [c for c in RiskStatus.choices if c[0] != RiskStatus.ACCEPTED]
        self.fields["status"].help_text = "A risk is accepted with the Accept button on its page."

    @classmethod
    def initial_from(cls, obj) -> dict:
        initial = super().initial_from(obj)
        if obj.status == RiskStatus.ACCEPTED:
            initial.pop("status", None)
        return initial

    def to_service(self) -> dict:
        data = dict(self.cleaned_data)
        data["treatment_option"] = data.get("treatment_option") or ""
        if not data.get("status"):
            data.pop("status", None)
        return data


class RiskEditForm(RiskForm):
    """Editing keeps an accepted risk accepted unless another status is chosen."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].required = False
        self.fields["status"].choices = _choices("(keep the current status)", self.fields["status"].choices)


class RiskFilterForm(FilterForm):
    ai_system_id = forms.ChoiceField(required=False, label="AI system")
    level = forms.ChoiceField(choices=_choices("Any level", RiskLevel.choices), required=False, label="Level")
    status = forms.ChoiceField(choices=_choices("Any status", RiskStatus.choices), required=False)
    owner_id = forms.ChoiceField(required=False, label="Owner")
    overdue = _yes_no("Review", "Overdue", "Not overdue")
    untreated = _yes_no("Treatment", "Without treatment", "Treated")
    # Set by the heat map's cell links; visible so the filter shows and can be cleared.
    likelihood = forms.IntegerField(required=False, min_value=1, max_value=7)
    consequence = forms.IntegerField(required=False, min_value=1, max_value=7)
    residual_likelihood = forms.IntegerField(required=False, min_value=1, max_value=7)
    residual_consequence = forms.IntegerField(required=False, min_value=1, max_value=7)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        systems = AISystem.objects.filter(organization=actor.organization).values_list("pk", "name")
        self.fields["ai_system_id"].choices = _choices("Any AI system", [(str(pk), name) for pk, name in systems])
        owners = [(str(u.pk), u.username) for u in _members(actor)]
        self.fields["owner_id"].choices = _choices("Any owner", owners)


class RiskActionForm(ServiceModelForm):
    class Meta:
        model = RiskAction
        fields = ["risk", "description", "owner", "due_date", "status"]
        widgets = {"due_date": DATE}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if "risk" in self.fields:
            self.fields["risk"].queryset = Risk.objects.filter(organization=actor.organization)
        self.fields["owner"].queryset = _members(actor)


class RiskActionEditForm(RiskActionForm):
    class Meta(RiskActionForm.Meta):
        fields = ["description", "owner", "due_date", "status"]


class RiskActionFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ActionStatus.choices), required=False)
    overdue = _yes_no("Due date", "Overdue", "Not overdue")


class RiskCriteriaForm(forms.Form):
    """The scales as comma-separated labels, the matrix as one select per cell, the threshold and method."""

    likelihood_labels = forms.CharField(
        help_text=f"{scoring.MIN_SCALE} to {scoring.MAX_SCALE} labels, lowest first, separated by commas."
    )
    consequence_labels = forms.CharField(
        help_text=f"{scoring.MIN_SCALE} to {scoring.MAX_SCALE} labels, lowest first, separated by commas."
    )
    acceptance_threshold = forms.ChoiceField(
        choices=RiskLevel.choices,
        help_text="The highest level a risk owner may accept; above it, acceptance needs an admin or owner.",
    )
    review_interval_days = forms.IntegerField(min_value=1, max_value=3660, label="Review interval (days)")
    methodology = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, criteria: RiskCriteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.cell_names = []
        for lik in range(criteria.likelihood_size, 0, -1):
            row = []
            for con in range(1, criteria.consequence_size + 1):
                name = f"cell_{lik}_{con}"
                self.fields[name] = forms.ChoiceField(
                    choices=RiskLevel.choices,
                    initial=criteria.level(lik, con),
                    label=f"Likelihood {lik} × consequence {con}",
                )
                row.append(name)
            self.cell_names.append((lik, criteria.likelihood_labels[lik - 1], row))

    @staticmethod
    def initial_from(criteria: RiskCriteria) -> dict:
        return {
            "likelihood_labels": ", ".join(criteria.likelihood_labels),
            "consequence_labels": ", ".join(criteria.consequence_labels),
            "acceptance_threshold": criteria.acceptance_threshold,
            "review_interval_days": criteria.review_interval_days,
            "methodology": criteria.methodology,
        }

    def matrix_rows(self):
        """``[(likelihood, label, [bound field, ...]), ...]`` from the highest likelihood down."""
        return [(lik, label, [self[name] for name in names]) for lik, label, names in self.cell_names]

    def to_service(self) -> dict:
        data = self.cleaned_data
        fields = {
            "likelihood_labels": [p.strip() for p in data["likelihood_labels"].split(",") if p.strip()],
            "consequence_labels": [p.strip() for p in data["consequence_labels"].split(",") if p.strip()],
            "acceptance_threshold": data["acceptance_threshold"],
            "review_interval_days": data["review_interval_days"],
            "methodology": data["methodology"],
        }
        sizes_same = (len(fields["likelihood_labels"]), len(fields["consequence_labels"])) == (
            self.criteria.likelihood_size,
            self.criteria.consequence_size,
        )
        if sizes_same:  # a resized scale gets the default matrix of its new size; edit the cells after
            fields["matrix"] = [
                [data[f"cell_{lik}_{con}"] for con in range(1, self.criteria.consequence_size + 1)]
                for lik in range(1, self.criteria.likelihood_size + 1)
            ]
        return fields


class RiskAcceptForm(forms.Form):
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)
