"""Statuses of management reviews (9.3), the categories of their decisions and the statuses of their actions, each
with its badge colour."""

from django.db import models


class ManagementReviewStatus(models.TextChoices):
    """Where a management review stands: planned, held (inputs frozen), minutes issued (read-only)."""

    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    MINUTES_ISSUED = "minutes_issued", "Minutes issued"


class ReviewDecisionCategory(models.TextChoices):
    """What a management review decided on (the outputs 9.3.3 asks for)."""

    IMPROVEMENT = "improvement", "Opportunity for continual improvement"
    AIMS_CHANGE = "aims_change", "Change to the AIMS"
    RESOURCE_NEED = "resource_need", "Resource need"
    OTHER = "other", "Other"


class ReviewActionStatus(models.TextChoices):
    """Where an action of a management review stands (one name in the API's schema, apart from other actions)."""

    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


BADGE_COLOURS = {
    ManagementReviewStatus.PLANNED: "grey",
    ManagementReviewStatus.HELD: "blue",
    ManagementReviewStatus.MINUTES_ISSUED: "green",
    ReviewActionStatus.OPEN: "orange",
    ReviewActionStatus.DONE: "green",
    ReviewActionStatus.CANCELLED: "dark",
}
