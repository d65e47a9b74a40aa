"""What every benchmark shares: throw-away workspaces (SQLite or PostgreSQL), child processes, stats, output.

A benchmark never touches the repository's ``./var``: each run gets its own temporary data directory and
database, removed afterwards. Work that needs Django runs in a child process (``python -m <module> --child``),
because ``DATABASE_URL`` is read once, when the settings are imported.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
BIN = Path(sys.executable).parent
AIMS = BIN / "aims"
PG_ADMIN_URL = os.environ.get("AIMS_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
#: Environment variables of the application that a benchmark always sets itself.
APP_VARIABLES = ("DATABASE_URL", "AIMS_DATA_DIR", "AIMS_SECRET_KEY", "AIMS_ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")


# ---------------------------------------------------------------- statistics


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# ---------------------------------------------------------------- workspaces


def engines() -> list[str]:
    """The engines to measure: ``AIMS_BENCH_ENGINES`` (default sqlite and, when its server answers, postgres)."""
    wanted = os.environ.get("AIMS_BENCH_ENGINES", "sqlite,postgres").split(",")
    found = [e.strip() for e in wanted if e.strip() in {"sqlite", "postgres"}]
    if "postgres" in found and not postgres_available():
        print("PostgreSQL: no server at 127.0.0.1:5432, measuring SQLite only")
        found.remove("postgres")
    return found


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def workspace(engine: str, name: str):
    """A temporary data directory and an empty database; yields the environment of a process that uses them."""
    root = Path(tempfile.mkdtemp(prefix=f"aims-bench-{name}-"))
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env.update(
        AIMS_DATA_DIR=str(root / "data"),
        AIMS_SECRET_KEY="benchmark-secret-key-" + uuid.uuid4().hex,
        AIMS_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="openaims.web.settings",
        PYTHONPATH=str(REPO),
    )
    database = ""
    if engine == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{root / 'bench.sqlite3'}"
    elif engine == "postgres":
        database = f"aims_bench_{name}_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database
    else:
        raise ValueError(f"unknown engine {engine!r}")
    try:
        yield env
    finally:
        if database:
            _pg_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(root, ignore_errors=True)


# ---------------------------------------------------------------- processes


def timed(command: list[str], env: dict, cwd: Path | str | None = None) -> float:
    """Run a command to completion (it must succeed); return its wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return elapsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(port: int, path: str = "/healthz", timeout: float = 2.0) -> int | None:
    """The status of ``GET path`` on 127.0.0.1:port, or None while nothing answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def start_server(command: list[str], env: dict, cwd: Path | str | None = None) -> subprocess.Popen:
    """Start a server in its own process group (so that it and its workers can be stopped together)."""
    return subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 60.0) -> float:
    """Poll ``/healthz`` every 10 ms until it answers 200; return the seconds waited."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
        if http_status(port) == 200:
            return time.perf_counter() - start
        time.sleep(0.01)
    raise RuntimeError(f"no 200 from /healthz on port {port} within {timeout} s")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server we started, and its workers (its own process group), by its id."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.stderr:
        proc.stderr.close()


def run_child(module: str, env: dict, *args: str, timeout: float = 1800) -> dict:
    """Run ``python -m module --child args`` in ``env``; return the JSON it writes to ``AIMS_BENCH_OUT``."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    try:
        child_env = {**env, "AIMS_BENCH_OUT": str(path)}
        subprocess.run(
            [sys.executable, "-m", module, "--child", *args], env=child_env, cwd=REPO, check=True, timeout=timeout
        )
        return json.loads(path.read_text())
    finally:
        path.unlink(missing_ok=True)


def child_setup() -> None:
    """In a child: set Django up against the workspace's database and migrate it."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def child_result(data: dict) -> None:
    Path(os.environ["AIMS_BENCH_OUT"]).write_text(json.dumps(data, default=str))


def progress(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- output


def calibration() -> dict:
    """Two tiny CPU measures (best of 3), taken with the results: the machine is shared, and they show how busy it was.

    On this project's machine, idle, a 1,000,000-step Python loop takes about 0.08 s and 100,000 trail-style
    SHA-256 digests about 0.35 s; figures several times higher mean other work was competing for the two cores.
    """
    import hashlib

    def loop() -> float:
        start, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i
        return time.perf_counter() - start

    def digests() -> float:
        template, row = "\x1f".join(["%s"] * 13), ("a" * 64, 1, "2026-01-01T00:00:00.000000Z", *["field"] * 10)
        start = time.perf_counter()
        for _ in range(100_000):
            hashlib.sha256((template % row).encode()).hexdigest()
        return time.perf_counter() - start

    return {
        "python_loop_1M_s": round(min(loop() for _ in range(3)), 3),
        "sha256_100k_s": round(min(digests() for _ in range(3)), 3),
    }


def machine() -> dict:
    """What the numbers were measured on."""
    info = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        "calibration": calibration(),
    }
    described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True)
    info["commit"] = described.stdout.strip() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    if postgres_available():
        import psycopg

        with psycopg.connect(PG_ADMIN_URL) as conn:
            info["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
    return info


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    print(f"\n{title}")
    print("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("  " + "  ".join("-" * w for w in widths))
    for row in cells:
        print("  " + "  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths, strict=True)))


def _numeric(text: str) -> bool:
    try:
        float(text.replace(",", "").rstrip("%s"))
        return True
    except ValueError:
        return False


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), **data}, indent=2, default=str) + "\n")
    print(f"\n  results written to {path.relative_to(REPO)}")
    return path
