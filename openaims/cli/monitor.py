"""``aims monitor``: list and run monitors; ``aims worker``: the task runner that runs them on schedule."""

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
        enqueue_due_monitors()  # catch up at once on what fell due while no worker ran
        consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.run()
