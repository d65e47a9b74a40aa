"""Routing rule kinds, review statuses, decision actions and levels, each with its badge colour; reviewer ranks."""

from django.db import models

from openaims.accounts.choices import Role


class RuleKind(models.TextChoices):
    """What a routing rule sends to a human reviewer."""

    ALL = "all", "Every decision"
    LOW_CONFIDENCE = "low_confidence", "Confidence below a threshold"
    ADVERSE_OUTCOME = "adverse_outcome", "Adverse outcomes"
    RANDOM_SAMPLE = "random_sample", "A random sample"
    GROUP_SAMPLE = "group_sample", "A sample of one group"


class ReviewStatus(models.TextChoices):
    """Where a review item stands. ``escalated`` waits for a second reviewer of higher role."""

    PENDING = "pending", "Pending"
    ESCALATED = "escalated", "Escalated"
    DECIDED = "decided", "Decided"


#: Statuses of items still in the queue.
OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.ESCALATED)


class DecisionAction(models.TextChoices):
    APPROVE = "approve", "Approve the AI's output"
    OVERRIDE = "override", "Override with another outcome"
    ESCALATE = "escalate", "Escalate to a second reviewer"


#: Actions that end the review (the item's final outcome).
FINAL_ACTIONS = (DecisionAction.APPROVE, DecisionAction.OVERRIDE)


class ReviewLevel(models.TextChoices):
    FIRST = "first", "First review"
    SECOND = "second", "Second review (escalation)"


#: Who outranks whom when an escalated item needs a second reviewer of higher role (roles that may review).
ROLE_RANK = {Role.REVIEWER: 1, Role.MANAGER: 2, Role.ADMIN: 3, Role.OWNER: 4}


def role_rank(role: str) -> int:
    """The rank of ``role`` among reviewers (0 for roles that do not review)."""
    return ROLE_RANK.get(role, 0)


BADGE_COLOURS = {
    ReviewStatus.PENDING: "orange",
    ReviewStatus.ESCALATED: "red",
    ReviewStatus.DECIDED: "green",
    DecisionAction.APPROVE: "green",
    DecisionAction.OVERRIDE: "blue",
    DecisionAction.ESCALATE: "red",
}
