"""The inventory's web UI: generic views configured per model, plus life cycle transitions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from openaims.base.views import ActorRequiredMixin, Column, Resource, apply_service_errors
from openaims.inventory import classification, forms, selectors, services
from openaims.inventory.choices import LIFECYCLE_ORDER, LifecycleStage
from openaims.inventory.models import AISystem, Dataset, ModelVersion, Supplier


def next_stage(stage: str) -> str:
    """The stage a transition form offers first: the next one (retired systems offer none)."""
    index = LIFECYCLE_ORDER.index(stage)
    return LIFECYCLE_ORDER[index + 1] if index + 1 < len(LIFECYCLE_ORDER) else ""


ai_systems = Resource(
    model=AISystem,
    url_prefix="systems",
    form_class=forms.AISystemForm,
    create_form_class=forms.AISystemCreateForm,
    filter_form_class=forms.AISystemFilterForm,
    columns=[
        Column("Name", "name", link=True),
        Column("Purpose", "purpose"),
        Column("Stage", "lifecycle_stage", badge=True),
        Column("Owner", "owner"),
        Column("Business unit", "business_unit"),
        Column("In scope", "in_scope"),
        Column("Model versions", "model_version_count"),
    ],
    queryset=selectors.ai_systems,
    filter_queryset=selectors.filter_ai_systems,
    create=services.ai_system_create,
    update=services.ai_system_update,
    delete=services.ai_system_delete,
    instance_kwarg="ai_system",
    detail_template="inventory/aisystem_detail.html",
    extra_detail_context=lambda obj: {
        "model_versions": obj.model_versions.all(),
        "stage_choices": LifecycleStage.choices,
        "next_stage": next_stage(obj.lifecycle_stage),
        "classification": selectors.current_classification(obj),
    },
    title_plural="AI systems",
)

model_versions = Resource(
    model=ModelVersion,
    url_prefix="model-versions",
    form_class=forms.ModelVersionEditForm,
    create_form_class=forms.ModelVersionForm,
    filter_form_class=forms.ModelVersionFilterForm,
    columns=[
        Column("Version", "version", link=True),
        Column("AI system", "ai_system"),
        Column("Status", "status", badge=True),
        Column("Released", "released_on"),
        Column("Source", "source"),
    ],
    queryset=selectors.model_versions,
    filter_queryset=selectors.filter_model_versions,
    create=services.model_version_create,
    update=services.model_version_update,
    delete=services.model_version_delete,
    instance_kwarg="model_version",
    detail_fields=["ai_system", "version", "status", "released_on", "source", "training_data", "metrics_summary"],
)

datasets = Resource(
    model=Dataset,
    url_prefix="datasets",
    form_class=forms.DatasetForm,
    filter_form_class=forms.DatasetFilterForm,
    columns=[
        Column("Name", "name", link=True),
        Column("Source", "source"),
        Column("Personal data", "contains_personal_data"),
        Column("Licence", "licence"),
    ],
    queryset=selectors.datasets,
    filter_queryset=selectors.filter_datasets,
    create=services.dataset_create,
    update=services.dataset_update,
    delete=services.dataset_delete,
    instance_kwarg="dataset",
    detail_fields=["name", "source", "provenance", "contains_personal_data", "quality_notes", "licence"],
)

suppliers = Resource(
    model=Supplier,
    url_prefix="suppliers",
    form_class=forms.SupplierForm,
    filter_form_class=forms.SupplierFilterForm,
    columns=[
        Column("Name", "name", link=True),
        Column("Supplies", "supplies"),
        Column("Contract", "contract_reference"),
        Column("Assessment", "assessment_status", badge=True),
    ],
    queryset=selectors.suppliers,
    filter_queryset=selectors.filter_suppliers,
    create=services.supplier_create,
    update=services.supplier_update,
    delete=services.supplier_delete,
    instance_kwarg="supplier",
    detail_fields=["name", "supplies", "contract_reference", "assessment_status"],
)


class TransitionView(ActorRequiredMixin, View):
    """POST a new life cycle stage (with a reason when stages are skipped)."""

    resource = ai_systems

    def post(self, request, pk):
        system = self.get_object(pk)
        form = forms.TransitionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a stage.")
        else:
            try:
                services.ai_system_transition(
                    actor=request.actor,
                    ai_system=system,
                    to_stage=form.cleaned_data["to_stage"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                system.refresh_from_db()
                messages.success(request, f"“{system}” moved to {system.get_lifecycle_stage_display()}.")
        return HttpResponseRedirect(self.resource.url("detail", pk))


class ClassificationView(ActorRequiredMixin, View):
    """The current EU AI Act classification of an AI system in full: basis, obligations by role, rationale."""

    resource = ai_systems

    def get(self, request, pk):
        system = self.get_object(pk)
        current = selectors.current_classification(system)
        earlier = list(selectors.classifications(request.actor, system)[1:20]) if current else []
        context = self.base_context(object=system, classification=current, earlier=earlier)
        if current:
            context["result"] = current.result
        return render(request, "inventory/classification_detail.html", context)


class QuestionnaireView(ActorRequiredMixin, View):
    """The EU AI Act questionnaire of an AI system: answer, preview the result (htmx), and save."""

    resource = ai_systems

    def _render(self, system, form, status=200, result=None):
        context = self.base_context(object=system, form=form, result=result)
        return render(self.request, "inventory/classification_form.html", context, status=status)

    def get(self, request, pk):
        system = self.get_object(pk)
        current = selectors.current_classification(system)
        initial = current.answers if current else None
        return self._render(system, forms.ClassificationForm(initial=initial))

    def post(self, request, pk):
        system = self.get_object(pk)
        form = forms.ClassificationForm(request.POST)
        preview = request.POST.get("preview") == "1"  # the htmx live preview: nothing is saved
        if form.is_valid():
            try:
                if preview:
                    result = classification.classify_answers(form.answers()).to_dict()
                    return render(request, "inventory/classification_result.html", {"result": result, "preview": True})
                classification.ai_system_classify(actor=request.actor, ai_system=system, answers=form.answers())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, f"“{system}” classified under the EU AI Act.")
                return HttpResponseRedirect(reverse("systems-classification", args=[system.pk]))
        if preview:
            return render(request, "inventory/classification_result.html", {"form": form, "preview": True}, status=422)
        return self._render(system, form, status=422)
