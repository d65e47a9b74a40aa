"""Routing rules and review settings run the generic cases with their own data."""

from __future__ import annotations

import itertools

from openaims.oversight.reviews.models import ReviewSettings, RoutingRule
from tests.generic.cases import CRUDCases
from tests.oversight.reviews.helpers import make_rule, make_settings, make_system

_numbers = itertools.count(1)


class TestRoutingRule(CRUDCases):
    api_path = "routing-rules"
    ui_prefix = "routing-rules"
    model = RoutingRule
    filter_param = ("kind", "all")

    def make(self, actor, **overrides):
        return make_rule(actor, **overrides)

    def create_payload(self, actor):
        system = make_system(actor)
        return {
            "name": f"Low confidence {next(_numbers)}",
            "ai_system_id": str(system.pk),
            "kind": "low_confidence",
            "threshold": 0.7,
            "order": 1,
        }

    def update_payload(self):
        return {"name": f"Sample {next(_numbers)}", "kind": "random_sample", "share": 0.05}

    def ui_create_data(self, actor):
        system = make_system(actor)
        return {
            "ai_system": str(system.pk),
            "name": f"UI rule {next(_numbers)}",
            "kind": "adverse_outcome",
            "adverse_outcomes": "reject, refer",
            "active": "on",
            "order": "5",
        }


class TestReviewSettings(CRUDCases):
    api_path = "review-settings"
    ui_prefix = "review-settings"
    model = ReviewSettings
    filter_param = ("q", "Loan scorer")

    def make(self, actor, **overrides):
        return make_settings(actor, make_system(actor), **overrides)

    def create_payload(self, actor):
        system = make_system(actor)
        return {
            "webhook_url": "https://decisions.example.org/hooks/review",
            "ai_system_id": str(system.pk),
            "hours_to_decide": 12,
            "blind_share": 0.1,
            "webhook_secret": "a-long-enough-webhook-secret",
        }

    def update_payload(self):
        return {"hours_to_decide": 8 + next(_numbers) % 10, "blind_share": 0.2}

    def ui_create_data(self, actor):
        system = make_system(actor)
        return {"ai_system": str(system.pk), "hours_to_decide": "48", "blind_share": "0"}
