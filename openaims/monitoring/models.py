"""Data sources of prediction logs, monitors on them, the metric runs they produce, and alerts (9.1, A.6.2.6)."""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from openaims.base.models import BaseModel, colour_badge
from openaims.monitoring.choices import (
    BADGE_COLOURS,
    OPERATORS,
    THRESHOLD_GROUPS,
    DataSourceKind,
    MonitorKind,
    RunStatus,
    Schedule,
    Severity,
    Trigger,
    Window,
)

#: Metrics a threshold may name, per monitor kind.
FAIRNESS_METRICS = (
    "demographic_parity_ratio",
    "demographic_parity_difference",
    "equalized_odds_difference",
    "equal_opportunity_difference",
)
RATE_METRICS = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "precision",
    "accuracy",
)
DRIFT_METRICS = ("psi", "jensen_shannon", "ks_statistic", "ks_pvalue", "wasserstein")
#: Measured on the review queue (openaims.oversight.reviews): overall, or per subject group with ``group: any``.
OVERSIGHT_METRICS = ("override_rate", "blind_agreement", "overdue_share", "median_hours_to_decision")
METRICS_BY_KIND = {
    MonitorKind.FAIRNESS: FAIRNESS_METRICS + RATE_METRICS,
    MonitorKind.PERFORMANCE: RATE_METRICS,
    MonitorKind.DRIFT: DRIFT_METRICS,
    MonitorKind.OVERSIGHT: OVERSIGHT_METRICS,
}
#: Metrics measured between groups: only their overall value exists.
BETWEEN_GROUP_METRICS = FAIRNESS_METRICS

_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .-]{0,99}$")


#: A status badge coloured by this app's ``BADGE_COLOURS``.
badge_html = functools.partial(colour_badge, BADGE_COLOURS)


def _column_list_problem(value, name: str) -> str | None:
    if not isinstance(value, list) or any(not isinstance(c, str) or not _COLUMN.match(c) for c in value):
        return f"{name} must be a list of column names (letters, digits, _ . - and spaces; starting with a letter)."
    if len(set(value)) != len(value):
        return f"{name} names a column twice."
    return None


class DataSource(BaseModel):
    """Where an AI system's prediction log lives, and which of its columns mean what.

    ``store`` is the append-only Parquet store that ``POST /api/v1/systems/{id}/predictions`` fills, under
    ``AIMS_DATA_DIR/predictions/<organization>/<system>/`` (the path is derived, never typed in). The other
    kinds are monitored in place: a Parquet file or folder of the organization's data area, or a PostgreSQL
    table or query or a Spark table through a ``connection`` the instance administrator declared for the
    organization (:mod:`openaims.policy.connections`). :mod:`openaims.monitoring.sources` decides what a
    source may name, when it is saved and when it is read.
    """

    ai_system = models.ForeignKey("inventory.AISystem", on_delete=models.CASCADE, related_name="data_sources")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=DataSourceKind.choices, default=DataSourceKind.STORE)
    location = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Parquet: a file or folder of the organization's data area (relative to its import folder). "
        "PostgreSQL: a table name. Spark: a table of the connection's catalog, or a path-based table of the data "
        "area such as parquet.`logs/2026/`. Store: empty.",
    )
    query = models.TextField(blank=True, help_text="PostgreSQL: a SELECT to read instead of a table.")
    connection = models.CharField(
        max_length=100,
        blank=True,
        help_text="PostgreSQL, Spark: the connection, declared by the administrator, that reaches the data.",
    )
    timestamp_column = models.CharField(max_length=100, default="timestamp")
    y_true_column = models.CharField("true label column", max_length=100, default="y_true")
    y_pred_column = models.CharField("prediction column", max_length=100, blank=True, default="y_pred")
    score_column = models.CharField(
        max_length=100, blank=True, help_text="Instead of a prediction column: a score, positive when ≥ threshold."
    )
    threshold = models.FloatField(null=True, blank=True, help_text="Decision threshold for the score column.")
    positive_label = models.CharField(
        max_length=100, blank=True, help_text="The positive label, unless labels are 0/1 or true/false."
    )
    protected_attributes = models.JSONField(
        default=list, blank=True, help_text="Columns that define the groups compared, e.g. sex, age_band."
    )
    feature_columns = models.JSONField(default=list, blank=True, help_text="Input columns that drift monitors watch.")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "ai_system", "name"], name="uniq_data_source_name"),
            models.UniqueConstraint(
                fields=["ai_system"],
                condition=models.Q(kind="store"),
                name="uniq_store_per_system",
                violation_error_message="This AI system has its store data source already (one per system).",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def columns(self) -> list[str]:
        """Every column the mapping names, in a fixed order (the store's schema)."""
        named = [self.timestamp_column, self.y_true_column, self.y_pred_column, self.score_column]
        named += list(self.protected_attributes or []) + list(self.feature_columns or [])
        seen: list[str] = []
        for column in named:
            if column and column not in seen:
                seen.append(column)
        return seen

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for name in ("timestamp_column", "y_true_column", "y_pred_column", "score_column"):
            value = getattr(self, name)
            if value and not _COLUMN.match(value):
                errors[name] = "Not a column name (letters, digits, _ . - and spaces; starting with a letter)."
        if not self.y_pred_column and not self.score_column:
            errors["y_pred_column"] = "Name the prediction column, or a score column with its threshold."
        if self.score_column and self.threshold is None:
            errors["threshold"] = "A score column needs its decision threshold."
        for name in ("protected_attributes", "feature_columns"):
            if problem := _column_list_problem(getattr(self, name), name.replace("_", " ").capitalize()):
                errors[name] = problem
        from openaims.monitoring.sources import data_source_problems

        if self.organization_id:
            for name, problem in data_source_problems(self).items():
                errors.setdefault(name, problem)
        if errors:
            raise ValidationError(errors)


def thresholds_problem(thresholds, kind: str) -> str | None:
    """Why a monitor's thresholds are malformed, or None."""
    allowed = METRICS_BY_KIND.get(kind, ())
    if not isinstance(thresholds, list):
        return "Must be a list of {metric, operator, value, group}."
    for number, item in enumerate(thresholds, 1):
        if not isinstance(item, dict) or set(item) - {"metric", "operator", "value", "group"}:
            return f"Threshold {number}: must be an object with metric, operator, value and group."
        if item.get("metric") not in allowed:
            return f"Threshold {number}: metric {item.get('metric')!r} is not one of {', '.join(allowed)}."
        if item.get("operator") not in OPERATORS:
            return f"Threshold {number}: operator must be one of {', '.join(OPERATORS)}."
        value = item.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"Threshold {number}: value must be a number."
        if item.get("group", "overall") not in THRESHOLD_GROUPS:
            return f"Threshold {number}: group must be 'overall' or 'any'."
        if item.get("metric") in BETWEEN_GROUP_METRICS and item.get("group", "overall") != "overall":
            return f"Threshold {number}: {item['metric']} compares groups, so its group is 'overall'."
    return None


class Monitor(BaseModel):
    """Metrics of one data source, measured per time window and checked against thresholds, on a schedule.

    Thresholds are ``[{"metric": "demographic_parity_ratio", "operator": ">=", "value": 0.8, "group": "overall"}]``;
    ``group: "any"`` checks the metric in every group of at least ``min_group_size`` rows. Drift monitors
    compare each window to the reference window (or, without one, to the window before).
    """

    ai_system = models.ForeignKey("inventory.AISystem", on_delete=models.CASCADE, related_name="monitors")
    data_source = models.ForeignKey(DataSource, on_delete=models.PROTECT, related_name="monitors")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=MonitorKind.choices, default=MonitorKind.FAIRNESS)
    thresholds = models.JSONField(
        default=list, blank=True, help_text='e.g. [{"metric": "accuracy", "operator": ">=", "value": 0.9}]'
    )
    protected_attributes = models.JSONField(
        default=list, blank=True, help_text="Columns defining the groups; empty: those of the data source."
    )
    window = models.CharField(max_length=10, choices=Window.choices, default=Window.WEEKLY)
    reference_start = models.DateTimeField(null=True, blank=True, help_text="Drift: start of the reference window.")
    reference_end = models.DateTimeField(null=True, blank=True, help_text="Drift: end of the reference window.")
    min_group_size = models.PositiveIntegerField(
        default=30, help_text="Smaller groups are reported but flagged and not compared."
    )
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.DAILY)
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="When the scheduler runs it next.")
    active = models.BooleanField(default=True)
    objectives = models.ManyToManyField(
        "governance.AIObjective", blank=True, related_name="monitors", help_text="AI objectives the thresholds serve."
    )
    controls = models.ManyToManyField(
        "controls.SoAEntry", blank=True, related_name="monitors", help_text="Controls whose working the runs show."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["active", "next_run_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def groups(self) -> list[str]:
        """The protected attributes this monitor compares."""
        return list(self.protected_attributes or []) or list(self.data_source.protected_attributes or [])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if problem := thresholds_problem(self.thresholds, self.kind):
            errors["thresholds"] = problem
        if problem := _column_list_problem(self.protected_attributes, "Protected attributes"):
            errors["protected_attributes"] = problem
        if self.data_source_id and self.ai_system_id and self.data_source.ai_system_id != self.ai_system_id:
            errors["data_source"] = "The data source belongs to another AI system."
        if (self.reference_start is None) != (self.reference_end is None):
            errors["reference_end"] = "Give the reference window's start and end together (or neither)."
        elif self.reference_start and self.reference_end and self.reference_end <= self.reference_start:
            errors["reference_end"] = "Must be after the reference start."
        if self.data_source_id and (self.kind == MonitorKind.OVERSIGHT) != (
            self.data_source.kind == DataSourceKind.REVIEWS
        ):
            errors["data_source"] = "Human oversight monitors, and only they, read the review queue data source."
        if (
            self.kind == MonitorKind.FAIRNESS
            and not errors.get("protected_attributes")
            and self.data_source_id
            and not self.groups
        ):
            errors["protected_attributes"] = "A fairness monitor needs protected attributes (here or on its source)."
        if errors:
            raise ValidationError(errors)


class MetricRun(BaseModel):
    """One measurement of a monitor over one window: what was measured, on how many rows, and whether it passed.

    Append-only: services create runs and never change or delete them. ``aggregates`` holds the sufficient
    statistics the engine returned, ``results`` every metric with its interval (overall and per group),
    ``checks`` each threshold with the measured value and the verdict.
    """

    monitor = models.ForeignKey(Monitor, on_delete=models.PROTECT, related_name="runs")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    rows = models.PositiveBigIntegerField(default=0)
    engine = models.CharField(max_length=20)
    duration_ms = models.PositiveIntegerField(default=0)
    aggregates = models.JSONField(default=dict, blank=True)
    results = models.JSONField(default=dict, blank=True)
    checks = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices)
    passed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.MANUAL)
    evidence = models.ForeignKey(
        "evidence.Evidence", null=True, blank=True, on_delete=models.SET_NULL, related_name="metric_runs"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        verbose_name = "metric run"
        ordering = ["-window_start", "-started_at"]
        indexes = [models.Index(fields=["monitor", "window_start"])]

    def __str__(self) -> str:
        return f"{self.monitor} {self.window_start:%Y-%m-%d}–{self.window_end:%Y-%m-%d}" if self.monitor_id else "run"

    @property
    def status_badge(self) -> str:
        return badge_html(self.status, self.get_status_display())

    @property
    def failed_checks(self) -> list[dict]:
        return [check for check in self.checks or [] if check.get("passed") is False]


class Alert(BaseModel):
    """A threshold a run breached, until someone acknowledges it."""

    monitor = models.ForeignKey(Monitor, on_delete=models.PROTECT, related_name="alerts")
    run = models.ForeignKey(MetricRun, on_delete=models.PROTECT, related_name="alerts")
    metric = models.CharField(max_length=100)
    group = models.CharField(max_length=300, blank=True)
    value = models.FloatField(null=True, blank=True)
    operator = models.CharField(max_length=2, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    message = models.CharField(max_length=500)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "acknowledged_at"])]

    def __str__(self) -> str:
        return self.message

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def severity_badge(self) -> str:
        return badge_html(self.severity, self.get_severity_display())
