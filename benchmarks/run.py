"""Run the benchmarks: ``python -m benchmarks.run`` (all) or ``python -m benchmarks.run api trail`` (some).

Each prints its table and writes its numbers to ``benchmarks/results/<name>.json``. The figures in README.md
are copied from those files by hand.
"""

from __future__ import annotations

import importlib
import sys
import time

from benchmarks.common import machine

#: name -> (module, what it measures), in the order ``make bench`` runs them.
BENCHMARKS = {
    "startup": ("benchmarks.startup", "aims --help; aims init + aims serve until /healthz answers (median of 5)"),
    "clone": ("benchmarks.fresh_clone", "first `make run` on a fresh clone, step by step (no package downloads)"),
    "api": ("benchmarks.api", "list and detail of 10,000 AI systems: latency, SQL queries per request"),
    "trail": ("benchmarks.trail", "trail appends per second; verifying 1,000,000 events"),
    "metrics": ("benchmarks.metrics", "fairness (1M, 10M rows) vs Fairlearn; drift (1M vs 1M) vs Evidently; Spark"),
    "drift": ("benchmarks.drift", "drift alone (1M vs 1M rows) vs Evidently: the drift half of `metrics`"),
    "reviews": ("benchmarks.reviews", "review queue with 1,000,000 items (PostgreSQL): submissions/s, page latency"),
    "load": ("benchmarks.load", "16 API clients × 60 s on aims serve (PostgreSQL), then beside a 20,000-row import"),
    "pack": ("benchmarks.pack", "the evidence pack of 1,000 evidence files (1 GB): build time, peak memory, verify"),
}


def main(argv: list[str]) -> int:
    if any(a in {"-h", "--help", "--list"} for a in argv):
        print(__doc__)
        for name, (_, what) in BENCHMARKS.items():
            print(f"  {name:8} {what}")
        return 0
    unknown = [a for a in argv if a not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})", file=sys.stderr)
        return 2
    names = argv or list(BENCHMARKS)
    info = machine()
    print(f"OpenAIMS benchmarks at {info['commit']}, {info['date']}: {info['cpus']} CPUs, {info['memory_gib']} GiB, "
          f"Python {info['python']}, SQLite {info['sqlite']}, PostgreSQL {info.get('postgres', '-')}, "
          f"load average {info['load_average_1_5_15_min']}, calibration {info['calibration']}")  # fmt: skip
    started = time.perf_counter()
    for name in names:
        module, what = BENCHMARKS[name]
        print(f"\n=== {name}: {what}", flush=True)
        began = time.perf_counter()
        importlib.import_module(module).run()
        print(f"  ({name} took {time.perf_counter() - began:.0f} s)", flush=True)
    print(f"\nall done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
