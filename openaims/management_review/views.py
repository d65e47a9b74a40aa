"""The management review pages: reviews (list with planned, held and overdue; detail with the inputs, their charts,
decisions and actions), decisions and actions. Generic views per model; holding, issuing the minutes, closing or
cancelling an action and downloading the minutes are POSTs and GETs to the same services as the API and the CLI."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import path, re_path
from django.utils.safestring import mark_safe
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.selectors import get_scoped
from openaims.base.views import ActorRequiredMixin, Column, DetailView, Resource
from openaims.management_review import forms, selectors, services
from openaims.management_review.charts import review_charts
from openaims.management_review.choices import ManagementReviewStatus
from openaims.management_review.minutes import FORMATS, export_minutes
from openaims.management_review.models import ManagementReview, ReviewAction, ReviewDecision
from openaims.management_review.present import period_label, present_inputs


def _review_context(review: ManagementReview) -> dict:
    inputs = selectors.review_inputs(review)
    charts = [{**chart, "svg": mark_safe(chart["svg"])} for chart in review_charts(inputs)]  # our own escaped SVG
    return {
        "sections": present_inputs(inputs),
        "charts": charts,
        "period": period_label(inputs),
        "decisions": review.decisions.order_by("created_at"),
        "actions": review.actions.select_related("owner", "decision").order_by("due_date", "created_at"),
        "hold_form": forms.ManagementReviewHoldForm(),
        "close_form": forms.ReviewActionCloseForm(auto_id=False),  # one per action row: no repeated ids
        "open_for_results": review.status == ManagementReviewStatus.HELD,
    }


management_reviews = Resource(
    model=ManagementReview,
    url_prefix="management-reviews",
    form_class=forms.ManagementReviewForm,
    filter_form_class=forms.ManagementReviewFilterForm,
    columns=[
        Column("Reference", "reference", link=True),
        Column("Title", "title"),
        Column("Planned for", "planned_for"),
        Column("Held on", "held_on"),
        Column("Chair", "chair"),
        Column("Next due", "next_due"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.management_reviews,
    filter_queryset=selectors.filter_management_reviews,
    create=services.management_review_create,
    update=services.management_review_update,
    delete=services.management_review_delete,
    instance_kwarg="management_review",
    detail_template="management_review/management_review_detail.html",
    detail_fields=[
        "planned_for",
        "interval_months",
        "status",
        "held_on",
        "chair",
        "attendees",
        "other_attendees",
        "summary",
        "minutes_issued_at",
        "issued_by",
    ],
    extra_detail_context=_review_context,
    title_plural="Management reviews",
)

review_decisions = Resource(
    model=ReviewDecision,
    url_prefix="management-review-decisions",
    form_class=forms.ReviewDecisionEditForm,
    create_form_class=forms.ReviewDecisionForm,
    filter_form_class=forms.ReviewDecisionFilterForm,
    columns=[
        Column("Decision", "label", link=True),
        Column("Review", "review"),
        Column("Category", "get_category_display"),
    ],
    queryset=selectors.review_decisions,
    filter_queryset=selectors.filter_review_decisions,
    create=services.review_decision_create,
    update=services.review_decision_update,
    delete=services.review_decision_delete,
    instance_kwarg="review_decision",
    detail_fields=["review", "category", "text"],
    title_plural="Management review decisions",
)

review_actions = Resource(
    model=ReviewAction,
    url_prefix="management-review-actions",
    form_class=forms.ReviewActionEditForm,
    create_form_class=forms.ReviewActionForm,
    filter_form_class=forms.ReviewActionFilterForm,
    columns=[
        Column("Action", "title", link=True),
        Column("Review", "review"),
        Column("Owner", "owner"),
        Column("Due", "due_date"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.review_actions,
    filter_queryset=selectors.filter_review_actions,
    create=services.review_action_create,
    update=services.review_action_update,
    delete=services.review_action_delete,
    instance_kwarg="review_action",
    detail_template="management_review/review_action_detail.html",
    detail_fields=["review", "decision", "owner", "due_date", "status", "closed_on", "closing_note"],
    extra_detail_context=lambda action: {
        "close_form": forms.ReviewActionCloseForm(),
        "cancel_form": forms.ReviewActionCloseForm(auto_id="cancel_%s"),
    },
    title_plural="Management review actions",
)

RESOURCES = [management_reviews, review_decisions, review_actions]


class ManagementReviewDetailView(DetailView):
    """The generic detail page, plus whether the member may issue the minutes."""

    def base_context(self, **extra):
        return super().base_context(can_approve=self.request.actor.can(Permission.APPROVE), **extra)


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{name}: {' '.join(errs)}" if name != "__all__" else " ".join(errs) for name, errs in exc.message_dict.items()
    )


class ManagementReviewStepView(ActorRequiredMixin, View):
    """POST: hold a review (inputs compiled and frozen) or issue its minutes."""

    resource = management_reviews

    def post(self, request, pk, step):
        review = self.get_object(pk)
        actor = request.actor
        try:
            if step == "hold":
                form = forms.ManagementReviewHoldForm(request.POST)
                if not form.is_valid():
                    raise ValidationError({name: list(errs) for name, errs in form.errors.items()})
                services.management_review_hold(
                    actor=actor, management_review=review, held_on=form.cleaned_data.get("held_on")
                )
            elif step == "issue":
                services.management_review_issue_minutes(actor=actor, management_review=review)
        except ValidationError as exc:
            messages.error(request, f"Not done: {_problems(exc)}")
        else:
            done = "held: its inputs are frozen" if step == "hold" else "minutes issued"
            messages.success(request, f"{review.reference} {done}.")
        return HttpResponseRedirect(self.resource.url("detail", pk))


class ReviewActionStepView(ActorRequiredMixin, View):
    """POST: record an action done (with a note) or cancel it."""

    resource = review_actions

    def post(self, request, pk, step):
        action = get_scoped(ReviewAction, request.actor, pk)
        form = forms.ReviewActionCloseForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError({name: list(errs) for name, errs in form.errors.items()})
            note = form.cleaned_data["note"]
            if step == "close":
                services.review_action_close(
                    actor=request.actor, review_action=action, note=note, closed_on=form.cleaned_data.get("closed_on")
                )
            else:
                services.review_action_cancel(actor=request.actor, review_action=action, note=note)
        except ValidationError as exc:
            messages.error(request, f"Not done: {_problems(exc)}")
        else:
            messages.success(request, f"Action “{action.title}” {'done' if step == 'close' else 'cancelled'}.")
        back = request.POST.get("back") == "review"
        target = management_reviews.url("detail", action.review_id) + "#actions" if back else None
        return HttpResponseRedirect(target or self.resource.url("detail", pk))


class ManagementReviewMinutesView(ActorRequiredMixin, View):
    """Download the review's minutes (``?format=docx|pdf``)."""

    resource = management_reviews

    def get(self, request, pk):
        review = self.get_object(pk)
        fmt = request.GET.get("format", "")
        if fmt not in FORMATS:
            return HttpResponseBadRequest("Choose format docx or pdf.")
        exported = export_minutes(actor=request.actor, management_review=review, fmt=fmt)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        return response


def urls() -> list:
    """The generic pages of the three resources (the review's detail page its own) and the POSTs."""
    patterns = [u for resource in RESOURCES for u in resource.urls() if u.name != "management-reviews-detail"]
    detail = ManagementReviewDetailView.as_view(resource=management_reviews)
    return [
        path("management-reviews/<uuid:pk>/", detail, name="management-reviews-detail"),
        path(
            "management-reviews/<uuid:pk>/minutes/",
            ManagementReviewMinutesView.as_view(),
            name="management-reviews-minutes",
        ),
        re_path(
            r"^management-reviews/(?P<pk>[0-9a-f-]{36})/(?P<step>hold|issue)/$",
            ManagementReviewStepView.as_view(),
            name="management-reviews-step",
        ),
        re_path(
            r"^management-review-actions/(?P<pk>[0-9a-f-]{36})/(?P<step>close|cancel)/$",
            ReviewActionStepView.as_view(),
            name="management-review-actions-step",
        ),
        *patterns,
    ]
