"""First ``make run`` on a fresh clone: each step of the Makefile's ``run`` target, timed, until ``/healthz`` answers.

The steps are the Makefile's, run one by one so that each gets its own time: ``git clone``, ``python3.11 -m venv``,
``pip install --upgrade pip``, ``pip install -e .``, ``aims init``, ``aims demo``, ``aims serve``.

Package downloads are not measured: before the clock starts, ``pip download`` puts every wheel the install needs
(pip, the build backend, the dependencies) into a local wheel directory, and the timed steps run with
``PIP_NO_INDEX=1 PIP_FIND_LINKS=<that directory>``, so pip installs from files already on the machine and does
not touch the network. The clone is made from the committed ``HEAD`` of this repository and removed afterwards;
its ``./var`` is the clone's own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.common import (
    APP_VARIABLES,
    BIN,
    REPO,
    free_port,
    ms,
    print_table,
    progress,
    save,
    start_server,
    stop_server,
    wait_healthy,
)


def _step(command: list[str], cwd: Path, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr}")
    return elapsed, done.stdout + done.stderr


def _pip_sources(output: str) -> dict:
    """How pip got each distribution: from its cache, a local wheel directory, or downloaded."""
    return {
        "cached": len(re.findall(r"^\s*Using cached ", output, re.M)),
        "local_files": len(re.findall(r"^\s*Processing /", output, re.M)),
        "downloaded": len(re.findall(r"^\s*Downloading ", output, re.M)),
    }


def run() -> dict:
    python = shutil.which("python3.11") or shutil.which("python3")
    root = Path(tempfile.mkdtemp(prefix="aims-bench-clone-"))
    clone = root / "openaims"
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES and k != "VIRTUAL_ENV"}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(REPO)))
    steps: list[tuple[str, float]] = []
    pip_sources: dict = {}
    server = None
    try:
        progress(f"cloning {REPO} into {clone}")
        steps.append(("git clone", _step(["git", "clone", "--quiet", str(REPO), str(clone)], root, env)[0]))
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True)
        bin_ = clone / ".venv" / "bin"
        wheels = root / "wheels"
        progress(f"not timed: pip download of every needed wheel into {wheels}")
        pip = [str(BIN / "python"), "-m", "pip", "download", "--quiet", "--dest", str(wheels)]
        _step([*pip, "pip", "setuptools>=69", "wheel"], root, env)
        _step([*pip, str(clone)], root, env)
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels))
        progress("python -m venv .venv")
        steps.append(("python3.11 -m venv .venv", _step([python, "-m", "venv", ".venv"], clone, env)[0]))
        progress("pip install --upgrade pip")
        elapsed, out = _step([str(bin_ / "python"), "-m", "pip", "install", "--upgrade", "pip"], clone, env)
        steps.append(("pip install --upgrade pip", elapsed))
        progress("pip install -e .")
        elapsed, out = _step([str(bin_ / "pip"), "install", "-e", "."], clone, env)
        steps.append(("pip install -e .", elapsed))
        pip_sources = _pip_sources(out)
        (clone / ".venv" / ".installed").touch()
        progress("aims init; aims demo")
        steps.append(("aims init", _step([str(bin_ / "aims"), "init"], clone, env)[0]))
        steps.append(("aims demo", _step([str(bin_ / "aims"), "demo"], clone, env)[0]))
        port = free_port()
        progress(f"aims serve --port {port} until /healthz answers 200")
        start = time.perf_counter()
        server = start_server([str(bin_ / "aims"), "serve", "--host", "127.0.0.1", "--port", str(port)], env, clone)
        wait_healthy(server, port)
        steps.append(("aims serve → /healthz 200", time.perf_counter() - start))
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(root, ignore_errors=True)
    total = sum(t for _, t in steps)
    install = sum(t for name, t in steps if name.startswith(("python3.11", "pip")))
    rows = [[name, round(t, 2)] for name, t in steps]
    rows.append(["total to first answer", round(total, 2)])
    rows.append(["  of which venv + install", round(install, 2)])
    print_table("First `make run` on a fresh clone (seconds)", ["step", "seconds"], rows)
    print(f"  pip install -e .: {pip_sources} (distributions by source)")
    results = {
        "commit": commit.stdout.strip(),
        "python": python,
        "steps_s": dict(steps),
        "total_s": total,
        "total_ms": ms(total),
        "pip_sources": pip_sources,
        "pip_note": "timed installs used PIP_NO_INDEX=1 and a wheel directory filled by pip download beforehand",
        "table": rows,
    }
    save("fresh_clone", results)
    return results


if __name__ == "__main__":
    run()
