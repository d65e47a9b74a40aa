"""Forms of the management review pages: the same field names as the models, the API and the CLI."""

from __future__ import annotations

from django import forms

from openaims.audits.forms import DATE, _choices, _members, _yes_no
from openaims.base.forms import FilterForm, ServiceModelForm
from openaims.management_review.choices import ManagementReviewStatus, ReviewActionStatus, ReviewDecisionCategory
from openaims.management_review.models import ManagementReview, ReviewAction, ReviewDecision


class ManagementReviewForm(ServiceModelForm):
    class Meta:
        model = ManagementReview
        fields = ["title", "planned_for", "interval_months", "chair", "attendees", "other_attendees", "summary"]
        widgets = {
            "planned_for": DATE,
            "other_attendees": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["chair"].queryset = _members(actor)
        self.fields["attendees"].queryset = _members(actor)


class ManagementReviewFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ManagementReviewStatus.choices), required=False)
    overdue = _yes_no("Overdue", "Overdue (planned date passed)", "Not overdue")


class ManagementReviewHoldForm(forms.Form):
    held_on = forms.DateField(required=False, widget=DATE, help_text="Default: today.")


class ReviewDecisionForm(ServiceModelForm):
    class Meta:
        model = ReviewDecision
        fields = ["review", "category", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["review"].queryset = ManagementReview.objects.filter(organization=actor.organization)


class ReviewDecisionEditForm(ReviewDecisionForm):
    """Editing a decision: its review stays."""

    class Meta(ReviewDecisionForm.Meta):
        fields = ["category", "text"]

    def __init__(self, *args, actor, **kwargs):
        ServiceModelForm.__init__(self, *args, actor=actor, **kwargs)


class ReviewDecisionFilterForm(FilterForm):
    category = forms.ChoiceField(choices=_choices("Any category", ReviewDecisionCategory.choices), required=False)


class ReviewActionForm(ServiceModelForm):
    class Meta:
        model = ReviewAction
        fields = ["review", "decision", "title", "owner", "due_date"]
        widgets = {"due_date": DATE}

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["review"].queryset = ManagementReview.objects.filter(organization=actor.organization)
        self.fields["decision"].queryset = ReviewDecision.objects.filter(organization=actor.organization)
        self.fields["owner"].queryset = _members(actor)
        self.fields["owner"].required = True


class ReviewActionEditForm(ReviewActionForm):
    """Editing an action: its review stays."""

    class Meta(ReviewActionForm.Meta):
        fields = ["decision", "title", "owner", "due_date"]

    def __init__(self, *args, actor, **kwargs):
        ServiceModelForm.__init__(self, *args, actor=actor, **kwargs)
        self.fields["decision"].queryset = ReviewDecision.objects.filter(organization=actor.organization)
        self.fields["owner"].queryset = _members(actor)
        self.fields["owner"].required = True


class ReviewActionFilterForm(FilterForm):
    status = forms.ChoiceField(choices=_choices("Any status", ReviewActionStatus.choices), required=False)
    overdue = _yes_no("Overdue", "Overdue", "Not overdue")


class ReviewActionCloseForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=20000)
    closed_on = forms.DateField(required=False, widget=DATE, help_text="Default: today.")
