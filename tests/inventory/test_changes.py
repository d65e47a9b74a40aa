"""Significant changes of an AI system reach the apps that subscribe to them, inside the change's transaction."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openaims.inventory import changes, services


@pytest.fixture
def heard(monkeypatch):
    events: list = []
    monkeypatch.setattr(changes, "_listeners", [])
    changes.on_significant_change(lambda *, actor, change: events.append((change.kind, change.detail)))
    return events


def test_purpose_lifecycle_and_deployment_are_significant(owner_actor, heard):
    system = services.ai_system_create(actor=owner_actor, name="Scorer", purpose="Scores loans.")
    services.ai_system_update(actor=owner_actor, ai_system=system, description="More words.")
    assert heard == []
    services.ai_system_update(actor=owner_actor, ai_system=system, purpose="Scores loans and leases.")
    services.ai_system_transition(actor=owner_actor, ai_system=system, to_stage="design")
    version = services.model_version_create(actor=owner_actor, ai_system=system, version="1.0")
    services.model_version_update(actor=owner_actor, model_version=version, status="deployed")
    services.model_version_update(actor=owner_actor, model_version=version, metrics_summary="AUC 0.81")
    assert heard == [
        ("purpose", "purpose changed"),
        ("lifecycle", "Idea → Design"),
        ("model_deployed", "model version 1.0 deployed"),
    ]


def test_a_listener_failure_undoes_the_change(owner_actor, monkeypatch):
    monkeypatch.setattr(changes, "_listeners", [])

    def refuse(*, actor, change):
        raise ValidationError({"purpose": ["refused by a listener"]})

    changes.on_significant_change(refuse)
    system = services.ai_system_create(actor=owner_actor, name="Scorer", purpose="Scores loans.")
    with pytest.raises(ValidationError):
        services.ai_system_update(actor=owner_actor, ai_system=system, purpose="Something else.")
    system.refresh_from_db()
    assert system.purpose == "Scores loans."
