"""``aims monitor``: list and run monitors, compact prediction stores; ``aims worker``: the task runner."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

app = typer.Typer(help="Monitors of AI systems' prediction logs: fairness, performance, drift.", no_args_is_help=True)


def _run_dict(run) -> dict:
    from openaims.monitoring.schemas import MetricRunOut

    data = MetricRunOut.from_orm(run).model_dump(mode="json")
    data["monitor"] = run.monitor.name
    return data


def _print_run(run) -> None:
    colour = {"passed": "green", "failed": "red"}.get(run.status, "yellow")
    console.print(
        f"{escape(run.monitor.name)}: [{colour}]{run.get_status_display()}[/] — window {run.window_start:%Y-%m-%d} to "
        f"{run.window_end:%Y-%m-%d}, {run.rows} rows, {run.engine}, {run.duration_ms} ms (run {run.pk})",
        highlight=False,
    )
    if run.error:
        console.print(f"  {run.error}", highlight=False, markup=False)
    for check in run.checks:
        verdict = {True: "ok", False: "BREACHED", None: "undefined"}[check["passed"]]
        value = "undefined" if check["value"] is None else f"{check['value']:.4f}"
        console.print(
            f"  {check['metric']} [{check['group']}] = {value} {check['operator']} {check['threshold']:g}: {verdict}",
            highlight=False,
            markup=False,
        )


@app.command("list")
def list_monitors(
    system: str = typer.Option(None, "--system", help="Only monitors of this AI system (id or exact name)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List the monitors, with their schedule and latest verdict."""
    from openaims.inventory.models import AISystem
    from openaims.monitoring.schemas import MonitorOut
    from openaims.monitoring.selectors import filter_monitors, monitors

    actor = resolve_actor(org, user)
    filters = {}
    if system:
        systems = AISystem.objects.filter(organization=actor.organization)
        found = systems.filter(name=system).first()
        if found is None:
            try:
                found = systems.filter(pk=system).first()
            except Exception:  # not a UUID
                found = None
        if found is None:
            fail(f"--system: no AI system {system!r} in {actor.organization.slug}")
        filters["ai_system_id"] = found.pk
    qs = list(filter_monitors(run_service(monitors, actor), filters).order_by("ai_system__name", "name"))
    latest = {m.pk: m.runs.order_by("-window_start", "-started_at").first() for m in qs}
    if json_output:
        rows = []
        for m in qs:
            data = MonitorOut.from_orm(m).model_dump(mode="json")
            run = latest[m.pk]
            data["latest_run"] = None if run is None else {"id": str(run.pk), "status": run.status}
            rows.append(data)
        print_json(rows)
        return
    table = Table(title=f"Monitors of {actor.organization.name}")
    for column in ("Monitor", "AI system", "Kind", "Window", "Schedule", "Next run", "Latest", "Id"):
        table.add_column(column)
    for m in qs:
        run = latest[m.pk]
        table.add_row(
            m.name + ("" if m.active else " (inactive)"),
            m.ai_system.name,
            m.kind,
            m.window,
            m.schedule,
            f"{m.next_run_at:%Y-%m-%d %H:%M}" if m.next_run_at else "—",
            f"{run.status} ({run.window_start:%Y-%m-%d})" if run else "—",
            str(m.pk),
        )
    console.print(table)


@app.command("run")
def run(
    monitor_id: str = typer.Argument(None, metavar="MONITOR_ID", help="The monitor to run (its id)."),
    due: bool = typer.Option(False, "--due", help="Run every monitor whose scheduled time has come."),
    window_start: str = typer.Option(
        None, "--window-start", help="Measure the window containing this ISO date-time (default: the last one)."
    ),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Run one monitor now, or every due one (as the scheduler would). Exits 1 if a threshold is breached."""
    import datetime as dt

    from django.utils import timezone

    from openaims.monitoring.models import Monitor
    from openaims.monitoring.runner import due_monitors, run_monitor, run_scheduled

    if due == bool(monitor_id):
        fail("give a MONITOR_ID or --due (one of them)")
    if due:
        qs = due_monitors()
        if org:
            qs = qs.filter(organization=resolve_actor(org, user).organization)
        runs = [r for r in (run_scheduled(pk) for pk in list(qs.values_list("pk", flat=True))) if r is not None]
    else:
        actor = resolve_actor(org, user)
        try:
            monitor = Monitor.objects.filter(organization=actor.organization, pk=monitor_id).first()
        except Exception:  # not a UUID
            monitor = None
        if monitor is None:
            fail(f"no monitor {monitor_id!r} in {actor.organization.slug}")
        start = None
        if window_start:
            try:
                start = dt.datetime.fromisoformat(window_start)
            except ValueError:
                fail(f"--window-start: {window_start!r} is not an ISO date-time (e.g. 2026-03-02)")
            if timezone.is_naive(start):
                start = start.replace(tzinfo=dt.UTC)
        runs = [run_service(run_monitor, actor=actor, monitor=monitor, window_start=start)]
    if json_output:
        print_json([_run_dict(r) for r in runs] if due else _run_dict(runs[0]))
    else:
        if due and not runs:
            console.print("No monitor is due.")
        for r in runs:
            _print_run(r)
    if any(r.status == "error" for r in runs):
        raise typer.Exit(2)
    if any(r.status == "failed" for r in runs):
        raise typer.Exit(1)


def _compacted_dict(source, result) -> dict:
    data = {"data_source": str(source.pk), "name": source.name, "compacted": result is not None}
    if result is not None:
        data.update(
            parts=result.parts, rows=result.rows, part=result.part, generation=result.generation, removed=result.removed
        )
    return data


@app.command("compact")
def compact(
    source_ref: str = typer.Argument(None, metavar="SOURCE", help="The store data source (its id or exact name)."),
    all_stores: bool = typer.Option(
        False, "--all", help="Every store holding more parts than AIMS_STORE_COMPACT_PARTS (or --min-parts)."
    ),
    min_parts: int = typer.Option(None, "--min-parts", min=2, help="Compact only stores holding this many parts."),
    keep_old_for: int = typer.Option(
        3600, "--keep-old-for", min=0, help="Seconds the replaced parts stay for runs still reading them."
    ),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Rewrite a prediction store's many small parts as one Parquet file (readers never see a half-done store)."""
    import datetime as dt

    from openaims.monitoring.models import DataSource
    from openaims.monitoring.store import IngestError, store_compact, stores_compact_due

    if all_stores == bool(source_ref):
        fail("give a SOURCE or --all (one of them)")
    keep = dt.timedelta(seconds=keep_old_for)
    try:
        if all_stores:
            organization = resolve_actor(org, user).organization if org else None
            done = stores_compact_due(min_parts=min_parts, organization=organization, keep_old_for=keep)
        else:
            actor = resolve_actor(org, user)
            sources = DataSource.objects.filter(organization=actor.organization)
            source = sources.filter(name=source_ref).first()
            if source is None:
                try:
                    source = sources.filter(pk=source_ref).first()
                except Exception:  # not a UUID
                    source = None
            if source is None:
                fail(f"SOURCE: no data source {source_ref!r} in {actor.organization.slug}")
            result = run_service(
                store_compact, actor=actor, data_source=source, min_parts=min_parts or 2, keep_old_for=keep
            )
            done = [(source, result)]
    except IngestError as exc:
        fail(f"SOURCE: {exc.detail}")
    except OSError as exc:
        fail(f"the store could not be compacted: {exc}")
    if json_output:
        rows = [_compacted_dict(source, result) for source, result in done]
        print_json(rows if all_stores else rows[0])
        return
    if not done:
        console.print("No store needs compacting.")
    for source, result in done:
        if result is None:
            console.print(f"{escape(source.name)}: nothing to compact (fewer parts than the minimum).")
        else:
            console.print(
                f"{escape(source.name)}: {result.parts} parts became 1 file of {result.rows} rows "
                f"({result.part}); {result.removed} old generation(s) removed.",
                highlight=False,
            )


def register(root: typer.Typer) -> None:
    """Add ``aims worker`` to the root command."""

    @root.command("worker")
    def worker(
        workers: int = typer.Option(1, "--workers", min=1, max=16, help="Monitors run at the same time."),
    ) -> None:
        """Run the task runner: every minute it runs the monitors whose scheduled time has come."""
        import logging

        from openaims.monitoring.tasks import enqueue_due_monitors, huey

        if huey.immediate:
            fail("AIMS_TASKS_IMMEDIATE=1 runs tasks in-process: unset it to run a worker")
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        from openaims.base.staging import sweep_stale

        sweep_stale()  # staging files that interrupted ingests left behind
        enqueue_due_monitors()  # catch up at once on what fell due while no worker ran
        consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.run()
