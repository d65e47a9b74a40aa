"""The monitoring API: data sources and monitors (CRUD), prediction ingest, running a monitor, runs, alerts."""

from __future__ import annotations

import os
import tempfile
import uuid
from http import HTTPStatus
from pathlib import Path

from django.core.exceptions import ValidationError
from ninja import Query, Router, Status

from openaims.base.api import paginate, register_crud
from openaims.base.schemas import READ_ERRORS, WRITE_ERRORS, Problem, file_answer, page_schema
from openaims.base.selectors import get_scoped
from openaims.inventory.models import AISystem
from openaims.monitoring import schemas as s
from openaims.monitoring import selectors, services, store
from openaims.monitoring.models import Alert, DataSource, MetricRun, Monitor
from openaims.monitoring.runner import run_monitor

router = Router(tags=["Monitoring"])

register_crud(
    router,
    path="data-sources",
    model=DataSource,
    out=s.DataSourceOut,
    create_in=s.DataSourceIn,
    patch_in=s.DataSourcePatch,
    filters=s.DataSourceFilters,
    filter_queryset=selectors.filter_data_sources,
    create=services.data_source_create,
    update=services.data_source_update,
    delete=services.data_source_delete,
    instance_kwarg="data_source",
)

register_crud(
    router,
    path="monitors",
    model=Monitor,
    out=s.MonitorOut,
    create_in=s.MonitorIn,
    patch_in=s.MonitorPatch,
    filters=s.MonitorFilters,
    filter_queryset=selectors.filter_monitors,
    create=services.monitor_create,
    update=services.monitor_update,
    delete=services.monitor_delete,
    instance_kwarg="monitor",
    queryset=lambda qs: qs.prefetch_related("objectives", "controls"),
)


@router.get(
    "/connections",
    response={200: list[s.ConnectionOut], **READ_ERRORS},
    summary="List the connections this organization's data sources may name (declared by the administrator)",
    description="PostgreSQL and Spark data sources read through one of these, by name (their `connection`). "
    "Only the instance administrator declares connections (`aims connection add`); connection strings are never "
    "shown.",
    operation_id="list_connections",
)
def list_connections(request):
    from openaims.policy.connections import connections_for

    return [
        {"name": c.name, "kind": c.kind, "description": c.description}
        for c in connections_for(request.auth.organization)
    ]


INGEST_ERRORS = {**WRITE_ERRORS, 415: Problem}
_JSON_TYPES = ("application/x-ndjson", "application/jsonl", "application/json", "application/jsonlines")
_PARQUET_TYPES = ("application/vnd.apache.parquet", "application/x-parquet", "application/octet-stream")
_CHUNK = 1024 * 1024


def _problem(status: int, detail: str, errors: list[dict] | None = None) -> Status:
    body = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail, "errors": errors or []}
    return Status(status, body)


def _stream(request, limit: int):
    """The raw body in chunks, read from the request stream (never held whole past ``limit``)."""
    read = 0
    while True:
        chunk = request.read(_CHUNK)
        if not chunk:
            return
        read += len(chunk)
        if read > limit:
            raise store.TooLarge(limit)
        yield chunk


def _to_temp_file(chunks) -> Path:
    from openaims.base.staging import staging_dir  # the data directory, swept if the process dies (not /tmp)

    fd, name = tempfile.mkstemp(prefix="aims-ingest-", suffix=".parquet", dir=staging_dir())
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


@router.post(
    "/systems/{id}/predictions",
    response={201: s.IngestOut, **INGEST_ERRORS},
    summary="Append predictions to the AI system's store (JSON lines, a JSON array, or Parquet)",
    description=(
        "Body: `application/x-ndjson` (one JSON object per line), `application/json` (an array of objects), "
        "`application/vnd.apache.parquet` (a Parquet file), or `multipart/form-data` with the Parquet file as "
        "`file`. The columns must be exactly those of the system's store data source (its timestamp, label, "
        "prediction or score, protected attribute and feature columns); the timestamp is ISO 8601. All or "
        "nothing: 422 names each bad column with its line; 413 past AIMS_PREDICTIONS_MAX_BYTES; 415 for "
        "another content type. The rows become one new Parquet part, and the ingest a trail event."
    ),
    operation_id="ingest_predictions",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
def ingest_predictions(request, id: uuid.UUID):
    actor = request.auth
    system = get_scoped(AISystem, actor, id)
    source = selectors.store_source_for(actor, system)
    if source is None:
        raise ValidationError({"id": ["This AI system has no store data source: create one (kind store) first."]})
    content_type = (request.content_type or "").lower()
    limit = store.max_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    try:
        if length > limit + (_CHUNK if content_type == "multipart/form-data" else 0):
            raise store.TooLarge(limit)
        if content_type in _JSON_TYPES:
            result = store.predictions_ingest_json(actor=actor, data_source=source, chunks=_stream(request, limit))
        elif content_type in _PARQUET_TYPES:
            actor.require("create")
            path = _to_temp_file(_stream(request, limit))
            try:
                result = store.predictions_ingest_parquet(actor=actor, data_source=source, path=path)
            finally:
                path.unlink(missing_ok=True)
        elif content_type == "multipart/form-data":
            result = _ingest_multipart(request, actor, source, limit)
        else:
            return _problem(415, f"Send JSON lines, a JSON array or Parquet, not {content_type or 'no content type'}.")
    except RecursionError:  # JSON nested deeper than the parser goes
        return _problem(400, "The body is not valid JSON here: it nests lists and objects too deep.")
    except store.IngestError as exc:
        if exc.status == 422:
            raise ValidationError({e["field"]: [e["message"]] for e in exc.errors} or {"body": [exc.detail]}) from exc
        return _problem(exc.status, exc.detail, exc.errors)
    return Status(201, {"data_source_id": source.pk, **result.__dict__})


def _ingest_multipart(request, actor, source, limit: int):
    from openaims.evidence.uploads import UploadLimitHandler

    actor.require("create")
    request.upload_handlers.insert(0, UploadLimitHandler(request, max_bytes=limit, raise_error=True))
    upload = request.FILES.get("file")
    if upload is None:
        raise store.IngestError("No file.", [{"field": "file", "message": "send the Parquet file as 'file'"}])
    path = _to_temp_file(upload.chunks())
    try:
        return store.predictions_ingest_parquet(actor=actor, data_source=source, path=path)
    finally:
        path.unlink(missing_ok=True)


@router.post(
    "/monitors/{id}/run",
    response={201: s.MetricRunOut, **WRITE_ERRORS},
    summary="Run a monitor now over one window: the last complete one, or the one containing ?window_start=",
    description="The run is kept even when the data cannot be read (status error, with the message).",
    operation_id="run_monitors",
)
def run_monitor_now(request, id: uuid.UUID, window: Query[s.MonitorRunIn]):
    monitor = get_scoped(Monitor, request.auth, id, queryset=selectors.monitors(request.auth))
    run = run_monitor(actor=request.auth, monitor=monitor, window_start=window.window_start)
    return Status(201, run)


@router.get(
    "/metric-runs",
    response={200: page_schema(s.MetricRunSummaryOut), **READ_ERRORS},
    summary="List metric runs, newest window first",
    operation_id="list_metric-runs",
)
def list_runs(request, filters: Query[s.MetricRunFilters], limit: int = 50, offset: int = 0):
    qs = selectors.filter_metric_runs(selectors.metric_runs(request.auth), filters)
    return paginate(qs, limit, offset)


@router.get(
    "/metric-runs/{id}",
    response={200: s.MetricRunOut, **READ_ERRORS},
    summary="Read a metric run: window, rows, aggregates, every metric with its interval, checks",
    operation_id="read_metric-runs",
)
def read_run(request, id: uuid.UUID):
    return get_scoped(MetricRun, request.auth, id)


@router.get(
    "/alerts",
    response={200: page_schema(s.AlertOut), **READ_ERRORS},
    summary="List alerts, newest first",
    operation_id="list_alerts",
)
def list_alerts(request, filters: Query[s.AlertFilters], limit: int = 50, offset: int = 0):
    qs = selectors.filter_alerts(selectors.alerts(request.auth), filters)
    return paginate(qs, limit, offset)


@router.get(
    "/alerts/{id}", response={200: s.AlertOut, **READ_ERRORS}, summary="Read an alert", operation_id="read_alerts"
)
def read_alert(request, id: uuid.UUID):
    return get_scoped(Alert, request.auth, id)


@router.post(
    "/alerts/{id}/acknowledge",
    response={200: s.AlertOut, **WRITE_ERRORS},
    summary="Acknowledge an alert (its nonconformity stays open until a later run or a person verifies the fix)",
    operation_id="acknowledge_alerts",
)
def acknowledge_alert(request, id: uuid.UUID):
    alert = get_scoped(Alert, request.auth, id)
    return services.alert_acknowledge(actor=request.auth, alert=alert)


@router.get(
    "/systems/{id}/monitoring-report.pdf",
    response={200: None, **READ_ERRORS},
    summary="Download an AI system's monitoring report (PDF)",
    description="Needs the export right. The monitoring page's charts (vector SVG), each monitor's latest run with "
    "its thresholds and per-group values, and the open nonconformities.",
    operation_id="monitoring-report_systems",
    openapi_extra=file_answer("The report, as an attachment", ["application/pdf"]),
)
def monitoring_report(request, id: uuid.UUID):
    from django.http import HttpResponse

    from openaims.monitoring.report import export_monitoring_report

    exported = export_monitoring_report(actor=request.auth, ai_system=get_scoped(AISystem, request.auth, id))
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response
