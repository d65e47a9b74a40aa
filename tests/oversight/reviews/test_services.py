"""Submission routing, idempotency and decisions, through the services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.base.errors import NotFound, PermissionDenied
from openaims.base.models import TrailEvent
from openaims.oversight.reviews import services
from openaims.oversight.reviews.models import ReviewDecision, ReviewItem, SubmissionCounter
from openaims.oversight.reviews.routing import Submission, rule_matches, sample_point
from tests.oversight.reviews.helpers import make_item, make_rule, make_settings, make_system, submit

pytestmark = pytest.mark.django_db


# --- Routing ----------------------------------------------------------------------------------------------


def test_no_rule_means_not_routed_nothing_stored_and_counted(owner_actor):
    system = make_system(owner_actor)
    before = TrailEvent.objects.count()
    result = submit(owner_actor, system)
    assert result.routed is False and result.item is None and result.created is False
    submit(owner_actor, system)
    assert ReviewItem.objects.count() == 0
    assert SubmissionCounter.objects.get(ai_system=system).not_routed == 2
    assert TrailEvent.objects.count() == before


def test_rules_apply_in_order_and_the_item_records_the_rule(owner_actor):
    system = make_system(owner_actor)
    adverse = make_rule(owner_actor, system, kind="adverse_outcome", adverse_outcomes=["reject"], order=1)
    low = make_rule(owner_actor, system, kind="low_confidence", threshold=0.7, order=2)
    rejected = submit(owner_actor, system, ai_output="reject", confidence=0.5)
    assert rejected.item.routed_by == adverse and rejected.item.routed_by_kind == "adverse_outcome"
    unsure = submit(owner_actor, system, ai_output="approve", confidence=0.5)
    assert unsure.item.routed_by == low and unsure.item.routed_by_kind == "low_confidence"
    sure = submit(owner_actor, system, ai_output="approve", confidence=0.9)
    assert sure.routed is False


def test_inactive_rules_route_nothing(owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system, active=False)
    assert submit(owner_actor, system).routed is False


def test_random_sample_is_deterministic_per_decision_and_near_its_share(owner_actor):
    system = make_system(owner_actor)
    rule = make_rule(owner_actor, system, kind="random_sample", share=0.2)
    ids = [f"decision-{n}" for n in range(2000)]
    picked = [i for i in ids if rule_matches(rule, Submission(i, "approve"))]
    again = [i for i in ids if rule_matches(rule, Submission(i, "approve"))]
    assert picked == again
    # 2000 Bernoulli(0.2) draws: the share lies within 5 standard deviations (sd ~ 0.009).
    assert abs(len(picked) / len(ids) - 0.2) < 0.045
    assert all(0 <= sample_point(i, "x") < 1 for i in ids[:100])
    inside, outside = picked[0], next(i for i in ids if i not in picked)
    assert submit(owner_actor, system, inside).routed is True
    assert submit(owner_actor, system, outside).routed is False
    assert submit(owner_actor, system, outside, idempotency_key="retry-of-outside").routed is False


def test_group_sample_only_samples_its_group(owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system, kind="group_sample", attribute="sex", value="female", share=1.0)
    assert submit(owner_actor, system, subject_groups={"sex": "female"}).routed is True
    assert submit(owner_actor, system, subject_groups={"sex": "male"}).routed is False
    assert submit(owner_actor, system, subject_groups={}).routed is False


def test_blind_share_decides_blind_deterministically(owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    make_settings(owner_actor, system, blind_share=0.5)
    items = [submit(owner_actor, system).item for _ in range(200)]
    blind = sum(i.blind for i in items)
    assert 50 < blind < 150
    other = make_system(owner_actor)
    make_rule(owner_actor, other)
    assert not any(submit(owner_actor, other).item.blind for _ in range(20))


def test_due_time_comes_from_the_service_level(owner_actor):
    system = make_system(owner_actor)
    make_settings(owner_actor, system, hours_to_decide=4)
    item = make_item(owner_actor, system)
    assert (item.due_at - item.submitted_at).total_seconds() == 4 * 3600


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "low_confidence"}, "threshold"),
        ({"kind": "adverse_outcome", "adverse_outcomes": []}, "adverse_outcomes"),
        ({"kind": "random_sample", "share": 1.5}, "share"),
        ({"kind": "group_sample", "share": 0.1, "value": "female"}, "attribute"),
        ({"kind": "all", "threshold": 0.5}, "threshold"),
    ],
)
def test_rule_problems_name_the_field(owner_actor, fields, field):
    system = make_system(owner_actor)
    with pytest.raises(ValidationError) as caught:
        services.routing_rule_create(actor=owner_actor, ai_system=system, name="Bad", **fields)
    assert field in caught.value.message_dict


def test_changing_a_rules_kind_clears_the_fields_it_no_longer_uses(owner_actor):
    rule = make_rule(owner_actor, kind="low_confidence", threshold=0.6)
    services.routing_rule_update(actor=owner_actor, routing_rule=rule, kind="random_sample", share=0.1)
    rule.refresh_from_db()
    assert rule.threshold is None and rule.share == 0.1


def test_webhook_needs_a_secret(owner_actor):
    system = make_system(owner_actor)
    with pytest.raises(ValidationError) as caught:
        make_settings(owner_actor, system, webhook_url="https://example.org/hook", webhook_secret="short")
    assert "webhook_secret" in caught.value.message_dict


# --- Idempotency ------------------------------------------------------------------------------------------


def test_a_retry_returns_the_first_item(owner_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    first = submit(owner_actor, system, "loan-1", idempotency_key="key-1")
    retry = submit(owner_actor, system, "loan-1", idempotency_key="key-1", ai_output="approve")
    assert first.created is True and retry.created is False
    assert retry.item.pk == first.item.pk and retry.item.ai_output == "reject"
    assert ReviewItem.objects.filter(ai_system=system).count() == 1
    # The key defaults to the decision id.
    assert submit(owner_actor, system, "loan-2").item.idempotency_key == "loan-2"


def test_the_same_key_in_another_system_is_another_item(owner_actor):
    one, two = make_system(owner_actor), make_system(owner_actor)
    make_rule(owner_actor, one)
    make_rule(owner_actor, two)
    assert submit(owner_actor, one, "x").item.pk != submit(owner_actor, two, "x").item.pk


def test_submission_checks_fields_and_rights(owner_actor, actor_of, other_actor):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    with pytest.raises(ValidationError) as caught:
        submit(owner_actor, system, ai_output="", subject_groups=["female"])
    assert {"ai_output", "subject_groups"} <= set(caught.value.message_dict)
    with pytest.raises(PermissionDenied):
        submit(actor_of(Role.REVIEWER), system)
    with pytest.raises(NotFound):
        submit(other_actor, system)
    assert ReviewItem.objects.count() == 0


# --- Decisions --------------------------------------------------------------------------------------------


def test_approve_keeps_the_ai_output_and_records_the_decision(owner_actor, actor_of):
    item = make_item(owner_actor)
    reviewer = actor_of(Role.REVIEWER)
    decided = services.review_item_decide(actor=reviewer, item=item, action="approve")
    assert decided.status == "decided" and decided.final_outcome == "reject" and decided.decided_at
    decision = ReviewDecision.objects.get(item=item)
    assert (decision.action, decision.level, decision.reviewer_role) == ("approve", "first", "reviewer")
    events = TrailEvent.objects.filter(object_id=str(item.pk)).order_by("sequence")
    assert [e.action for e in events] == ["create", "transition"]
    assert events.last().changes_dict["status"] == ["pending", "decided"]


def test_override_needs_an_outcome_and_a_reason(owner_actor, actor_of):
    item = make_item(owner_actor)
    reviewer = actor_of(Role.REVIEWER)
    with pytest.raises(ValidationError) as caught:
        services.review_item_decide(actor=reviewer, item=item, action="override")
    assert {"outcome", "reason"} <= set(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        services.review_item_decide(actor=reviewer, item=item, action="override", outcome="reject", reason="x")
    assert "outcome" in caught.value.message_dict
    item.refresh_from_db()
    assert item.status == "pending" and not item.decisions.exists()
    services.review_item_decide(actor=reviewer, item=item, action="override", outcome="approve", reason="Income ok.")
    item.refresh_from_db()
    assert item.final_outcome == "approve"


def test_a_decided_item_cannot_be_decided_again(owner_actor, actor_of):
    item = make_item(owner_actor)
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="approve")
    with pytest.raises(services.AlreadyDecided) as caught:
        services.review_item_decide(actor=actor_of(Role.MANAGER), item=item, action="override", outcome="a", reason="b")
    assert "status" in caught.value.message_dict
    assert ReviewDecision.objects.filter(item=item).count() == 1


def test_escalation_needs_a_reason_and_a_second_reviewer_of_higher_role(owner_actor, actor_of):
    item = make_item(owner_actor)
    manager = actor_of(Role.MANAGER)
    with pytest.raises(ValidationError) as caught:
        services.review_item_decide(actor=manager, item=item, action="escalate")
    assert "reason" in caught.value.message_dict
    services.review_item_decide(actor=manager, item=item, action="escalate", reason="Unusual income source.")
    item.refresh_from_db()
    assert item.status == "escalated"
    for actor in (manager, actor_of(Role.REVIEWER)):  # the same person, and a lower role
        with pytest.raises(ValidationError) as caught:
            services.review_item_decide(actor=actor, item=item, action="approve")
        assert "reviewer" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.review_item_decide(actor=actor_of(Role.ADMIN), item=item, action="escalate", reason="again")
    assert "action" in caught.value.message_dict
    services.review_item_decide(
        actor=actor_of(Role.ADMIN), item=item, action="override", outcome="approve", reason="Documented income."
    )
    item.refresh_from_db()
    assert item.status == "decided" and item.final_outcome == "approve"
    assert list(item.decisions.values_list("level", "action")) == [("first", "escalate"), ("second", "override")]


def test_an_equal_role_cannot_decide_an_escalation(owner_actor, actor_of, org):
    from tests.conftest import make_member

    item = make_item(owner_actor)
    services.review_item_decide(actor=actor_of(Role.REVIEWER), item=item, action="escalate", reason="Unsure.")
    from openaims.accounts.selectors import actor_for

    second_reviewer = actor_for(make_member(org, Role.REVIEWER, "second-reviewer@example.org"), org)
    with pytest.raises(ValidationError):
        services.review_item_decide(actor=second_reviewer, item=item, action="approve")
    services.review_item_decide(actor=actor_of(Role.MANAGER), item=item, action="approve")


def test_blind_items_need_the_reviewers_outcome_and_record_agreement(owner_actor, actor_of):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    make_settings(owner_actor, system, blind_share=1.0)
    agree, differ = make_item(owner_actor, system), make_item(owner_actor, system)
    assert agree.blind and agree.output_hidden
    reviewer = actor_of(Role.REVIEWER)
    with pytest.raises(ValidationError) as caught:
        services.review_item_decide(actor=reviewer, item=agree, action="approve")
    assert {"outcome", "reason"} <= set(caught.value.message_dict)
    services.review_item_decide(actor=reviewer, item=agree, action="override", outcome="reject", reason="Low income.")
    services.review_item_decide(actor=reviewer, item=differ, action="approve", outcome="approve", reason="Fine.")
    assert agree.decisions.get().action == "approve" and agree.decisions.get().blind
    assert differ.decisions.get().action == "override"


def test_deciding_needs_the_review_right_and_the_same_organization(owner_actor, actor_of, other_actor):
    item = make_item(owner_actor)
    for role in (Role.CONTRIBUTOR, Role.AUDITOR, Role.VIEWER):
        with pytest.raises(PermissionDenied):
            services.review_item_decide(actor=actor_of(role), item=item, action="approve")
    with pytest.raises(NotFound):
        services.review_item_decide(actor=other_actor, item=item, action="approve")
    item.refresh_from_db()
    assert item.status == "pending"


def test_a_taken_item_is_decided_by_who_took_it(owner_actor, actor_of):
    item = make_item(owner_actor)
    reviewer, manager = actor_of(Role.REVIEWER), actor_of(Role.MANAGER)
    services.review_item_claim(actor=reviewer, item=item)
    with pytest.raises(ValidationError) as caught:
        services.review_item_decide(actor=manager, item=item, action="approve")
    assert "assigned_to" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.review_item_claim(actor=manager, item=item)
    services.review_item_claim(actor=reviewer, item=item, release=True)
    services.review_item_decide(actor=manager, item=item, action="approve")
