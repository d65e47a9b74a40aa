"""Readiness for certification: the dashboard and the page of each clause requirement."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from openaims.accounts.choices import Permission
from openaims.base.views import ActorRequiredMixin, apply_service_errors
from openaims.controls import forms, services
from openaims.controls.selectors.readiness import readiness_report, requirement_readiness


class ReadinessView(ActorRequiredMixin, View):
    """Overall readiness, per clause, and the blockers that stand between the organization and the audit."""

    def get(self, request):
        return render(request, "controls/readiness.html", {"report": readiness_report(request.actor)})


class RequirementView(ActorRequiredMixin, View):
    """One clause requirement: why it stands where it does; where no rule decides, the assessment form."""

    def _render(self, item, form=None, status=200):
        context = {"item": item, "form": form, "can_change": self.request.actor.can(Permission.CHANGE)}
        return render(self.request, "controls/requirement.html", context, status=status)

    def get(self, request, requirement_id):
        item = requirement_readiness(request.actor, requirement_id)
        form = None
        if item.source != "derived" and request.actor.can(Permission.CHANGE):
            initial = {"status": item.status}
            if item.assessment is not None:
                initial.update(evidence=list(item.assessment.evidence.all()), notes=item.assessment.notes)
            form = forms.AssessmentForm(initial=initial, actor=request.actor)
        return self._render(item, form)

    def post(self, request, requirement_id):
        item = requirement_readiness(request.actor, requirement_id)
        form = forms.AssessmentForm(request.POST, actor=request.actor)
        if form.is_valid():
            try:
                services.requirement_assessment_set(
                    actor=request.actor,
                    requirement_id=requirement_id,
                    status=form.cleaned_data["status"],
                    evidence=list(form.cleaned_data["evidence"]),
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"{requirement_id} {item.title}: assessment saved.")
                return HttpResponseRedirect(request.path)
        return self._render(item, form, status=422)
