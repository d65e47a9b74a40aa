"""Evidence requests run the generic cases with their own data (the request right creates and changes them)."""

from __future__ import annotations

import itertools

from openaims.external_audit.models import EvidenceRequest
from tests.external_audit.helpers import make_request
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestEvidenceRequest(CRUDCases):
    api_path = "evidence-requests"
    ui_prefix = "evidence-requests"
    model = EvidenceRequest
    filter_param = ("status", "open")
    create_permission = "request"
    change_permission = "request"

    def make(self, actor, **overrides):
        return make_request(actor, **overrides)

    def create_payload(self, actor):
        return {
            "title": f"Records of the risk assessment {next(_numbers)}",
            "description": "The last risk assessment and its approval.",
            "clause_id": "6.1.2",
            "control_id": "A.5.2",
            "due_date": "2030-01-15",
        }

    def update_payload(self):
        return {"title": f"Records renamed {next(_numbers)}", "due_date": "2031-02-03"}
