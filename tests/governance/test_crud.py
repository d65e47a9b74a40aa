"""Each governance model runs the generic cases with its own data."""

from __future__ import annotations

import itertools

from openaims.accounts.models import Membership
from openaims.governance import services
from openaims.governance.models import (
    AIMSRole,
    AIObjective,
    CompetenceRecord,
    ContextIssue,
    Document,
    DocumentVersion,
    InterestedParty,
    ScopeStatement,
)
from tests.generic.cases import CRUDCases

_numbers = itertools.count(1)


class TestScopeStatement(CRUDCases):
    api_path = "scope-statements"
    ui_prefix = "scope-statements"
    model = ScopeStatement
    filter_param = ("status", "draft")

    def make(self, actor, **overrides):
        fields = {"version": f"made-{next(_numbers)}", "statement": "Covers the lending AI systems.", **overrides}
        return services.scope_statement_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {"version": f"{next(_numbers)}", "statement": "All credit decisioning AI.", "sites": "Berlin, Lisbon"}

    def update_payload(self):
        return {"statement": "All credit and fraud AI.", "exclusions": "HR tools: run by the parent company."}


class TestContextIssue(CRUDCases):
    api_path = "context-issues"
    ui_prefix = "context-issues"
    model = ContextIssue
    filter_param = ("origin", "external")

    def make(self, actor, **overrides):
        fields = {"title": f"made-issue {next(_numbers)}", "origin": "external", "category": "legal", **overrides}
        return services.context_issue_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "title": f"EU AI Act obligations {next(_numbers)}",
            "origin": "external",
            "category": "legal",
            "description": "High-risk duties apply to credit scoring.",
        }

    def update_payload(self):
        return {"effect_on_aims": "Adds conformity assessment work.", "next_review_date": "2030-06-30"}


class TestInterestedParty(CRUDCases):
    api_path = "interested-parties"
    ui_prefix = "interested-parties"
    model = InterestedParty
    filter_param = ("kind", "regulator")

    def make(self, actor, **overrides):
        fields = {"name": f"made-party {next(_numbers)}", "kind": "regulator", **overrides}
        return services.interested_party_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "name": f"Loan applicants {next(_numbers)}",
            "kind": "affected_person",
            "needs_and_expectations": "Fair, explained decisions.",
            "compliance_obligation": True,
        }

    def update_payload(self):
        return {"how_addressed": "Explanations and an appeal route.", "next_review_date": "2031-01-31"}


class TestDocument(CRUDCases):
    api_path = "documents"
    ui_prefix = "documents"
    model = Document
    filter_param = ("document_type", "procedure")

    def make(self, actor, **overrides):
        fields = {"title": f"made-document {next(_numbers)}", "document_type": "procedure", **overrides}
        return services.document_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "title": f"AI policy {next(_numbers)}",
            "document_type": "ai_policy",
            "owner_id": str(actor.user.pk),
            "next_review_date": "2030-01-01",
        }

    def update_payload(self):
        return {"title": f"Responsible AI policy {next(_numbers)}", "next_review_date": "2031-12-31"}

    def ui_create_data(self, actor):
        return {"title": f"UI document {next(_numbers)}", "document_type": "guideline", "owner": str(actor.user.pk)}


class TestDocumentVersion(CRUDCases):
    api_path = "document-versions"
    ui_prefix = "document-versions"
    model = DocumentVersion
    filter_param = ("status", "draft")

    def _document(self, actor):
        document = Document.objects.filter(organization=actor.organization).first()
        return document or services.document_create(actor=actor, title="Host document")

    def make(self, actor, **overrides):
        return services.document_version_create(
            actor=actor, document=self._document(actor), number=f"1.{next(_numbers)}", **overrides
        )

    def create_payload(self, actor):
        return {
            "number": f"2.{next(_numbers)}",
            "document_id": str(self._document(actor).pk),
            "content": "We use AI only where a person can contest the outcome.",
            "link": "https://intranet.example.org/policies/ai.pdf",
        }

    def update_payload(self):
        return {"change_note": "Clarified the appeal route.", "content": "Revised wording."}

    def ui_create_data(self, actor):
        data = self.create_payload(actor)
        return {"document": data["document_id"], "number": data["number"], "content": data["content"]}


class TestAIMSRole(CRUDCases):
    api_path = "aims-roles"
    ui_prefix = "aims-roles"
    model = AIMSRole
    filter_param = ("q", "made-role")

    def make(self, actor, **overrides):
        fields = {"name": f"made-role {next(_numbers)}", "responsibilities": "Keeps the AIMS running.", **overrides}
        return services.aims_role_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "name": f"AI risk owner {next(_numbers)}",
            "responsibilities": "Accepts residual AI risk.",
            "holders": [str(Membership.objects.get(organization=actor.organization, user=actor.user).pk)],
        }

    def update_payload(self):
        return {"authority": "May stop a deployment.", "responsibilities": "Accepts or rejects residual AI risk."}

    def ui_create_data(self, actor):
        return {
            "name": f"UI role {next(_numbers)}",
            "responsibilities": "Chairs the AI board.",
            "holders": [str(Membership.objects.get(organization=actor.organization, user=actor.user).pk)],
        }


class TestAIObjective(CRUDCases):
    api_path = "ai-objectives"
    ui_prefix = "ai-objectives"
    model = AIObjective
    filter_param = ("status", "on_track")

    def make(self, actor, **overrides):
        fields = {"objective": f"made-objective {next(_numbers)}", "status": "on_track", **overrides}
        return services.ai_objective_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "objective": f"Keep approval rates fair {next(_numbers)}",
            "metric": "demographic parity difference",
            "target_value": 0.05,
            "unit": "ratio",
            "owner_id": str(actor.user.pk),
            "due_date": "2030-12-31",
        }

    def update_payload(self):
        return {"status": "at_risk", "monitoring": "Monthly metric run on the prediction logs."}

    def ui_create_data(self, actor):
        return {
            "objective": f"UI objective {next(_numbers)}",
            "metric": "recall",
            "target_value": "0.9",
            "status": "planned",
        }


class TestCompetenceRecord(CRUDCases):
    api_path = "competence-records"
    ui_prefix = "competence-records"
    model = CompetenceRecord
    filter_param = ("q", "made-competence")

    def make(self, actor, **overrides):
        fields = {"member": actor.user, "competence": f"made-competence {next(_numbers)}", **overrides}
        return services.competence_record_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "competence": f"AI risk assessment training {next(_numbers)}",
            "member_id": str(actor.user.pk),
            "completed_on": "2025-01-10",
            "valid_until": "2027-01-10",
            "evidence_reference": "LMS-42",
        }

    def update_payload(self):
        return {"notes": "Refresher booked.", "valid_until": "2028-01-10"}

    def ui_create_data(self, actor):
        return {"member": str(actor.user.pk), "competence": f"UI training {next(_numbers)}"}
