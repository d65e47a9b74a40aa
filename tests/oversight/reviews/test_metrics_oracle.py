"""Oversight metrics aggregated by the database equal a plain computation over the items and their decisions."""

from __future__ import annotations

import datetime as dt
import random
import statistics

import pytest
from django.utils import timezone

from openaims.accounts.choices import Role
from openaims.metrics import wilson_interval
from openaims.oversight.reviews.models import ReviewDecision, ReviewItem
from openaims.oversight.reviews.selectors import oversight_metrics
from openaims.oversight.reviews.services import review_item_decide
from tests.oversight.reviews.helpers import make_rule, make_settings, make_system, submit

pytestmark = pytest.mark.django_db


def _oracle(items: list[ReviewItem], now: dt.datetime) -> dict:
    """The figures computed item by item, from the decisions (not from the fields the service keeps)."""
    decided = [i for i in items if i.status == "decided"]
    final = {d.item_id: d for d in ReviewDecision.objects.filter(item__in=items).exclude(action="escalate")}
    overrides = sum(1 for i in decided if final[i.pk].action == "override")
    blind = [i for i in decided if i.blind]
    agreements = sum(1 for i in blind if i.final_outcome == i.ai_output)
    # Hours to decision count whole minutes.
    seconds = sorted(int((i.decided_at - i.submitted_at).total_seconds() + 0.5) // 60 * 60 for i in decided)
    open_items = [i for i in items if i.status != "decided"]

    def rate(k, n):
        return (k / n, list(wilson_interval(k, n))) if n else (None, None)

    p90 = None
    if seconds:
        p90 = seconds[0] if len(seconds) == 1 else statistics.quantiles(seconds, n=10, method="inclusive")[8]
    overdue = sum(1 for i in open_items if i.due_at < now)
    late = sum(1 for i in decided if i.decided_at > i.due_at)
    return {
        "items": len(items),
        "decided": len(decided),
        "overrides": overrides,
        "override_rate": rate(overrides, len(decided))[0],
        "override_rate_ci": rate(overrides, len(decided))[1],
        "escalated": ReviewDecision.objects.filter(item__in=items, action="escalate").count(),
        "median_hours_to_decision": statistics.median(seconds) / 3600 if seconds else None,
        "p90_hours_to_decision": p90 / 3600 if p90 is not None else None,
        "queue_length": len(open_items),
        "overdue": overdue,
        "decided_late": late,
        "overdue_share": (overdue + late) / len(items) if items else None,
        "blind_decided": len(blind),
        "blind_agreements": agreements,
        "blind_agreement": rate(agreements, len(blind))[0],
        "blind_agreement_ci": rate(agreements, len(blind))[1],
    }


def _same(got: dict, expected: dict, where: str) -> None:
    assert list(got) == list(expected), where
    for key, value in expected.items():
        if isinstance(value, list):
            assert got[key] == pytest.approx(value, rel=1e-12), (where, key)
        else:
            assert got[key] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value), (where, key)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metrics_equal_the_item_by_item_computation(actor_of, seed):
    rng = random.Random(seed)
    owner, reviewer, manager = actor_of(Role.OWNER), actor_of(Role.REVIEWER), actor_of(Role.MANAGER)
    system = make_system(owner)
    make_rule(owner, system)
    make_settings(owner, system, hours_to_decide=6, blind_share=0.3)
    now = timezone.now()
    for n in range(rng.randrange(25, 45)):
        submitted = now - dt.timedelta(hours=rng.uniform(1, 60))
        groups = {"sex": rng.choice("FM"), "age_band": rng.choice(["18-25", "46+"])}
        item = submit(owner, system, decision_id=f"o-{seed}-{n}", submitted_at=submitted, subject_groups=groups).item
        at = submitted + dt.timedelta(seconds=rng.randrange(60, 20 * 3600))
        other = "approve" if item.ai_output == "reject" else "reject"
        draw = rng.random()
        if draw < 0.15:
            continue  # still open
        first = rng.choice([reviewer, manager])
        if item.blind:
            review_item_decide(actor=first, item=item, action="approve", outcome=rng.choice([other, item.ai_output]),
                               reason="From the file.", at=at)  # fmt: skip
        elif draw < 0.3:
            review_item_decide(actor=reviewer, item=item, action="escalate", reason="Unusual file.")
            review_item_decide(actor=manager, item=item, action="override", outcome=other, reason="Checked.", at=at)
        elif draw < 0.5:
            review_item_decide(actor=first, item=item, action="override", outcome=other, reason="Wrong.", at=at)
        else:
            review_item_decide(actor=first, item=item, action="approve", at=at)
    items = list(ReviewItem.objects.filter(ai_system=system))
    got = oversight_metrics(system, now=now)
    _same(got["overall"], _oracle(items, now), "overall")
    final = {
        d.item_id: d.reviewer_label for d in ReviewDecision.objects.filter(item__in=items).exclude(action="escalate")
    }
    reviewers = sorted(set(final.values()))
    assert list(got["by_reviewer"]) == reviewers
    for label in reviewers:
        mine = [i for i in items if final.get(i.pk) == label]
        _same(got["by_reviewer"][label], _oracle(mine, now), label)
    expected_groups = sorted({f"{k}={v}" for i in items for k, v in i.subject_groups.items()})
    assert list(got["by_group"]) == expected_groups
    for name in expected_groups:
        attribute, value = name.split("=")
        members = [i for i in items if i.subject_groups.get(attribute) == value]
        _same(got["by_group"][name], _oracle(members, now), name)
