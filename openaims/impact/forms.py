"""Forms of the impact pages: the same field names as the models and the API; the questionnaire comes from
the template."""

from __future__ import annotations

from django import forms

from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.base.schemas import _FORBIDDEN
from openaims.impact.choices import EDITABLE_STATUSES, AssessmentStatus, FundamentalRight
from openaims.impact.models import Harm, ImpactAssessment
from openaims.impact.questionnaires import Template, templates
from openaims.inventory.models import AISystem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _template_choices() -> list[tuple[str, str]]:
    return [(t.id, t.title) for t in templates().values()]


def _yes_no(label: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        required=False, label=label, widget=forms.Select(choices=[("", "Any"), ("true", "Yes"), ("false", "No")])
    )


class ImpactAssessmentForm(ServiceModelForm):
    """Editing a draft's heading fields; the answers have their own page (the questionnaire)."""

    class Meta:
        model = ImpactAssessment
        fields = ["title", "conclusion", "next_review_date"]
        widgets = {"conclusion": forms.Textarea(attrs={"rows": 4}), "next_review_date": DATE}


class ImpactAssessmentCreateForm(ServiceModelForm):
    template_id = forms.ChoiceField(label="Template", choices=())

    class Meta:
        model = ImpactAssessment
        fields = ["ai_system", "template_id", "title", "next_review_date"]
        widgets = {"next_review_date": DATE}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["ai_system"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields["template_id"].choices = _template_choices()
        self.fields[
            "template_id"
        ].help_text = (
            "The EU AI Act Art. 27 assessment is for deployers of high-risk AI systems; the other fits every system."
        )


class ImpactAssessmentFilterForm(FilterForm):
    ai_system_id = forms.ModelChoiceField(queryset=AISystem.objects.none(), required=False, label="AI system")
    template_id = forms.ChoiceField(choices=(), required=False, label="Template")
    status = forms.ChoiceField(choices=[("", "Any status"), *AssessmentStatus.choices], required=False)
    stale = _yes_no("Stale")
    due = _yes_no("Needs reassessment")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if actor is not None:
            self.fields["ai_system_id"].queryset = AISystem.objects.filter(organization=actor.organization)
        self.fields["template_id"].choices = [("", "Any template"), *_template_choices()]

    def clean_ai_system_id(self):
        system = self.cleaned_data.get("ai_system_id")
        return system.pk if system else None


class HarmForm(ServiceModelForm):
    rights_affected = forms.MultipleChoiceField(
        choices=FundamentalRight.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Harm
        fields = [
            "description",
            "affected_groups",
            "rights_affected",
            "severity",
            "likelihood",
            "reversibility",
            "mitigations",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "affected_groups": forms.Textarea(attrs={"rows": 2}),
            "mitigations": forms.Textarea(attrs={"rows": 3}),
        }


class HarmCreateForm(HarmForm):
    class Meta(HarmForm.Meta):
        fields = ["assessment", *HarmForm.Meta.fields]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["assessment"].queryset = ImpactAssessment.objects.filter(
            organization=actor.organization, status__in=EDITABLE_STATUSES
        ).select_related("ai_system")
        self.fields["assessment"].help_text = "Harms are added to draft assessments."


class HarmFilterForm(FilterForm):
    min_severity = forms.TypedChoiceField(
        choices=[("", "Any severity"), *[(str(v), f"{v} or more") for v in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    linked = _yes_no("Linked to a risk")


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QuestionnaireForm(forms.Form):
    """The template's questions as form fields named by question id, grouped by section for the page."""

    def __init__(self, *args, template: Template, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        for question in template.questions.values():
            self.fields[question.id] = self._field(question)

    @staticmethod
    def _field(question) -> forms.Field:
        common = {"label": question.text, "help_text": question.help, "required": False}
        if question.kind == "text":
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000, **common)
        if question.kind == "choice":
            choices = [("", "—"), *[(o, o) for o in question.options]]
            return forms.ChoiceField(choices=choices, **common)
        if question.kind == "multi_choice":
            return forms.MultipleChoiceField(
                choices=[(o, o) for o in question.options], widget=forms.CheckboxSelectMultiple, **common
            )
        if question.kind == "yes_no":
            return forms.NullBooleanField(
                widget=forms.Select(choices=[("", "—"), ("true", "Yes"), ("false", "No")]), **common
            )
        choices = [("", "—")] + [
            (str(v), f"{v}" + (f" — {question.labels[v]}" if v in question.labels else ""))
            for v in range(question.min, question.max + 1)
        ]
        return forms.TypedChoiceField(choices=choices, coerce=int, empty_value=None, **common)

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and _FORBIDDEN.search(value):
                self.add_error(name, "Must not contain NUL or other control characters.")
        return cleaned

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        return {k: ("true" if v is True else "false" if v is False else v) for k, v in answers.items()}

    def answers(self) -> dict:
        """The answers to store (blank ones left out)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", [])}

    def sections(self) -> list[tuple]:
        """``[(section, [bound field, …]), …]`` in template order, for the page."""
        return [(section, [self[q.id] for q in section.questions]) for section in self.template.sections]

    def required_ids(self) -> set[str]:
        return {q.id for q in self.template.questions.values() if q.required}
