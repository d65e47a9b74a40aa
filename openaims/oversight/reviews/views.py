"""The review pages: the queue, an item with its decision form, each AI system's oversight metrics, and the
routing rules and review settings (generic views)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.selectors import get_scoped
from openaims.base.trail import history_for, readable_history
from openaims.base.views import PAGE_SIZE, ActorRequiredMixin, Column, Resource, apply_service_errors
from openaims.inventory.models import AISystem
from openaims.oversight.reviews import forms, selectors, services
from openaims.oversight.reviews.models import ReviewItem, ReviewSettings, RoutingRule

routing_rules = Resource(
    model=RoutingRule,
    url_prefix="routing-rules",
    form_class=forms.RoutingRuleEditForm,
    create_form_class=forms.RoutingRuleForm,
    filter_form_class=forms.RoutingRuleFilterForm,
    columns=[
        Column("Rule", "name", link=True),
        Column("AI system", "ai_system"),
        Column("Kind", "kind_badge"),
        Column("Routes", "summary"),
        Column("Order", "order"),
        Column("Active", "active"),
    ],
    queryset=selectors.routing_rules,
    filter_queryset=selectors.filter_routing_rules,
    create=services.routing_rule_create,
    update=services.routing_rule_update,
    delete=services.routing_rule_delete,
    instance_kwarg="routing_rule",
    detail_fields=["ai_system", "kind", "threshold", "adverse_outcomes", "share", "attribute", "value", "active"],
    title_plural="Routing rules",
)

review_settings = Resource(
    model=ReviewSettings,
    url_prefix="review-settings",
    form_class=forms.ReviewSettingsEditForm,
    create_form_class=forms.ReviewSettingsForm,
    filter_form_class=forms.ReviewSettingsFilterForm,
    columns=[
        Column("Settings", "__str__", link=True),
        Column("Hours to decide", "hours_to_decide"),
        Column("Blind share", "blind_share"),
        Column("Webhook URL", "webhook_url"),
    ],
    queryset=selectors.review_settings,
    filter_queryset=selectors.filter_review_settings,
    create=services.review_settings_create,
    update=services.review_settings_update,
    delete=services.review_settings_delete,
    instance_kwarg="review_settings",
    detail_fields=["ai_system", "hours_to_decide", "blind_share", "webhook_url"],
    title_plural="Review settings",
)

RESOURCES = [routing_rules, review_settings]

#: The queue as a resource: only its list and item pages exist (items come from the API, decisions from the form).
queue = Resource(
    model=ReviewItem,
    url_prefix="reviews",
    form_class=forms.DecisionForm,
    columns=[],
    queryset=selectors.review_items,
    filter_queryset=selectors.filter_review_items,
    create=services.review_item_submit,
    update=services.review_item_decide,
    delete=services.review_item_decide,
    instance_kwarg="item",
    title_plural="Review queue",
)


class QueueView(ActorRequiredMixin, View):
    """The queue, oldest first, with filters (open items unless a filter says otherwise)."""

    resource = queue

    def get(self, request):
        data = request.GET.copy()
        if not any(data.get(name) for name in ("status", "open", "overdue", "blind", "ai_system_id")):
            data.setdefault("open", "true")
        form = forms.QueueFilterForm(data, actor=request.actor)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.filter_review_items(selectors.review_items(request.actor), filters)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = data.copy()
        query.pop("page", None)
        # EXISTS per system (the foreign key's index), not a join over every item of a long queue.
        has_items = Exists(ReviewItem.objects.filter(ai_system=OuterRef("pk")))
        systems = AISystem.objects.filter(has_items, organization=request.actor.organization)
        context = {
            "page": page,
            "filter_form": form,
            "querystring": query.urlencode(),
            "systems": systems.order_by("name"),
            "can_manage": request.actor.can(Permission.CREATE),
        }
        template = "reviews/queue_table.html" if request.htmx and request.htmx.target == "record-table" else None
        return render(request, template or "reviews/queue.html", context)


def _explanation_rows(explanation) -> list[tuple[str, str]]:
    """Feature contributions, largest effect first; or reasons in their order."""
    if isinstance(explanation, dict):

        def weight(value):
            return abs(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0

        return [(str(k), str(v)) for k, v in sorted(explanation.items(), key=lambda kv: -weight(kv[1]))]
    if isinstance(explanation, list):
        return [("", str(reason)) for reason in explanation]
    return [("", json.dumps(explanation))] if explanation not in (None, "") else []


def _summary_text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


class ReviewItemView(ActorRequiredMixin, View):
    """An item: what the AI decided on and why (hidden while a blind item is open), its decisions, and the form."""

    resource = queue

    def render_item(self, item: ReviewItem, form=None, status: int = 200):
        actor = self.request.actor
        item = self.get_object(item.pk)
        context = {
            "object": item,
            "input_summary": _summary_text(item.input_summary),
            "explanation": [] if item.output_hidden else _explanation_rows(item.explanation),
            "decisions": item.decisions.order_by("created_at"),
            "deliveries": item.deliveries.order_by("created_at"),
            "form": form or forms.DecisionForm(),
            "can_review": actor.can(Permission.REVIEW),
            "mine": item.assigned_to_id is not None and actor.user is not None and item.assigned_to_id == actor.user.pk,
            # The trail holds the AI's output: a blind item shows it once decided.
            "history": [] if item.output_hidden else readable_history(history_for(item)[:20]),
        }
        return render(self.request, "reviews/item.html", context, status=status)

    def get(self, request, pk):
        return self.render_item(self.get_object(pk))

    def post(self, request, pk):
        item = self.get_object(pk)
        request.actor.require(Permission.REVIEW)
        form = forms.DecisionForm(request.POST)
        if form.is_valid():
            try:
                services.review_item_decide(actor=request.actor, item=item, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                item.refresh_from_db()
                messages.success(request, f"Decision recorded: {item.get_status_display().lower()}.")
                return HttpResponseRedirect(reverse("reviews-detail", args=[pk]))
        return self.render_item(item, form, status=422)


class ClaimView(ActorRequiredMixin, View):
    """POST: take an open item, or release it (``release=1``)."""

    resource = queue

    def post(self, request, pk):
        item = self.get_object(pk)
        release = request.POST.get("release") == "1"
        try:
            services.review_item_claim(actor=request.actor, item=item, release=release)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "Released." if release else "Taken: it is yours to decide.")
        return HttpResponseRedirect(reverse("reviews-detail", args=[pk]))


class SystemOversightView(ActorRequiredMixin, View):
    """An AI system's oversight metrics (overall, per reviewer, per group) over an optional window."""

    resource = queue

    def get(self, request, pk):
        system = get_scoped(AISystem, request.actor, pk)
        form = forms.OversightWindowForm(request.GET or None)
        start = end = None
        if form.is_bound and form.is_valid():
            as_time = lambda d: dt.datetime.combine(d, dt.time(), tzinfo=dt.UTC) if d else None  # noqa: E731
            start, end = as_time(form.cleaned_data.get("start")), as_time(form.cleaned_data.get("end"))
        metrics = selectors.oversight_metrics(system, start, end)
        context = {
            "system": system,
            "form": form if form.is_bound else forms.OversightWindowForm(),
            "metrics": metrics,
            "rules": RoutingRule.objects.filter(organization=request.actor.organization, ai_system=system),
            "settings": ReviewSettings.objects.filter(
                organization=request.actor.organization, ai_system=system
            ).first(),
            "can_manage": request.actor.can(Permission.CREATE),
        }
        return render(request, "reviews/oversight.html", context)
