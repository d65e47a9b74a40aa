"""Evidence runs the generic cases with a link item (files have their own tests in test_files.py)."""

from __future__ import annotations

import itertools

from openaims.evidence import services
from openaims.evidence.models import Evidence
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestEvidence(CRUDCases):
    api_path = "evidence"
    ui_prefix = "evidence"
    model = Evidence
    filter_param = ("kind", "url")

    def make(self, actor, **overrides):
        fields = {"title": f"made-evidence {next(_numbers)}", "url": "https://example.org/policy.pdf", **overrides}
        return services.evidence_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "title": f"Model card {next(_numbers)}",
            "kind": "url",
            "url": "https://wiki.example.org/model-card",
            "description": "Published model card.",
        }

    def update_payload(self):
        return {"description": "Reviewed by the governance lead.", "valid_until": "2099-12-31"}

    def ui_create_data(self, actor):
        return {"title": f"UI link {next(_numbers)}", "kind": "url", "url": "https://example.org/ui"}
