"""Evidently's data drift preset on two Parquet files; run by ``benchmarks.metrics`` in Evidently's own venv.

Standalone on purpose (no ``openaims`` or ``benchmarks`` import): Evidently needs pandas < 3, so it runs in
``benchmarks/.venv-evidently`` with only Evidently, pandas and pyarrow. Usage::

    python benchmarks/evidently_drift.py REFERENCE.parquet CURRENT.parquet OUT.json

Writes ``{"version", "read_s", "runs": {"<preset>": {"seconds", "drifted_columns"}}}``: the default preset
(Evidently picks the test per column) and the preset forced to PSI, Jensen-Shannon, KS and Wasserstein.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings
from importlib.metadata import version


def main(reference_path: str, current_path: str, out: str) -> None:
    warnings.simplefilter("ignore")
    import pandas as pd
    from evidently import Report
    from evidently.presets import DataDriftPreset

    start = time.perf_counter()
    reference, current = pd.read_parquet(reference_path), pd.read_parquet(current_path)
    read_s = time.perf_counter() - start
    presets = {
        "default": {},
        "psi": {"method": "psi"},
        "jensenshannon": {"method": "jensenshannon"},
        "ks": {"num_method": "ks"},
        "wasserstein": {"num_method": "wasserstein"},
    }
    runs = {}
    for name, options in presets.items():
        start = time.perf_counter()
        snapshot = Report([DataDriftPreset(**options)]).run(current_data=current, reference_data=reference)
        seconds = time.perf_counter() - start
        data = snapshot.dict()
        runs[name] = {"seconds": seconds, "metrics": len(data.get("metrics", []))}
        print(f"  evidently {name}: {seconds:.2f} s", flush=True)
    result = {
        "version": version("evidently"),
        "pandas": version("pandas"),
        "read_s": read_s,
        "runs": runs,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    with open(out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main(*sys.argv[1:4])
