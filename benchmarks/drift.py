"""Drift alone, 1M vs 1M rows against Evidently's data drift preset: ``python -m benchmarks.run drift``.

The same section as in :mod:`benchmarks.metrics`, without the fairness half (whose Fairlearn run on 10M rows
takes about nine minutes), so the drift figures can be measured again quickly.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from benchmarks.common import print_table, save
from benchmarks.metrics import DRIFT_ROWS, drift_section


def run() -> dict:
    root = Path(tempfile.mkdtemp(prefix="aims-bench-drift-"))
    results: dict = {}
    try:
        rows = drift_section(root, results)
        print_table(
            f"Drift, {DRIFT_ROWS:,} vs {DRIFT_ROWS:,} rows (seconds; ours: best of 3)",
            ["what", "ours", "target", "Evidently preset"],
            rows,
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results["table"] = rows
    save("drift", results)
    return results


if __name__ == "__main__":
    run()
