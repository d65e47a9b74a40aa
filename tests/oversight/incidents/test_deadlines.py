"""The notification deadline rules, one row per rule (EU AI Act Art. 73(2)-(4), GDPR Art. 33)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from openaims.oversight.incidents.deadlines import notification_deadlines

AWARE = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
HIGH = SimpleNamespace(tier="high_risk")


def facts(categories=(), death=False, widespread=False, breach=False):
    return SimpleNamespace(
        serious_categories=list(categories),
        involves_death=death,
        widespread_infringement=widespread,
        personal_data_breach=breach,
        detected_at=AWARE,
    )


# (name, incident facts, classification, expected [(rule, legal basis, deadline after becoming aware)])
CASES = [
    (
        "serious, high-risk: 15 days",
        facts(["fundamental_rights"]),
        HIGH,
        [("eu_ai_act_art73", "73(2)", dt.timedelta(days=15))],
    ),
    (
        "harm to property: 15 days",
        facts(["property_environment"]),
        HIGH,
        [("eu_ai_act_art73", "73(2)", dt.timedelta(days=15))],
    ),
    ("serious harm to health: 15 days", facts(["health"]), HIGH, [("eu_ai_act_art73", "73(2)", dt.timedelta(days=15))]),
    ("a death: 10 days", facts(["health"], death=True), HIGH, [("eu_ai_act_art73", "73(4)", dt.timedelta(days=10))]),
    (
        "critical infrastructure: 2 days",
        facts(["critical_infrastructure"]),
        HIGH,
        [("eu_ai_act_art73", "73(3)", dt.timedelta(days=2))],
    ),
    (
        "widespread infringement: 2 days",
        facts(["fundamental_rights"], widespread=True),
        HIGH,
        [("eu_ai_act_art73", "73(3)", dt.timedelta(days=2))],
    ),
    (
        "widespread infringement alone: 2 days",
        facts(widespread=True),
        HIGH,
        [("eu_ai_act_art73", "73(3)", dt.timedelta(days=2))],
    ),
    (
        "a death in critical infrastructure: the shortest, 2 days",
        facts(["health", "critical_infrastructure"], death=True),
        HIGH,
        [("eu_ai_act_art73", "73(3)", dt.timedelta(days=2))],
    ),
    ("not serious: nothing", facts(), HIGH, []),
    ("serious, limited risk: no Art. 73 duty", facts(["health"], death=True), SimpleNamespace(tier="limited_risk"), []),
    ("serious, minimal risk: no Art. 73 duty", facts(["fundamental_rights"]), SimpleNamespace(tier="minimal"), []),
    ("serious, never classified: no Art. 73 duty", facts(["health"]), None, []),
    (
        "data breach, minimal risk: 72 hours",
        facts(breach=True),
        SimpleNamespace(tier="minimal"),
        [("gdpr_art33", "33(1)", dt.timedelta(hours=72))],
    ),
    ("data breach, no system: 72 hours", facts(breach=True), None, [("gdpr_art33", "33(1)", dt.timedelta(hours=72))]),
    (
        "serious data breach, high-risk: both, earliest first",
        facts(["fundamental_rights"], breach=True),
        HIGH,
        [("gdpr_art33", "33(1)", dt.timedelta(hours=72)), ("eu_ai_act_art73", "73(2)", dt.timedelta(days=15))],
    ),
    (
        "widespread breach: 2 days before 72 hours",
        facts(["fundamental_rights"], widespread=True, breach=True),
        HIGH,
        [("eu_ai_act_art73", "73(3)", dt.timedelta(days=2)), ("gdpr_art33", "33(1)", dt.timedelta(hours=72))],
    ),
]


@pytest.mark.parametrize(("name", "incident", "classification", "expected"), CASES, ids=[c[0] for c in CASES])
def test_notification_deadlines(name, incident, classification, expected):
    duties = notification_deadlines(incident, classification)
    assert [(d.rule, d.deadline - AWARE) for d in duties] == [(rule, delta) for rule, _, delta in expected]
    for duty, (_, article, _) in zip(duties, expected, strict=True):
        assert article in duty.legal_basis
        assert duty.recipient and duty.reason


def test_deadline_counts_from_becoming_aware_not_from_occurrence():
    incident = facts(["health"])
    incident.occurred_at = AWARE - dt.timedelta(days=30)
    (duty,) = notification_deadlines(incident, HIGH)
    assert duty.deadline == dt.datetime(2026, 3, 17, 9, 30, tzinfo=dt.UTC)
    assert "Market surveillance" in duty.recipient
