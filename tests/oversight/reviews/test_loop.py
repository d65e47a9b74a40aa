"""The loop: a rising override rate breaches an oversight monitor's threshold, raises an alert and opens a
nonconformity; a later passing run verifies it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from openaims.accounts.choices import Role
from openaims.audits.models import Nonconformity
from openaims.monitoring.models import Alert
from openaims.monitoring.runner import run_monitor
from openaims.monitoring.services import data_source_create, monitor_create
from openaims.oversight.reviews import services
from tests.oversight.reviews.helpers import make_rule, make_system, submit

pytestmark = pytest.mark.django_db

WEEK_1 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)  # a Monday
WEEK_2 = WEEK_1 + dt.timedelta(weeks=1)


def _oversight_monitor(actor, system, thresholds, **fields):
    source = data_source_create(actor=actor, ai_system=system, name="Review queue", kind="reviews")
    return monitor_create(
        actor=actor,
        ai_system=system,
        data_source=source,
        name="Human oversight",
        kind="oversight",
        thresholds=thresholds,
        window="weekly",
        schedule="manual",
        min_group_size=5,
        **fields,
    )


def _week_of_reviews(owner, reviewer, system, start, overridden: int, total: int = 20, groups=None):
    """``total`` items submitted on Tuesday of the week, ``overridden`` of them overridden, the rest approved."""
    for n in range(total):
        at = start + dt.timedelta(days=1, minutes=n)
        group = (groups or ["female"])[n % len(groups or ["female"])]
        item = submit(owner, system, f"{start:%Y%m%d}-{n}", submitted_at=at, subject_groups={"sex": group}).item
        decided = at + dt.timedelta(hours=2)
        if n < overridden:
            services.review_item_decide(
                actor=reviewer, item=item, action="override", outcome="approve", reason="Income documented.", at=decided
            )
        else:
            services.review_item_decide(actor=reviewer, item=item, action="approve", at=decided)


def test_override_rate_breach_opens_a_nonconformity_and_a_passing_week_verifies_it(owner_actor, actor_of):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    monitor = _oversight_monitor(
        owner_actor,
        system,
        [
            {"metric": "override_rate", "operator": "<=", "value": 0.2},
            {"metric": "median_hours_to_decision", "operator": "<=", "value": 24},
        ],
    )
    reviewer = actor_of(Role.REVIEWER)
    _week_of_reviews(owner_actor, reviewer, system, WEEK_1, overridden=10)
    failing = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK_1)
    assert failing.status == "failed", failing.error
    assert failing.engine == "reviews" and failing.rows == 20
    assert failing.results["overall"]["override_rate"] == 0.5
    assert [c["metric"] for c in failing.checks if c["passed"] is False] == ["override_rate"]
    assert failing.results["overall"]["median_hours_to_decision"] == 2.0
    alert = Alert.objects.get(run=failing)
    assert alert.metric == "override_rate" and alert.value == 0.5
    nc = Nonconformity.objects.get(monitor=monitor)
    assert nc.status == "open" and nc.raised_by_run == failing and nc.ai_system == system
    assert "override_rate" in nc.description

    _week_of_reviews(owner_actor, reviewer, system, WEEK_2, overridden=1)
    passing = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK_2)
    assert passing.status == "passed" and passing.results["overall"]["override_rate"] == 0.05
    nc.refresh_from_db()
    assert nc.status == "awaiting_verification" and nc.verified_by_run == passing


def test_a_group_threshold_names_the_group_that_breaches(owner_actor, actor_of):
    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    monitor = _oversight_monitor(
        owner_actor, system, [{"metric": "override_rate", "operator": "<=", "value": 0.4, "group": "any"}]
    )
    # 20 items alternate female and male; every female item is overridden (100%), no male one (0%).
    reviewer = actor_of(Role.REVIEWER)
    for n in range(20):
        at = WEEK_1 + dt.timedelta(days=2, minutes=n)
        sex = "female" if n % 2 == 0 else "male"
        item = submit(owner_actor, system, f"g-{n}", submitted_at=at, subject_groups={"sex": sex}).item
        if sex == "female":
            services.review_item_decide(actor=reviewer, item=item, action="override", outcome="approve", reason="r")
        else:
            services.review_item_decide(actor=reviewer, item=item, action="approve")
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK_1)
    failed = [c for c in run.checks if c["passed"] is False]
    assert [(c["group"], c["value"]) for c in failed] == [("sex=female", 1.0)]
    assert Nonconformity.objects.filter(monitor=monitor).count() == 1


def test_a_week_without_reviews_is_an_error_run_that_changes_nothing(owner_actor):
    system = make_system(owner_actor)
    monitor = _oversight_monitor(owner_actor, system, [{"metric": "override_rate", "operator": "<=", "value": 0.2}])
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK_1)
    assert run.status == "error" and "No rows" in run.error
    assert not Nonconformity.objects.filter(monitor=monitor).exists()


def test_oversight_monitors_and_the_review_queue_source_go_together(owner_actor):
    system = make_system(owner_actor)
    with pytest.raises(ValidationError) as caught:
        _oversight_monitor(owner_actor, system, [{"metric": "accuracy", "operator": ">=", "value": 0.9}])
    assert "thresholds" in caught.value.message_dict
    reviews = data_source_create(actor=owner_actor, ai_system=system, name="Queue", kind="reviews")
    with pytest.raises(ValidationError) as caught:
        monitor_create(
            actor=owner_actor, ai_system=system, data_source=reviews, name="Wrong", kind="performance", thresholds=[]
        )
    assert "data_source" in caught.value.message_dict


def test_the_monitoring_pages_show_an_oversight_monitor(owner_actor, actor_of, ui_as):
    from django.urls import reverse

    system = make_system(owner_actor)
    make_rule(owner_actor, system)
    monitor = _oversight_monitor(
        owner_actor, system, [{"metric": "override_rate", "operator": "<=", "value": 0.2, "group": "any"}]
    )
    _week_of_reviews(owner_actor, actor_of(Role.REVIEWER), system, WEEK_1, overridden=10, groups=["F", "M"])
    run = run_monitor(actor=owner_actor, monitor=monitor, window_start=WEEK_1)
    client = ui_as(Role.VIEWER)
    pages = {
        reverse("monitors-detail", args=[monitor.pk]): "override",
        reverse("systems-monitoring", args=[system.pk]): "override",
        reverse("metric-runs-detail", args=[run.pk]): "override",
        reverse("data-sources-detail", args=[monitor.data_source_id]): "review queue",
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert expected in response.content.decode().lower(), url
