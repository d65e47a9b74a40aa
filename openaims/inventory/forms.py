"""Forms of the inventory's web UI."""

from __future__ import annotations

from django import forms

from openaims.accounts.models import User
from openaims.base.forms import CommaListField, FilterForm, ServiceModelForm
from openaims.inventory.choices import AIRole, HumanOversight, LifecycleStage, ModelVersionStatus, SupplierAssessment
from openaims.inventory.models import AISystem, Dataset, ModelVersion, Supplier


def _members(actor):
    return User.objects.filter(memberships__organization=actor.organization).order_by("username")


class AISystemForm(ServiceModelForm):
    ai_roles = forms.MultipleChoiceField(
        choices=AIRole.choices, required=False, widget=forms.CheckboxSelectMultiple, label="AI roles"
    )
    tags = CommaListField(required=False, help_text="Comma-separated, e.g. credit, high-impact.")

    class Meta:
        model = AISystem
        fields = [
            "name",
            "purpose",
            "intended_use",
            "description",
            "owner",
            "business_unit",
            "ai_roles",
            "in_scope",
            "scope_reason",
            "deployment_context",
            "affected_stakeholders",
            "human_oversight",
            "automation_level",
            "uses_personal_data",
            "personal_data_categories",
            "tags",
            "datasets",
            "suppliers",
        ]
        widgets = {
            "datasets": forms.CheckboxSelectMultiple,
            "suppliers": forms.CheckboxSelectMultiple,
            "intended_use": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "scope_reason": forms.Textarea(attrs={"rows": 2}),
            "deployment_context": forms.Textarea(attrs={"rows": 2}),
            "affected_stakeholders": forms.Textarea(attrs={"rows": 2}),
            "personal_data_categories": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["owner"].queryset = _members(actor)
        self.fields["datasets"].queryset = Dataset.objects.filter(organization=actor.organization)
        self.fields["suppliers"].queryset = Supplier.objects.filter(organization=actor.organization)
        for name, page in (("datasets", "Datasets"), ("suppliers", "Suppliers")):
            if not self.fields[name].queryset.exists():
                self.fields[name].help_text = f"None yet: add them on the {page} page first."


class AISystemCreateForm(AISystemForm):
    class Meta(AISystemForm.Meta):
        fields = [*AISystemForm.Meta.fields[:6], "lifecycle_stage", *AISystemForm.Meta.fields[6:]]


class AISystemFilterForm(FilterForm):
    lifecycle_stage = forms.ChoiceField(choices=[("", "Any stage"), *LifecycleStage.choices], required=False)
    in_scope = forms.NullBooleanField(
        required=False,
        widget=forms.Select(choices=[("", "In or out of scope"), ("true", "In scope"), ("false", "Out")]),
    )
    human_oversight = forms.ChoiceField(choices=[("", "Any oversight"), *HumanOversight.choices], required=False)
    tag = forms.CharField(required=False)


class TransitionForm(forms.Form):
    to_stage = forms.ChoiceField(choices=LifecycleStage.choices, label="Move to stage")
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ModelVersionForm(ServiceModelForm):
    class Meta:
        model = ModelVersion
        fields = ["ai_system", "version", "source", "training_data", "released_on", "status", "metrics_summary"]
        widgets = {"released_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["ai_system"].queryset = AISystem.objects.filter(organization=actor.organization)


class ModelVersionEditForm(ModelVersionForm):
    class Meta(ModelVersionForm.Meta):
        fields = ModelVersionForm.Meta.fields[1:]

    def __init__(self, *args, actor, **kwargs):
        ServiceModelForm.__init__(self, *args, actor=actor, **kwargs)


class ModelVersionFilterForm(FilterForm):
    status = forms.ChoiceField(choices=[("", "Any status"), *ModelVersionStatus.choices], required=False)


class DatasetForm(ServiceModelForm):
    class Meta:
        model = Dataset
        fields = ["name", "source", "provenance", "contains_personal_data", "quality_notes", "licence"]


class DatasetFilterForm(FilterForm):
    """Search only."""


class SupplierForm(ServiceModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "supplies", "contract_reference", "assessment_status"]


class SupplierFilterForm(FilterForm):
    assessment_status = forms.ChoiceField(choices=[("", "Any assessment"), *SupplierAssessment.choices], required=False)


def _condition_text(question, questions) -> str:
    """When a question matters, in words (the form shows every question; the rules ignore those that do not apply)."""
    parts = []
    for key, value in question.ask_if:
        if key == "subject":
            parts.append("AI systems only" if value == "ai_system" else "general-purpose AI models only")
        elif key == "roles":
            parts.append(f"when you are a {value}")
        else:
            parts.append(f"only if “{questions[key].text[:70].rstrip()}…” is yes")
    return "; ".join(parts)


class ClassificationForm(forms.Form):
    """The EU AI Act questionnaire as a form: one field per question of ``openaims/classify/data``, by section."""

    def __init__(self, *args, **kwargs):
        from openaims.classify import questionnaire

        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire()
        questions = self.questionnaire.questions
        for question in questions.values():
            common = {"label": question.text, "help_text": question.help}
            if question.type == "boolean":
                field: forms.Field = forms.BooleanField(required=False, **common)
            elif question.type == "number":
                field = forms.FloatField(required=False, min_value=0, **common)
            elif question.type == "choice":
                field = forms.ChoiceField(choices=question.choices, **common)
            else:
                field = forms.MultipleChoiceField(
                    choices=question.choices, required=question.required, widget=forms.CheckboxSelectMultiple, **common
                )
            field.initial = question.default
            field.question = question  # type: ignore[attr-defined]
            field.condition = _condition_text(question, questions)  # type: ignore[attr-defined]
            self.fields[question.id] = field

    def sections(self) -> list[tuple]:
        """``[(section, [bound field, ...]), ...]`` in the questionnaire's order."""
        return [(section, [self[q.id] for q in section.questions]) for section in self.questionnaire.sections]

    def answers(self) -> dict:
        """The cleaned answers, as the rules take them (an empty number means: not answered)."""
        return {k: v for k, v in self.cleaned_data.items() if v is not None}
