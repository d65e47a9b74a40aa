"""Levels, treatment options and statuses of the risk register, each with its badge colour."""

from django.db import models


class RiskLevel(models.TextChoices):
    """Where a likelihood × consequence cell of the risk matrix lands, lowest first."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


#: Rank of each level: higher is worse. ``""`` (not rated) ranks below every level.
LEVEL_RANK = {"": -1, **{level.value: rank for rank, level in enumerate(RiskLevel)}}


def level_above(level: str, threshold: str) -> bool:
    """``level`` is worse than ``threshold``."""
    return LEVEL_RANK.get(level or "", -1) > LEVEL_RANK.get(threshold or "", -1)


class TreatmentOption(models.TextChoices):
    """How the organization treats a risk (6.1.3)."""

    MODIFY = "modify", "Modify (reduce with controls)"
    AVOID = "avoid", "Avoid"
    SHARE = "share", "Share (transfer)"
    RETAIN = "retain", "Retain"


class RiskStatus(models.TextChoices):
    IDENTIFIED = "identified", "Identified"
    ASSESSED = "assessed", "Assessed"
    TREATING = "treating", "Treating"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


#: Risks still being worked on (closed and accepted ones are settled).
OPEN_STATUSES = (RiskStatus.IDENTIFIED, RiskStatus.ASSESSED, RiskStatus.TREATING)


class RiskActionStatus(models.TextChoices):
    """Where a risk treatment action stands (one name in the API's schema, apart from a corrective action's)."""

    OPEN = "open", "Open"
    DONE = "done", "Done"


ActionStatus = RiskActionStatus  # the name the risk modules import


BADGE_COLOURS = {
    RiskLevel.LOW: "green",
    RiskLevel.MEDIUM: "blue",
    RiskLevel.HIGH: "orange",
    RiskLevel.CRITICAL: "red",
    RiskStatus.IDENTIFIED: "grey",
    RiskStatus.ASSESSED: "blue",
    RiskStatus.TREATING: "orange",
    RiskStatus.ACCEPTED: "green",
    RiskStatus.CLOSED: "dark",
    ActionStatus.OPEN: "orange",
    ActionStatus.DONE: "green",
}

#: Fill colours of the heat map cells (light enough for dark text).
LEVEL_FILL = {
    RiskLevel.LOW: "#cdebd6",
    RiskLevel.MEDIUM: "#fff2b3",
    RiskLevel.HIGH: "#ffd1a6",
    RiskLevel.CRITICAL: "#f6b3ae",
}
