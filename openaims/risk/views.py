"""The risk pages: the register and treatment actions (generic views), the overview with heat maps, the criteria,
and accepting a risk."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.selectors import scoped
from openaims.base.views import ActorRequiredMixin, Column, Resource, apply_service_errors
from openaims.risk import forms, selectors, services
from openaims.risk.heatmap import heat_map_svg
from openaims.risk.models import Risk, RiskAction
from openaims.risk.readiness import RULES


def _risk_context(risk: Risk) -> dict:
    criteria = selectors.criteria_for(risk.organization)
    return {
        "criteria": criteria,
        "above_threshold": risk.above(criteria.acceptance_threshold),
        "excluded_controls": selectors.excluded_controls(risk),
        "actions": risk.actions.select_related("owner").order_by("due_date", "description"),
        "accept_form": forms.RiskAcceptForm(initial={"rationale": risk.acceptance_rationale}),
    }


risks = Resource(
    model=Risk,
    url_prefix="risks",
    form_class=forms.RiskEditForm,
    create_form_class=forms.RiskForm,
    filter_form_class=forms.RiskFilterForm,
    columns=[
        Column("Risk", "title", link=True),
        Column("AI systems", "ai_system_names"),
        Column("Inherent", "inherent_badge"),
        Column("Residual", "residual_badge"),
        Column("Owner", "owner"),
        Column("Treatment", "treatment_option"),
        Column("Review date", "review_date"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.risks,
    filter_queryset=selectors.filter_risks,
    create=services.risk_create,
    update=services.risk_update,
    delete=services.risk_delete,
    instance_kwarg="risk",
    detail_template="risk/risk_detail.html",
    detail_fields=[
        "description",
        "ai_systems",
        "consequences",
        "owner",
        "treatment_option",
        "treatment_plan",
        "review_date",
        "status",
    ],
    extra_detail_context=_risk_context,
    title_plural="Risk register",
)

risk_actions = Resource(
    model=RiskAction,
    url_prefix="risk-actions",
    form_class=forms.RiskActionEditForm,
    create_form_class=forms.RiskActionForm,
    filter_form_class=forms.RiskActionFilterForm,
    columns=[
        Column("Action", "description", link=True),
        Column("Risk", "risk"),
        Column("Owner", "owner"),
        Column("Due date", "due_date"),
        Column("Overdue", "overdue"),
        Column("Status", "status_badge"),
    ],
    queryset=selectors.risk_actions,
    filter_queryset=selectors.filter_risk_actions,
    create=services.risk_action_create,
    update=services.risk_action_update,
    delete=services.risk_action_delete,
    instance_kwarg="risk_action",
    detail_fields=["risk", "description", "owner", "due_date", "status", "completed_on"],
    title_plural="Risk treatment actions",
)

RESOURCES = [risks, risk_actions]


class RiskOverviewView(ActorRequiredMixin, View):
    """Heat maps (inherent and residual), risks overdue for review, without treatment, SoA conflicts, readiness."""

    def get(self, request):
        actor = request.actor
        qs = scoped(Risk, actor)
        criteria = selectors.criteria_for(actor.organization)
        register = reverse("risks-list")
        untreated = selectors.with_counts(qs).filter(selectors.untreated_q()).select_related("owner")
        context = {
            "criteria": criteria,
            "summary": selectors.register_summary(actor),
            "inherent_svg": mark_safe(  # built from escaped parts by heat_map_svg
                heat_map_svg(criteria, selectors.heat_counts(qs), register_url=register, svg_id="heatmap-inherent")
            ),
            "residual_svg": mark_safe(
                heat_map_svg(
                    criteria,
                    selectors.heat_counts(qs, residual=True),
                    residual=True,
                    register_url=register,
                    svg_id="heatmap-residual",
                )
            ),
            "overdue": qs.filter(selectors.overdue_q()).select_related("owner").order_by("review_date")[:50],
            "untreated": untreated.order_by("title")[:50],
            "conflicts": selectors.soa_conflict_rows(actor),
            "readiness": [(clause, rule(actor.organization)) for clause, rule in RULES.items()],
        }
        return render(request, "risk/overview.html", context)


class RiskCriteriaView(ActorRequiredMixin, View):
    """The risk criteria: read by every member, set by those with the approve right; re-scores every risk."""

    def get(self, request):
        request.actor.require(Permission.VIEW)
        criteria = selectors.criteria_for(request.actor.organization)
        form = forms.RiskCriteriaForm(initial=forms.RiskCriteriaForm.initial_from(criteria), criteria=criteria)
        return self._render(request, form, criteria)

    def post(self, request):
        request.actor.require(Permission.APPROVE)
        criteria = selectors.criteria_for(request.actor.organization)
        form = forms.RiskCriteriaForm(request.POST, criteria=criteria)
        if form.is_valid():
            try:
                result = services.risk_criteria_update(actor=request.actor, **form.to_service())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                if result.changes:
                    messages.warning(
                        request,
                        f"Risk criteria saved; {len(result.changes)} of {result.rescored} risks changed level: "
                        + "; ".join(change.describe() for change in result.changes[:20])
                        + (" …" if len(result.changes) > 20 else ""),
                    )
                else:
                    messages.success(
                        request, f"Risk criteria saved; no risk changed level ({result.rescored} re-scored)."
                    )
                return HttpResponseRedirect(reverse("risk-criteria"))
        return self._render(request, form, criteria, status=422)

    def _render(self, request, form, criteria, status=200):
        context = {"form": form, "criteria": criteria, "can_approve": request.actor.can(Permission.APPROVE)}
        return render(request, "risk/criteria.html", context, status=status)


class RiskAcceptView(ActorRequiredMixin, View):
    """POST: accept a risk (its owner; above the threshold an admin or owner, with a rationale)."""

    resource = risks

    def post(self, request, pk):
        risk = self.get_object(pk)
        form = forms.RiskAcceptForm(request.POST)
        form.is_valid()
        try:
            services.risk_accept(actor=request.actor, risk=risk, rationale=form.cleaned_data.get("rationale", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"“{risk}” accepted.")
        return HttpResponseRedirect(self.resource.url("detail", pk))
