"""Cold start: ``aims --help``, ``aims init`` on a fresh database, and ``aims serve`` until ``/healthz`` answers 200.

Each run uses a new temporary data directory and database. "Cold" means a new process and a new database;
the operating system's file cache is warm after the first run (we report the first run separately).
"""

from __future__ import annotations

import time

from benchmarks.common import (
    AIMS,
    engines,
    free_port,
    median,
    ms,
    print_table,
    progress,
    save,
    start_server,
    stop_server,
    timed,
    wait_healthy,
    workspace,
)

RUNS = 5


def one_run(engine: str) -> dict:
    with workspace(engine, "startup") as env:
        init = timed([str(AIMS), "init"], env)
        port = free_port()
        start = time.perf_counter()
        server = start_server([str(AIMS), "serve", "--port", str(port)], env)
        try:
            wait_healthy(server, port)
            first_answer = time.perf_counter() - start
        finally:
            stop_server(server)
    return {"init_s": init, "serve_to_healthz_s": first_answer}


def run() -> dict:
    results: dict = {"runs": RUNS}
    help_times = []
    with workspace("sqlite", "help") as env:
        for _ in range(RUNS):
            help_times.append(timed([str(AIMS), "--help"], env))
    results["help_s"] = help_times
    rows = [["aims --help", "-", ms(help_times[0]), ms(median(help_times)), ms(min(help_times))]]
    for engine in engines():
        progress(f"{engine}: {RUNS} × (aims init; aims serve until /healthz answers 200)")
        runs = [one_run(engine) for _ in range(RUNS)]
        results[engine] = runs
        for key, label in (("init_s", "aims init (fresh DB)"), ("serve_to_healthz_s", "aims serve → /healthz 200")):
            values = [r[key] for r in runs]
            rows.append([label, engine, ms(values[0]), ms(median(values)), ms(min(values))])
    print_table(f"Cold start (median of {RUNS} runs, ms)", ["step", "engine", "first run", "median", "best"], rows)
    results["table"] = rows
    save("startup", results)
    return results


if __name__ == "__main__":
    run()
