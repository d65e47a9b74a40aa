"""Forms of the review pages: the same field names as the models, the API and the CLI."""

from __future__ import annotations

from django import forms

from openaims.base.forms import CommaListField, FilterForm, ServiceModelForm
from openaims.base.schemas import _FORBIDDEN
from openaims.inventory.models import AISystem
from openaims.oversight.reviews.choices import DecisionAction, ReviewStatus, RuleKind
from openaims.oversight.reviews.models import ReviewSettings, RoutingRule


def _choices(label: str, choices) -> list:
    return [("", label), *choices]


def _yes_no(label: str, yes: str, no: str) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        required=False, label=label, widget=forms.Select(choices=[("", "Any"), ("true", yes), ("false", no)])
    )


def _systems(actor):
    return AISystem.objects.filter(organization=actor.organization).order_by("name")


def _system_choices(actor, label: str = "Any AI system") -> list:
    return _choices(label, [(str(pk), name) for pk, name in _systems(actor).values_list("pk", "name")])


class RoutingRuleForm(ServiceModelForm):
    adverse_outcomes = CommaListField(
        required=False, help_text="Adverse outcomes: the AI outputs that count as adverse, separated by commas."
    )

    class Meta:
        model = RoutingRule
        fields = ["ai_system", "name", "kind", "threshold", "adverse_outcomes", "share", "attribute", "value"]
        fields += ["active", "order"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if "ai_system" in self.fields:
            self.fields["ai_system"].queryset = _systems(actor)


class RoutingRuleEditForm(RoutingRuleForm):
    class Meta(RoutingRuleForm.Meta):
        fields = ["name", "kind", "threshold", "adverse_outcomes", "share", "attribute", "value", "active", "order"]


class RoutingRuleFilterForm(FilterForm):
    ai_system_id = forms.ChoiceField(required=False, label="AI system")
    kind = forms.ChoiceField(choices=_choices("Any kind", RuleKind.choices), required=False)
    active = _yes_no("Active", "Active", "Inactive")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["ai_system_id"].choices = _system_choices(actor)


class ReviewSettingsForm(ServiceModelForm):
    webhook_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="Webhook URL",
        help_text="Final decisions are POSTed here, signed.",
    )
    webhook_secret = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
        help_text="Signs each webhook (HMAC-SHA256); at least 16 characters. Leave empty to keep the stored one.",
    )

    class Meta:
        model = ReviewSettings
        fields = ["ai_system", "hours_to_decide", "blind_share", "webhook_url", "webhook_secret"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        if "ai_system" in self.fields:
            self.fields["ai_system"].queryset = _systems(actor)

    @classmethod
    def initial_from(cls, obj) -> dict:
        initial = super().initial_from(obj)
        initial.pop("webhook_secret", None)
        return initial


class ReviewSettingsEditForm(ReviewSettingsForm):
    class Meta(ReviewSettingsForm.Meta):
        fields = ["hours_to_decide", "blind_share", "webhook_url", "webhook_secret"]


class ReviewSettingsFilterForm(FilterForm):
    pass


class QueueFilterForm(FilterForm):
    """Filters of the queue; the same names as the API's query parameters."""

    ai_system_id = forms.ChoiceField(required=False, label="AI system")
    status = forms.ChoiceField(choices=_choices("Any status", ReviewStatus.choices), required=False)
    open = _yes_no("Open or decided", "Open", "Decided")
    overdue = _yes_no("Due", "Overdue", "Not overdue")
    blind = _yes_no("Blind", "Blind", "Not blind")

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        del self.fields["q"]
        self.fields["ai_system_id"].choices = _system_choices(actor)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(choices=DecisionAction.choices, widget=forms.RadioSelect)
    outcome = forms.CharField(
        required=False, max_length=200, help_text="Override: the outcome that replaces the AI's. Blind: your outcome."
    )
    reason = forms.CharField(
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to override or escalate, and on blind items.",
    )

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and _FORBIDDEN.search(value):
                self.add_error(name, "Must not contain NUL or other control characters.")
        return cleaned


class OversightWindowForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Exclusive.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] <= cleaned["start"]:
            self.add_error("end", "Must be after start.")
        return cleaned
