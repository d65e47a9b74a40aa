"""The review queue of the demo organization: routing rules and a service level for the credit scoring system, a
few hundred decisions reviewed over the demo's weeks (overrides rising in the last weeks, some blind, one
escalation), today's open queue, and a human oversight monitor on the queue (its override-rate threshold is
breached by the last weeks once it runs).

Generated with a fixed seed, through the services.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.accounts.selectors import actor_for
from openaims.inventory.models import AISystem
from openaims.monitoring import services as monitoring
from openaims.monitoring.runner import last_complete_window, run_monitor
from openaims.oversight.reviews import services
from openaims.oversight.reviews.models import RoutingRule

WEEKS = 8
PER_WEEK = 40
RISING_WEEKS = 2  # the last weeks: reviewers override the model far more often
OPEN_NOW = 12
AGE_BANDS = ("18-25", "26-45", "46+")


def _submission(rng: random.Random, decision_id: str) -> dict:
    declined = rng.random() < 0.45
    confidence = round(rng.uniform(0.35, 0.7) if rng.random() < 0.5 else rng.uniform(0.5, 0.98), 3)
    income, amount = rng.randrange(18000, 95000, 500), rng.randrange(2000, 40000, 500)
    return {
        "decision_id": decision_id,
        "ai_output": "decline" if declined else "approve",
        "confidence": confidence,
        "input_summary": {"income": income, "amount": amount, "term_months": rng.choice([12, 24, 36, 60])},
        "explanation": {
            "debt_to_income": round(rng.uniform(-0.5, 0.5), 2),
            "credit_history_months": round(rng.uniform(-0.3, 0.3), 2),
            "amount": round(rng.uniform(-0.2, 0.2), 2),
        },
        "subject_groups": {"sex": rng.choice("FM"), "age_band": rng.choice(AGE_BANDS)},
    }


def load_demo_reviews(actor, members) -> int:
    """Rules, settings, reviewed items, the open queue and an oversight monitor; returns the number of items."""
    organization = actor.organization
    system = AISystem.objects.filter(organization=organization, name="Retail credit scoring").first()
    if system is None or RoutingRule.objects.filter(organization=organization).exists():
        return 0
    rng = random.Random(20260105)
    reviewer = actor_for(members[Role.REVIEWER], organization)
    manager = actor_for(members[Role.MANAGER], organization)
    rules = [
        ("Declines", {"kind": "adverse_outcome", "adverse_outcomes": ["decline"], "order": 1}),
        ("Unsure scores", {"kind": "low_confidence", "threshold": 0.6, "order": 2}),
        ("Quality sample", {"kind": "random_sample", "share": 0.1, "order": 3}),
    ]
    for name, fields in rules:
        services.routing_rule_create(actor=actor, ai_system=system, name=name, **fields)
    services.review_settings_create(actor=actor, ai_system=system, hours_to_decide=24, blind_share=0.15)

    last_start, _ = last_complete_window("weekly", timezone.now())
    first_monday = last_start - dt.timedelta(weeks=WEEKS - 1)
    count = 0
    escalated = False
    for week in range(WEEKS):
        # Every 12th decision overridden (8%), every 3rd in the last weeks (33%): by position, not by chance, so that
        # whichever decisions the samples route, the early weeks stay under the 20% threshold and the last ones over.
        every = 3 if week >= WEEKS - RISING_WEEKS else 12
        for n in range(PER_WEEK):
            submitted = first_monday + dt.timedelta(weeks=week, minutes=rng.randrange(0, 7 * 24 * 60 - 48 * 60))
            result = services.review_item_submit(
                actor=actor, ai_system=system, submitted_at=submitted, **_submission(rng, f"CR-{week:02d}-{n:03d}")
            )
            if not result.created:
                continue
            count += 1
            item = result.item
            decided = submitted + dt.timedelta(hours=rng.uniform(0.5, 30))
            other = "approve" if item.ai_output == "decline" else "decline"
            if not escalated and week == WEEKS - 1:
                services.review_item_decide(
                    actor=reviewer, item=item, action="escalate", reason="Self-employed income: needs a senior view."
                )
                services.review_item_decide(
                    actor=manager,
                    item=item,
                    action="override",
                    outcome=other,
                    reason="Tax returns show stable income." if other == "approve" else "Income not documented.",
                    at=decided,
                )
                escalated = True
            elif item.blind:
                outcome = other if n % every == 0 else item.ai_output
                services.review_item_decide(
                    actor=reviewer,
                    item=item,
                    action="approve",
                    outcome=outcome,
                    reason="Decided from the file.",
                    at=decided,
                )
            elif n % every == 0:
                services.review_item_decide(
                    actor=reviewer,
                    item=item,
                    action="override",
                    outcome=other,
                    reason="The file contradicts the score.",
                    at=decided,
                )
            else:
                services.review_item_decide(actor=reviewer, item=item, action="approve", at=decided)
    now = timezone.now()
    for n in range(OPEN_NOW):
        submitted = now - dt.timedelta(hours=rng.uniform(1, 40))
        result = services.review_item_submit(
            actor=actor, ai_system=system, submitted_at=submitted, **_submission(rng, f"CR-NOW-{n:03d}")
        )
        count += int(result.created)
    _oversight_monitor(actor, system, last_start)
    return count


def _oversight_monitor(actor, system, last_start: dt.datetime) -> None:
    """A human oversight monitor on the queue, run over each demo week: the rising override rate of the last weeks
    breaches its threshold and opens a nonconformity, as fairness does; then the task runner runs it weekly."""
    source = monitoring.data_source_create(
        actor=actor, ai_system=system, name="Credit review queue", kind="reviews", description="The human reviews."
    )
    monitor = monitoring.monitor_create(
        actor=actor,
        ai_system=system,
        data_source=source,
        name="Credit decisions: human oversight",
        kind="oversight",
        thresholds=[
            {"metric": "override_rate", "operator": "<=", "value": 0.2, "group": "overall"},
            {"metric": "median_hours_to_decision", "operator": "<=", "value": 24, "group": "overall"},
        ],
        window="weekly",
        min_group_size=10,
        schedule="weekly",
        next_run_at=last_start + dt.timedelta(weeks=2),
        description="Reviewers overriding the model more than one time in five means the model or its data changed.",
    )
    for week in range(WEEKS - 1, -1, -1):
        run_monitor(actor=actor, monitor=monitor, window_start=last_start - dt.timedelta(weeks=week))
