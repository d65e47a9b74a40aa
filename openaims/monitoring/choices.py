"""Kinds, windows, schedules and statuses of monitoring, each with its badge colour."""

from __future__ import annotations

import datetime as dt

from django.db import models


class DataSourceKind(models.TextChoices):
    """Where a data source's prediction log lives."""

    STORE = "store", "OpenAIMS store (ingested predictions)"
    PARQUET = "parquet", "Parquet file or folder"
    POSTGRES = "postgres", "PostgreSQL table or query"
    SPARK = "spark", "Spark table"
    REVIEWS = "reviews", "OpenAIMS review queue"


class MonitorKind(models.TextChoices):
    FAIRNESS = "fairness", "Fairness"
    PERFORMANCE = "performance", "Performance"
    DRIFT = "drift", "Drift"
    OVERSIGHT = "oversight", "Human oversight"


class Window(models.TextChoices):
    """The stretch of time, by the data source's timestamp column, that one run measures."""

    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Monday to Sunday)"
    MONTHLY = "monthly", "Monthly"


class Schedule(models.TextChoices):
    """How often a monitor runs by itself (never: only by hand)."""

    MANUAL = "manual", "Only by hand"
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


SCHEDULE_INTERVALS = {
    Schedule.HOURLY: dt.timedelta(hours=1),
    Schedule.DAILY: dt.timedelta(days=1),
    Schedule.WEEKLY: dt.timedelta(weeks=1),
}


class RunStatus(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Threshold breached"
    ERROR = "error", "Error"


class Trigger(models.TextChoices):
    """What started a run."""

    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "By hand"


class AlertSeverity(models.TextChoices):
    """How bad a monitor's alert is (one name in the API's schema, apart from a nonconformity's severity)."""

    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


Severity = AlertSeverity  # the name the monitoring modules import


#: The comparison a threshold makes: the measured value must satisfy ``value <operator> threshold``.
OPERATORS = {
    ">=": lambda value, threshold: value >= threshold,
    "<=": lambda value, threshold: value <= threshold,
    ">": lambda value, threshold: value > threshold,
    "<": lambda value, threshold: value < threshold,
}

#: Which groups a threshold is checked on: every group large enough ("any"), or the overall value only.
THRESHOLD_GROUPS = ("overall", "any")

BADGE_COLOURS = {
    RunStatus.PASSED: "green",
    RunStatus.FAILED: "red",
    RunStatus.ERROR: "orange",
    Severity.WARNING: "orange",
    Severity.CRITICAL: "red",
}
