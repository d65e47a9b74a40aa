"""Management reviews, their decisions and actions run the generic cases with their own data."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from openaims.management_review.models import ManagementReview, ReviewAction, ReviewDecision
from tests.generic.cases import CRUDCases
from tests.management_review.helpers import make_action, make_decision, make_held_review, make_review

_numbers = itertools.count(1)


def _in(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


class TestManagementReview(CRUDCases):
    api_path = "management-reviews"
    ui_prefix = "management-reviews"
    model = ManagementReview
    filter_param = ("status", "planned")

    def make(self, actor, **overrides):
        return make_review(actor, **overrides)

    def create_payload(self, actor):
        return {
            "title": f"Annual management review {next(_numbers)}",
            "planned_for": _in(20),
            "interval_months": 12,
            "chair_id": str(actor.user.pk),
            "attendees": [str(actor.user.pk)],
            "other_attendees": "External adviser",
            "summary": "",
        }

    def update_payload(self):
        return {"title": f"Review renamed {next(_numbers)}", "interval_months": 6}

    def ui_create_data(self, actor):
        return {
            "title": f"UI review {next(_numbers)}",
            "planned_for": _in(10),
            "interval_months": 12,
            "chair": str(actor.user.pk),
            "attendees": [str(actor.user.pk)],
        }


class TestReviewDecision(CRUDCases):
    api_path = "management-review-decisions"
    ui_prefix = "management-review-decisions"
    model = ReviewDecision
    filter_param = ("category", "improvement")

    def make(self, actor, **overrides):
        return make_decision(actor, **overrides)

    def create_payload(self, actor):
        review = make_held_review(actor)
        return {
            "text": f"Hire a second reviewer {next(_numbers)}.",
            "review_id": str(review.pk),
            "category": "resource_need",
        }

    def update_payload(self):
        return {"text": f"Hire two reviewers {next(_numbers)}.", "category": "aims_change"}

    def ui_create_data(self, actor):
        review = make_held_review(actor)
        return {"review": str(review.pk), "category": "other", "text": "Keep the quarterly cadence."}


class TestReviewAction(CRUDCases):
    api_path = "management-review-actions"
    ui_prefix = "management-review-actions"
    model = ReviewAction
    filter_param = ("status", "open")

    def make(self, actor, **overrides):
        return make_action(actor, **overrides)

    def create_payload(self, actor):
        review = make_held_review(actor)
        return {
            "title": f"Publish the oversight metrics {next(_numbers)}",
            "review_id": str(review.pk),
            "owner_id": str(actor.user.pk),
            "due_date": _in(45),
        }

    def update_payload(self):
        return {"title": f"Publish the metrics monthly {next(_numbers)}", "due_date": _in(50)}

    def ui_create_data(self, actor):
        review = make_held_review(actor)
        return {
            "review": str(review.pk),
            "title": f"UI action {next(_numbers)}",
            "owner": str(actor.user.pk),
            "due_date": _in(30),
        }
