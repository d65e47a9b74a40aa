"""Records the management review tests build on, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from openaims.management_review import services

_numbers = itertools.count(1)


def make_review(actor, **overrides):
    """A planned review chaired and attended by the actor's member."""
    fields = {
        "title": f"Management review {next(_numbers)}",
        "planned_for": timezone.localdate() + dt.timedelta(days=30),
        "chair": actor.user,
        "attendees": [actor.user],
        **overrides,
    }
    return services.management_review_create(actor=actor, **fields)


def make_held_review(actor, **overrides):
    review = make_review(actor, **overrides)
    return services.management_review_hold(actor=actor, management_review=review)


def make_decision(actor, review=None, **overrides):
    fields = {
        "review": review or make_held_review(actor),
        "category": "improvement",
        "text": f"Automate the fairness review {next(_numbers)}.",
        **overrides,
    }
    return services.review_decision_create(actor=actor, **fields)


def make_action(actor, review=None, **overrides):
    fields = {
        "review": review or make_held_review(actor),
        "title": f"Write the drift runbook {next(_numbers)}",
        "owner": actor.user,
        "due_date": timezone.localdate() + dt.timedelta(days=60),
        **overrides,
    }
    return services.review_action_create(actor=actor, **fields)
