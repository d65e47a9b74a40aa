"""Reporting obligations and reporting records run the generic cases with their own data."""

from __future__ import annotations

import itertools

from openaims.oversight.transparency.models import ReportingObligation, ReportingRecord
from tests.generic.cases import CRUDCases
from tests.oversight.transparency.helpers import make_obligation, make_record, make_system

_numbers = itertools.count(1)


class TestReportingObligation(CRUDCases):
    api_path = "reporting-obligations"
    ui_prefix = "reporting-obligations"
    model = ReportingObligation
    filter_param = ("frequency", "quarterly")

    def make(self, actor, **overrides):
        return make_obligation(actor, **overrides)

    def create_payload(self, actor):
        system = make_system(actor)
        return {
            "title": f"Annual transparency report {next(_numbers)}",
            "ai_system_id": str(system.pk),
            "description": "Selection rates by group, with intervals.",
            "recipient": "Works council",
            "frequency": "yearly",
            "first_due_date": "2030-03-31",
            "owner_id": str(actor.user.pk),
        }

    def update_payload(self):
        return {"title": f"Annual report {next(_numbers)}", "first_due_date": "2030-06-30"}

    def ui_create_data(self, actor):
        system = make_system(actor)
        return {
            "ai_system": str(system.pk),
            "title": f"UI obligation {next(_numbers)}",
            "recipient": "Customers",
            "frequency": "event",
        }


class TestReportingRecord(CRUDCases):
    api_path = "reporting-records"
    ui_prefix = "reporting-records"
    model = ReportingRecord

    def make(self, actor, **overrides):
        return make_record(actor, **overrides)

    def create_payload(self, actor):
        obligation = make_obligation(actor)
        return {
            "summary": f"Sent the quarterly report by e-mail {next(_numbers)}",
            "obligation_id": str(obligation.pk),
            "sent_on": "2026-01-15",
        }

    def update_payload(self):
        return {"summary": f"Sent through the portal {next(_numbers)}", "sent_on": "2026-01-16"}

    def ui_create_data(self, actor):
        obligation = make_obligation(actor)
        return {"obligation": str(obligation.pk), "summary": f"UI record {next(_numbers)}"}
