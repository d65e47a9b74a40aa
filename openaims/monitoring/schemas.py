"""API schemas of monitoring: data sources, monitors, metric runs, alerts, prediction ingest."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from openaims.base.schemas import DateTime, LongText, Name, ShortText, text
from openaims.monitoring.choices import AlertSeverity, DataSourceKind, MonitorKind, RunStatus, Schedule, Trigger, Window

Column = text(100)
ColumnList = Annotated[list[Column], Field(max_length=200)]
Ids = Annotated[list[uuid.UUID], Field(max_length=500)]
Location = text(1000)
ConnectionName = text(100)
Number = Annotated[float, Field(ge=-1e15, le=1e15, allow_inf_nan=False)]


class Timestamps(Schema):
    id: uuid.UUID
    created_at: dt.datetime
    updated_at: dt.datetime


# --- Data sources ----------------------------------------------------------------------------------------


class DataSourceIn(Schema):
    ai_system_id: uuid.UUID
    name: Name
    kind: DataSourceKind = DataSourceKind.STORE
    location: Location = ""
    query: LongText = ""
    connection: ConnectionName = ""
    timestamp_column: Column = "timestamp"
    y_true_column: Column = "y_true"
    y_pred_column: Column = "y_pred"
    score_column: Column = ""
    threshold: Number | None = None
    positive_label: Column = ""
    protected_attributes: ColumnList = Field(default_factory=list)
    feature_columns: ColumnList = Field(default_factory=list)
    description: LongText = ""


class DataSourcePatch(Schema):
    name: Name | None = None
    kind: DataSourceKind | None = None
    location: Location | None = None
    query: LongText | None = None
    connection: ConnectionName | None = None
    timestamp_column: Column | None = None
    y_true_column: Column | None = None
    y_pred_column: Column | None = None
    score_column: Column | None = None
    threshold: Number | None = None
    positive_label: Column | None = None
    protected_attributes: ColumnList | None = None
    feature_columns: ColumnList | None = None
    description: LongText | None = None


class DataSourceOut(DataSourceIn, Timestamps):
    name: str


class ConnectionOut(Schema):
    """A connection the organization's data sources may name (declared by the instance administrator)."""

    name: str
    kind: str
    description: str


class DataSourceFilters(Schema):
    q: ShortText | None = None
    kind: DataSourceKind | None = None
    ai_system_id: uuid.UUID | None = None


# --- Monitors --------------------------------------------------------------------------------------------


class Threshold(Schema):
    metric: text(100, 1)  # type: ignore[valid-type]
    operator: Literal[">=", "<=", ">", "<"]
    value: Number
    group: Literal["overall", "any"] = "overall"


Thresholds = Annotated[list[Threshold], Field(max_length=100)]


class MonitorIn(Schema):
    ai_system_id: uuid.UUID
    data_source_id: uuid.UUID
    name: Name
    kind: MonitorKind = MonitorKind.FAIRNESS
    thresholds: Thresholds = Field(default_factory=list)
    protected_attributes: ColumnList = Field(default_factory=list)
    window: Window = Window.WEEKLY
    reference_start: DateTime | None = None
    reference_end: DateTime | None = None
    min_group_size: Annotated[int, Field(ge=0, le=10**9)] = 30
    schedule: Schedule = Schedule.DAILY
    active: bool = True
    objectives: Ids = Field(default_factory=list)
    controls: Ids = Field(default_factory=list)
    description: LongText = ""


class MonitorPatch(Schema):
    name: Name | None = None
    data_source_id: uuid.UUID | None = None
    kind: MonitorKind | None = None
    thresholds: Thresholds | None = None
    protected_attributes: ColumnList | None = None
    window: Window | None = None
    reference_start: DateTime | None = None
    reference_end: DateTime | None = None
    min_group_size: Annotated[int, Field(ge=0, le=10**9)] | None = None
    schedule: Schedule | None = None
    active: bool | None = None
    objectives: Ids | None = None
    controls: Ids | None = None
    description: LongText | None = None


class MonitorOut(MonitorIn, Timestamps):
    name: str
    next_run_at: dt.datetime | None

    @staticmethod
    def resolve_objectives(obj) -> list[uuid.UUID]:
        return [o.pk for o in obj.objectives.all()]

    @staticmethod
    def resolve_controls(obj) -> list[uuid.UUID]:
        return [c.pk for c in obj.controls.all()]


class MonitorFilters(Schema):
    q: ShortText | None = None
    kind: MonitorKind | None = None
    ai_system_id: uuid.UUID | None = None
    active: bool | None = None


class MonitorRunIn(Schema):
    """Which window to measure: the one containing ``window_start``, or the last complete one."""

    window_start: DateTime | None = None


# --- Runs and alerts -------------------------------------------------------------------------------------


class MetricRunOut(Timestamps):
    monitor_id: uuid.UUID
    window_start: dt.datetime
    window_end: dt.datetime
    rows: int
    engine: str
    duration_ms: int
    status: RunStatus
    passed: bool
    error: str
    trigger: Trigger
    checks: list[dict[str, Any]]
    results: dict[str, Any]
    aggregates: dict[str, Any]
    evidence_id: uuid.UUID | None
    started_at: dt.datetime
    finished_at: dt.datetime


class MetricRunSummaryOut(Timestamps):
    monitor_id: uuid.UUID
    window_start: dt.datetime
    window_end: dt.datetime
    rows: int
    engine: str
    duration_ms: int
    status: RunStatus
    passed: bool
    error: str
    trigger: Trigger
    checks: list[dict[str, Any]]
    evidence_id: uuid.UUID | None


class MetricRunFilters(Schema):
    monitor_id: uuid.UUID | None = None
    ai_system_id: uuid.UUID | None = None
    status: RunStatus | None = None


class AlertOut(Timestamps):
    monitor_id: uuid.UUID
    run_id: uuid.UUID
    metric: str
    group: str
    value: float | None
    operator: str
    threshold: float | None
    severity: AlertSeverity
    message: str
    acknowledged_by_id: uuid.UUID | None
    acknowledged_at: dt.datetime | None


class AlertFilters(Schema):
    monitor_id: uuid.UUID | None = None
    ai_system_id: uuid.UUID | None = None
    acknowledged: bool | None = None


class IngestOut(Schema):
    data_source_id: uuid.UUID
    rows: int
    sha256: str
    part: str
    columns: dict[str, str]
