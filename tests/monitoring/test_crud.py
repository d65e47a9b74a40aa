"""Data sources and monitors run the generic cases: CRUD, trail, other organization 404, each role."""

from __future__ import annotations

import itertools

import pytest

from openaims.monitoring import services
from openaims.monitoring.models import DataSource, Monitor
from tests.generic.cases import CRUDCases
from tests.monitoring.helpers import make_monitor, make_store, make_system

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def logs_connection(settings):
    """The administrator's declared connection the PostgreSQL payloads name (its DSN is never needed here)."""
    settings.AIMS_CONNECTIONS = [
        {"name": "decisions-replica", "kind": "postgres", "dsn_env": "AIMS_TEST_UNSET_DSN", "organizations": ["*"]}
    ]


class TestDataSource(CRUDCases):
    api_path = "data-sources"
    ui_prefix = "data-sources"
    model = DataSource
    filter_param = ("kind", "parquet")

    def make(self, actor, **overrides):
        fields = {
            "ai_system": make_system(actor),
            "name": f"made-source {next(_numbers)}",
            "kind": "parquet",
            "location": "scores/2026.parquet",
            **overrides,
        }
        return services.data_source_create(actor=actor, **fields)

    def create_payload(self, actor):
        return {
            "ai_system_id": str(make_system(actor).pk),
            "name": f"Scoring log {next(_numbers)}",
            "kind": "postgres",
            "location": "public.decisions",
            "connection": "decisions-replica",
            "timestamp_column": "decided_at",
            "y_true_column": "repaid",
            "y_pred_column": "approved",
            "protected_attributes": ["sex", "age_band"],
        }

    def update_payload(self):
        return {"description": "Read replica of the decisions table.", "positive_label": "yes"}

    def ui_create_data(self, actor):
        payload = self.create_payload(actor)
        payload["ai_system"] = payload.pop("ai_system_id")
        payload["protected_attributes"] = ", ".join(payload["protected_attributes"])
        return payload


class TestMonitor(CRUDCases):
    api_path = "monitors"
    ui_prefix = "monitors"
    model = Monitor
    filter_param = ("kind", "fairness")

    def make(self, actor, **overrides):
        return make_monitor(actor, **overrides)

    def create_payload(self, actor):
        source = make_store(actor)
        return {
            "ai_system_id": str(source.ai_system_id),
            "data_source_id": str(source.pk),
            "name": f"Parity {next(_numbers)}",
            "kind": "fairness",
            "thresholds": [{"metric": "demographic_parity_ratio", "operator": ">=", "value": 0.8, "group": "overall"}],
            "window": "weekly",
            "schedule": "daily",
        }

    def update_payload(self):
        return {"description": "Four-fifths rule on approvals.", "window": "monthly"}

    def ui_create_data(self, actor):
        payload = self.create_payload(actor)
        payload["ai_system"] = payload.pop("ai_system_id")
        payload["data_source"] = payload.pop("data_source_id")
        payload["thresholds"] = "demographic_parity_ratio >= 0.8\naccuracy >= 0.9 any"
        payload["min_group_size"] = 30
        payload["active"] = "on"
        return payload
