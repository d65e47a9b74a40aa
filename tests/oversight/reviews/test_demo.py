"""The demo's review queue: rules, a few hundred reviewed items, the open queue, and the oversight loop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openaims.audits.models import Nonconformity
from openaims.monitoring.models import Monitor
from openaims.monitoring.runner import last_complete_window
from openaims.oversight.reviews.demo import RISING_WEEKS, WEEKS, load_demo_reviews
from openaims.oversight.reviews.models import ReviewDecision, ReviewItem, RoutingRule
from openaims.oversight.reviews.selectors import oversight_metrics
from tests.oversight.reviews.helpers import make_system

pytestmark = pytest.mark.django_db


def test_the_demo_queue(owner_actor, members):
    system = make_system(owner_actor, name="Retail credit scoring")
    count = load_demo_reviews(owner_actor, members)
    assert 200 <= count <= 400 and ReviewItem.objects.filter(ai_system=system).count() == count
    assert RoutingRule.objects.filter(ai_system=system).count() == 3
    decisions = ReviewDecision.objects.filter(item__ai_system=system)
    assert decisions.filter(action="escalate").count() == 1
    assert decisions.filter(level="second").count() == 1
    assert decisions.filter(action="override").exists() and decisions.filter(blind=True).exists()
    overall = oversight_metrics(system)["overall"]
    assert overall["queue_length"] > 0 and overall["overdue"] > 0 and overall["blind_decided"] > 0
    # The demo's oversight monitor, run over each week, breaches in the last weeks only and opens a nonconformity.
    monitor = Monitor.objects.get(ai_system=system, kind="oversight")
    runs = list(monitor.runs.order_by("window_start"))
    assert len(runs) == WEEKS
    first_monday = last_complete_window("weekly", timezone.now())[0] - dt.timedelta(weeks=WEEKS - 1)
    assert runs[0].window_start == first_monday
    assert [r.status for r in runs[-RISING_WEEKS:]] == ["failed"] * RISING_WEEKS
    assert all(r.status == "passed" for r in runs[: WEEKS - RISING_WEEKS]), [r.checks for r in runs]
    assert Nonconformity.objects.filter(monitor=monitor, status="open").count() == 1
    assert load_demo_reviews(owner_actor, members) == 0
