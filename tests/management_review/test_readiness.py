"""Readiness of 9.3.1, 9.3.2, 9.3.3 and 10.1 derived from the review and improvement records, each status."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openaims.audits.internal_services import improvement_update
from openaims.audits.models import Improvement
from openaims.catalog import get_framework
from openaims.controls.selectors.readiness import collect_rules
from openaims.management_review import services
from openaims.management_review.models import ManagementReview
from openaims.management_review.readiness import (
    RULES,
    STALE_DAYS,
    continual_improvement_rule,
    review_inputs_rule,
    review_intervals_rule,
    review_results_rule,
)
from tests.audits.internal_helpers import make_improvement
from tests.management_review.helpers import make_action, make_decision, make_held_review, make_review

DAY = dt.timedelta(days=1)


def test_rules_are_collected_for_catalog_requirements():
    framework = get_framework("iso42001")
    ids = {item.id for item in framework.of_kind("requirement")}
    assert set(RULES) == {"9.3.1", "9.3.2", "9.3.3", "10.1"} and set(RULES) <= ids
    assert all(collect_rules()[key] is rule for key, rule in RULES.items())


def test_9_3_1_intervals(owner_actor):
    org = owner_actor.organization
    today = timezone.localdate()
    assert review_intervals_rule(org).status == "not_met"
    late = make_review(owner_actor, planned_for=today - 3 * DAY)
    derived = review_intervals_rule(org)
    assert derived.status == "not_met" and "none has been held" in derived.explanation
    services.management_review_hold(actor=owner_actor, management_review=late, held_on=today - 400 * DAY)
    derived = review_intervals_rule(org)
    assert derived.status == "partial" and "MR-0001" in derived.explanation and "next was due" in derived.explanation
    make_held_review(owner_actor, interval_months=6)
    assert review_intervals_rule(org).status == "met"
    make_review(owner_actor, planned_for=today - DAY)
    derived = review_intervals_rule(org)
    assert derived.status == "partial" and "MR-0003" in derived.explanation and "past their date" in derived.explanation


def test_9_3_2_inputs(owner_actor):
    org = owner_actor.organization
    assert review_inputs_rule(org).status == "not_met"
    review = make_held_review(owner_actor)
    derived = review_inputs_rule(org)
    assert derived.status == "met" and review.inputs_sha256[:12] in derived.explanation
    damaged = {k: v for k, v in review.inputs.items() if k != "oversight"}
    ManagementReview.objects.filter(pk=review.pk).update(inputs=damaged)
    derived = review_inputs_rule(org)
    assert derived.status == "partial"
    assert "Human oversight of AI decisions" in derived.explanation and "SHA-256" in derived.explanation


def test_9_3_3_results(owner_actor):
    org = owner_actor.organization
    today = timezone.localdate()
    assert review_results_rule(org).status == "not_met"
    review = make_review(owner_actor)
    review = services.management_review_hold(actor=owner_actor, management_review=review, held_on=today - 30 * DAY)
    derived = review_results_rule(org)
    assert derived.status == "partial"
    for gap in ("no decision", "no action", "minutes of MR-0001 are not issued"):
        assert gap in derived.explanation
    make_decision(owner_actor, review)
    action = make_action(owner_actor, review, title="Brief the board", due_date=today + 5 * DAY)
    services.management_review_issue_minutes(actor=owner_actor, management_review=review)
    assert review_results_rule(org).status == "met"
    late = make_held_review(owner_actor)
    make_decision(owner_actor, late)
    services.review_action_close(actor=owner_actor, review_action=action, note="Briefed.")
    services.management_review_issue_minutes(actor=owner_actor, management_review=late)
    derived = review_results_rule(org)
    assert derived.status == "partial" and "MR-0002 has no action" in derived.explanation


def test_9_3_3_overdue_action(owner_actor):
    org = owner_actor.organization
    today = timezone.localdate()
    review = make_review(owner_actor)
    review = services.management_review_hold(actor=owner_actor, management_review=review, held_on=today - 30 * DAY)
    make_decision(owner_actor, review)
    make_action(owner_actor, review, title="Update the policy", due_date=today - DAY)
    services.management_review_issue_minutes(actor=owner_actor, management_review=review)
    derived = review_results_rule(org)
    assert derived.status == "partial" and "“Update the policy” (MR-0001" in derived.explanation


def test_10_1_continual_improvement(owner_actor):
    org = owner_actor.organization
    assert continual_improvement_rule(org).status == "not_met"
    ownerless = make_improvement(owner_actor, title="Automate drift reports")
    derived = continual_improvement_rule(org)
    assert derived.status == "partial"
    assert "without an owner: Automate drift reports" in derived.explanation
    assert "no management review decision" in derived.explanation
    improvement_update(actor=owner_actor, improvement=ownerless, owner=owner_actor.user)
    make_decision(owner_actor, category="improvement")
    assert continual_improvement_rule(org).status == "met"
    Improvement.objects.filter(pk=ownerless.pk).update(updated_at=timezone.now() - (STALE_DAYS + 1) * DAY)
    derived = continual_improvement_rule(org)
    assert derived.status == "partial" and f"unchanged for more than {STALE_DAYS} days" in derived.explanation
