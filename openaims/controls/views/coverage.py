"""Coverage across frameworks: the summary of every mapped framework, and one framework in detail."""

from __future__ import annotations

from django.shortcuts import render
from django.views import View

from openaims.base.views import ActorRequiredMixin
from openaims.controls.forms import CoverageFilterForm
from openaims.controls.selectors.coverage import coverage_report, coverage_summaries


def _filters(request) -> tuple[CoverageFilterForm, list[str], str]:
    form = CoverageFilterForm(request.GET or None)
    if form.is_valid():
        return form, form.cleaned_data["basis"], form.cleaned_data["status"]
    return form, [], ""


class CoverageView(ActorRequiredMixin, View):
    def get(self, request):
        form, basis, _ = _filters(request)
        reports = coverage_summaries(request.actor, basis)
        return render(request, "controls/coverage.html", {"reports": reports, "filter_form": form})


class CoverageFrameworkView(ActorRequiredMixin, View):
    def get(self, request, framework_id):
        form, basis, status = _filters(request)
        report = coverage_report(request.actor, framework_id, basis)
        rows = [row for row in report.rows if not status or row.status == status]
        context = {"report": report, "rows": rows, "filter_form": form, "query": request.GET.urlencode()}
        return render(request, "controls/coverage_framework.html", context)
