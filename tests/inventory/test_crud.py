"""Each inventory model runs the generic cases with its own data."""

from __future__ import annotations

import itertools

from openaims.inventory import services
from openaims.inventory.models import AISystem, Dataset, ModelVersion, Supplier
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestAISystem(CRUDCases):
    api_path = "systems"
    ui_prefix = "systems"
    model = AISystem
    filter_param = ("q", "made-system")

    def make(self, actor, **overrides):
        fields = {"name": f"made-system {next(_numbers)}", "purpose": "Scores things.", **overrides}
        return services.ai_system_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {"name": f"New system {next(_numbers)}", "purpose": "Ranks applicants.", "tags": ["hr"]}

    def update_payload(self):
        return {"purpose": "Ranks applicants for recruiters.", "business_unit": "People"}

    def ui_create_data(self, actor):
        return {
            "name": f"UI system {next(_numbers)}",
            "purpose": "Made in the browser form.",
            "lifecycle_stage": "idea",
            "human_oversight": "human_in_the_loop",
            "automation_level": "advisory",
            "in_scope": "on",
        }


class TestModelVersion(CRUDCases):
    api_path = "model-versions"
    ui_prefix = "model-versions"
    model = ModelVersion
    filter_param = ("status", "candidate")

    def _system(self, actor):
        system = AISystem.objects.filter(organization=actor.organization).first()
        return system or services.ai_system_create(actor=actor, name="Host system", purpose="Hosts versions.")

    def make(self, actor, **overrides):
        return services.model_version_create(
            actor=actor, ai_system=self._system(actor), version=f"1.{next(_numbers)}", **overrides
        )

    def create_payload(self, actor):
        return {"ai_system_id": str(self._system(actor).pk), "version": f"2.{next(_numbers)}", "source": "mlflow://x"}

    def update_payload(self):
        return {"status": "validated", "metrics_summary": "AUC 0.8"}

    def ui_create_data(self, actor):
        data = self.create_payload(actor)
        return {"ai_system": data["ai_system_id"], "version": data["version"], "status": "candidate"}


class TestDataset(CRUDCases):
    api_path = "datasets"
    ui_prefix = "datasets"
    model = Dataset
    filter_param = ("q", "made-dataset")

    def make(self, actor, **overrides):
        return services.dataset_create(actor=actor, name=f"made-dataset {next(_numbers)}", **overrides)

    def create_payload(self, actor):
        return {"name": f"Loans {next(_numbers)}", "source": "core banking", "contains_personal_data": True}

    def update_payload(self):
        return {"licence": "CC-BY-4.0", "quality_notes": "3% missing income"}

    def ui_create_data(self, actor):
        return {"name": f"UI dataset {next(_numbers)}", "source": "form"}


class TestSupplier(CRUDCases):
    api_path = "suppliers"
    ui_prefix = "suppliers"
    model = Supplier
    filter_param = ("assessment_status", "not_assessed")

    def make(self, actor, **overrides):
        return services.supplier_create(actor=actor, name=f"made-supplier {next(_numbers)}", **overrides)

    def create_payload(self, actor):
        return {"name": f"Vendor {next(_numbers)}", "supplies": "Hosted LLM"}

    def update_payload(self):
        return {"assessment_status": "approved", "contract_reference": "MSA-1"}

    def ui_create_data(self, actor):
        return {"name": f"UI vendor {next(_numbers)}", "assessment_status": "not_assessed"}
