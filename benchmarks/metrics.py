"""The monitoring engine against Fairlearn, Evidently and itself on Spark, on generated prediction logs.

1. Fairness, 1M and 10M rows (5 groups) from Parquet: ``openaims.metrics.fairness`` (DuckDB) against
   Fairlearn's ``MetricFrame`` (the same eight metrics, plus ``difference()`` and ``ratio()``), and the
   time of merely reading the same three columns once (``pyarrow.parquet.read_table``, file in the page
   cache). Targets at 10M: under 0.3 s, under 1 GB peak, within 50× the read.
2. Drift, 1M reference vs 1M current rows, 10 numeric and 2 categorical columns: ours (PSI and
   Jensen-Shannon for all columns; KS and Wasserstein for the numeric ones) against Evidently's data drift
   preset, run in its own venv (``benchmarks/.venv-evidently``, created on first use: Evidently needs
   pandas < 3). Targets: PSI + JS under 0.5 s, KS + Wasserstein under 5 s.
3. The 10M fairness request on Spark (local mode): time, and the same numbers as DuckDB.

Every measurement runs in its own child process; its peak memory is the child's own high-water mark
(``VmHWM`` in ``/proc/self/status``, read when it finishes; ``os.wait4``'s ``ru_maxrss`` is kept as an upper
bound, since it starts from the parent's size). The data goes to a temporary directory, deleted afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import REPO, median, print_table, progress, save

SIZES = [int(s) for s in os.environ.get("AIMS_BENCH_FAIRNESS_ROWS", "1000000,10000000").split(",")]
DRIFT_ROWS = int(os.environ.get("AIMS_BENCH_DRIFT_ROWS", "1000000"))
SKIP_FAIRLEARN_10M = os.environ.get("AIMS_BENCH_SKIP_FAIRLEARN_10M") == "1"
SKIP_SPARK = os.environ.get("AIMS_BENCH_SKIP_SPARK") == "1"
REPEATS = 5
EVIDENTLY_VENV = REPO / "benchmarks" / ".venv-evidently"
GROUPS = ["g1", "g2", "g3", "g4", "g5"]
NUMERIC = [f"x{i}" for i in range(10)]
CATEGORICAL = ["channel", "region"]


# ---------------------------------------------------------------- data


def write_predictions(path: Path, rows: int, seed: int = 42) -> None:
    """``group`` (5 values, unequal sizes), ``y_true``, ``y_pred`` (0/1), ``score``; written in 1M-row slices."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    fields = [("group", pa.string()), ("y_true", pa.int64()), ("y_pred", pa.int64()), ("score", pa.float64())]
    schema = pa.schema(fields)
    names = np.array(GROUPS, dtype=object)
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            group = rng.choice(5, n, p=[0.35, 0.25, 0.2, 0.15, 0.05])
            y_true = (rng.random(n) < 0.3 + 0.05 * group).astype(np.int64)
            score = np.clip(0.3 * y_true + 0.7 * rng.random(n) + 0.02 * group, 0, 1)
            table = pa.table(
                [pa.array(names[group]), pa.array(y_true), pa.array((score >= 0.5).astype(np.int64)), pa.array(score)],
                schema=schema,
            )
            writer.write_table(table)


def write_window(path: Path, rows: int, *, shift: float, seed: int) -> None:
    """10 numeric columns (normal, log-normal, integers; some with NaN) and 2 categorical ones."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns = {}
    for i, name in enumerate(NUMERIC):
        moved = shift * (i % 3 == 0)  # every third column drifts in the current window
        if i % 3 == 0:
            values = rng.normal(moved, 1, rows)
        elif i % 3 == 1:
            values = rng.lognormal(3 + moved, 0.7, rows)
            values[rng.random(rows) < 0.01] = np.nan
        else:
            values = rng.integers(0, 1000, rows).astype(float)
        columns[name] = values
    columns["channel"] = rng.choice(["web", "branch", "phone", "partner"], rows, p=[0.4, 0.3, 0.2, 0.1])
    p = [0.25 - shift / 10, 0.25, 0.25, 0.25 + shift / 10]
    columns["region"] = rng.choice(["north", "south", "east", "west"], rows, p=p)
    pd.DataFrame(columns).to_parquet(path, index=False)


# ---------------------------------------------------------------- children


def measured(command: list[str], timeout: float = 3600) -> dict:
    """Run a child that writes JSON to ``AIMS_BENCH_OUT``; add its wall time and peak RSS (MiB) from ``wait4``."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    env = {**os.environ, "AIMS_BENCH_OUT": str(path), "PYTHONPATH": str(REPO)}
    try:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=REPO)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                child.kill()
                raise RuntimeError(f"{' '.join(command)} took more than {timeout} s")
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({child.returncode})")
        result = json.loads(path.read_text())
        result["wall_s"] = time.perf_counter() - start
        # ru_maxrss of a child started with vfork/posix_spawn starts at the parent's RSS (Linux keeps the
        # high-water mark across exec), so it is only an upper bound; the child's own VmHWM is exact.
        result["ru_maxrss_mib"] = round(usage.ru_maxrss / 1024, 1)
        result["peak_rss_mib"] = result.get("peak_rss_self_mib", result["ru_maxrss_mib"])
        return result
    finally:
        path.unlink(missing_ok=True)


def child(task: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.metrics", "--child", task, *args]


def _write(data: dict) -> None:
    data["peak_rss_self_mib"] = _rss_mib("VmHWM")
    Path(os.environ["AIMS_BENCH_OUT"]).write_text(json.dumps(data, default=str))


def _rss_mib(field: str = "VmRSS") -> float:
    """This process's resident set (``VmRSS``) or its high-water mark since exec (``VmHWM``), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def child_ours(path: str) -> None:
    from openaims.metrics import fairness

    baseline = _rss_mib()
    times, frame = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        frame = fairness("y_true", "y_pred", sensitive_features="group", data=path)
        times.append(time.perf_counter() - start)
    assert frame is not None
    _write({"times_s": times, "rss_after_imports_mib": baseline, "result": frame.to_dict()})


def child_read(path: str) -> None:
    """Read the three columns once into memory (Arrow), file in the page cache; and one numpy pass over them."""
    import numpy as np
    import pyarrow.parquet as pq

    times, table = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        table = pq.read_table(path, columns=["group", "y_true", "y_pred"])
        times.append(time.perf_counter() - start)
        del table
    table = pq.read_table(path, columns=["group", "y_true", "y_pred"])
    arrays = [table[name].to_numpy() for name in ("y_true", "y_pred")]
    codes = table["group"].combine_chunks().dictionary_encode().indices.to_numpy()
    passes = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        _ = [int(np.sum(a)) for a in arrays] + [int(np.sum(codes))]
        passes.append(time.perf_counter() - start)
    _write({"read_parquet_s": times, "numpy_pass_s": passes})


def child_fairlearn(path: str) -> None:
    import warnings

    import pandas as pd
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_negative_rate,
        false_positive_rate,
        selection_rate,
        true_negative_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score, precision_score

    warnings.simplefilter("ignore")
    frame = pd.read_parquet(path, columns=["group", "y_true", "y_pred"])
    metrics = {
        "count": count,
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
        "true_negative_rate": true_negative_rate,
        "precision": lambda t, p: precision_score(t, p, zero_division=0),
        "accuracy": accuracy_score,
    }
    start = time.perf_counter()
    mf = MetricFrame(metrics=metrics, y_true=frame.y_true, y_pred=frame.y_pred, sensitive_features=frame.group)
    difference, ratio = mf.difference(), mf.ratio()
    seconds = time.perf_counter() - start
    by_group = {str(key): {k: float(v) for k, v in row.items()} for key, row in mf.by_group.iterrows()}
    _write(
        {
            "seconds": seconds,
            "by_group": by_group,
            "demographic_parity_difference": float(difference["selection_rate"]),
            "demographic_parity_ratio": float(ratio["selection_rate"]),
        }
    )


def child_spark(path: str) -> None:
    from pyspark.sql import SparkSession

    from openaims.metrics import SparkEngine, fairness

    start = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("openaims-benchmark")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    session_s = time.perf_counter() - start
    times, frame = [], None
    with SparkEngine(spark) as engine:
        relation = engine.read(path)
        for _ in range(3):
            start = time.perf_counter()
            frame = fairness("y_true", "y_pred", sensitive_features="group", data=relation)
            times.append(time.perf_counter() - start)
    spark.stop()
    assert frame is not None
    _write({"session_s": session_s, "times_s": times, "result": frame.to_dict()})


def child_drift(reference: str, current: str) -> None:
    """Our drift, three rounds: PSI + JS of all 12 columns, KS + Wasserstein of the 10 numeric ones, both."""
    from openaims.metrics import drift
    from openaims.metrics._distributions import ecdf_distances_query, run_queries
    from openaims.metrics._duckdb import DuckDBEngine
    from openaims.metrics.stats import columns_counts

    rounds: list[dict] = []
    report = None
    for _ in range(3):
        with DuckDBEngine() as engine:
            ref, cur = engine.read(reference), engine.read(current)
            start = time.perf_counter()
            drift(ref, cur, distances=False)  # PSI and Jensen-Shannon only
            psi_js = time.perf_counter() - start
            start = time.perf_counter()
            ref_counts, cur_counts = columns_counts(ref, NUMERIC), columns_counts(cur, NUMERIC)
            run_queries(  # one sorted merge per column, side by side as drift() runs them
                [ecdf_distances_query(ref, cur, name, (ref_counts[name][1], cur_counts[name][1])) for name in NUMERIC]
            )
            ks_wasserstein = time.perf_counter() - start
            start = time.perf_counter()
            report = drift(ref, cur)
            whole = time.perf_counter() - start
        rounds.append({"psi_js_s": psi_js, "ks_wasserstein_s": ks_wasserstein, "drift_s": whole})
    assert report is not None
    _write({"rounds": rounds, "drifted_columns": report.drifted_columns, "result": report.to_dict()})


CHILDREN = {
    "ours": child_ours,
    "read": child_read,
    "fairlearn": child_fairlearn,
    "spark": child_spark,
    "drift": child_drift,
}


# ---------------------------------------------------------------- Evidently's venv


def evidently_python() -> Path:
    """The venv's interpreter; the venv is created (pip from PyPI) when missing."""
    python = EVIDENTLY_VENV / "bin" / "python"
    if not python.exists():
        progress(f"creating {EVIDENTLY_VENV.relative_to(REPO)} (evidently, pandas<3, pyarrow from PyPI)")
        subprocess.run([sys.executable, "-m", "venv", str(EVIDENTLY_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "evidently", "pandas<3", "pyarrow"]
        subprocess.run(pip, check=True)
    return python


# ---------------------------------------------------------------- the run


def _max_difference(ours: dict, fairlearn: dict) -> float:
    """Largest absolute difference between our rates and Fairlearn's, over groups and metrics."""
    worst = 0.0
    for group, values in fairlearn["by_group"].items():
        for metric, value in values.items():
            worst = max(worst, abs(ours["by_group"][group][metric] - value))
    worst = max(worst, abs(ours["differences"]["demographic_parity_ratio"] - fairlearn["demographic_parity_ratio"]))
    return worst


def fairness_section(root: Path, results: dict) -> list[list]:
    rows = []
    for n in SIZES:
        path = root / f"predictions-{n}.parquet"
        progress(f"writing {n:,} rows to {path.name}")
        write_predictions(path, n)
        entry: dict = {"rows": n, "file_mib": round(path.stat().st_size / 2**20, 1)}
        progress(f"{n:,}: reading the columns (pyarrow), {REPEATS} times")
        entry["read"] = measured(child("read", str(path)))
        progress(f"{n:,}: our engine (DuckDB), {REPEATS} times")
        entry["ours"] = measured(child("ours", str(path)))
        read_s = min(entry["read"]["read_parquet_s"])
        ours_s = entry["ours"]["times_s"]
        entry["ratio_to_read"] = min(ours_s) / read_s
        if n == max(SIZES) and not SKIP_SPARK:
            progress(f"{n:,}: Spark local mode, 3 times")
            try:
                entry["spark"] = measured(child("spark", str(path)))
                entry["spark_identical"] = entry["spark"]["result"] == entry["ours"]["result"]
            except RuntimeError as exc:  # reported, and the rest still runs
                entry["spark_error"] = str(exc)
        if n >= 10_000_000 and SKIP_FAIRLEARN_10M:
            progress(f"{n:,}: Fairlearn skipped (AIMS_BENCH_SKIP_FAIRLEARN_10M=1)")
        else:
            progress(f"{n:,}: Fairlearn MetricFrame (once; about 1 min per 1M rows)")
            entry["fairlearn"] = measured(child("fairlearn", str(path)), timeout=5400)
            entry["max_abs_difference_to_fairlearn"] = _max_difference(entry["ours"]["result"], entry["fairlearn"])
        results[f"fairness_{n}"] = entry
        rows.append(
            [
                f"{n:,}",
                f"{min(ours_s):.3f} / {median(ours_s):.3f}",
                entry["ours"]["peak_rss_mib"],
                f"{read_s:.3f}",
                f"{entry['ratio_to_read']:.1f}×",
                f"{entry['fairlearn']['seconds']:.1f}" if "fairlearn" in entry else "skipped",
                entry["fairlearn"]["peak_rss_mib"] if "fairlearn" in entry else "-",
                f"{entry['max_abs_difference_to_fairlearn']:.1e}" if "fairlearn" in entry else "-",
                f"{min(entry['spark']['times_s']):.2f} ({entry['spark_identical']})" if "spark" in entry else "-",
            ]
        )
        path.unlink()
    return rows


def drift_section(root: Path, results: dict) -> list[list]:
    reference, current = root / "reference.parquet", root / "current.parquet"
    progress(f"writing {DRIFT_ROWS:,} + {DRIFT_ROWS:,} rows, 10 numeric + 2 categorical columns")
    write_window(reference, DRIFT_ROWS, shift=0.0, seed=1)
    write_window(current, DRIFT_ROWS, shift=0.3, seed=2)
    progress("our drift (DuckDB), 3 rounds")
    ours = measured(child("drift", str(reference), str(current)))
    python = evidently_python()
    progress("Evidently's data drift preset: default, then PSI, JS, KS, Wasserstein")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        out_path = Path(out.name)
    try:
        script = REPO / "benchmarks" / "evidently_drift.py"
        start = time.perf_counter()
        subprocess.run([str(python), str(script), str(reference), str(current), str(out_path)], check=True)
        evidently = json.loads(out_path.read_text())
        evidently["wall_s"] = time.perf_counter() - start
    finally:
        out_path.unlink(missing_ok=True)
    results["drift"] = {"rows": DRIFT_ROWS, "ours": ours, "evidently": evidently}
    best = {key: min(r[key] for r in ours["rounds"]) for key in ("psi_js_s", "ks_wasserstein_s", "drift_s")}
    runs = evidently["runs"]
    return [
        ["PSI + Jensen-Shannon, 12 columns", f"{best['psi_js_s']:.3f}", "< 0.5", f"{runs['psi']['seconds']:.1f} (PSI)"],
        ["", "", "", f"{runs['jensenshannon']['seconds']:.1f} (JS)"],
        ["KS + Wasserstein, 10 numeric", f"{best['ks_wasserstein_s']:.3f}", "< 5", f"{runs['ks']['seconds']:.1f} (KS)"],
        ["", "", "", f"{runs['wasserstein']['seconds']:.1f} (Wasserstein)"],
        ["drift() whole, 12 columns", f"{best['drift_s']:.3f}", "", f"{runs['default']['seconds']:.1f} (default)"],
        ["peak RSS (MiB)", ours["peak_rss_mib"], "", evidently["peak_rss_mib"]],
    ]


def run() -> dict:
    root = Path(tempfile.mkdtemp(prefix="aims-bench-metrics-"))
    results: dict = {"sizes": SIZES, "repeats": REPEATS}
    try:
        drift_rows = drift_section(root, results)
        fairness_rows = fairness_section(root, results)
        print_table(
            "Fairness, 5 groups, from Parquet (seconds; ours: best / median of 5)",
            ["rows", "ours (DuckDB)", "ours MiB", "read cols", "ours/read", "Fairlearn", "FL MiB", "max |Δ|",
             "Spark best (same)"],
            fairness_rows,
        )  # fmt: skip
        print_table(
            f"Drift, {DRIFT_ROWS:,} vs {DRIFT_ROWS:,} rows (seconds; ours: best of 3)",
            ["what", "ours", "target", "Evidently preset"],
            drift_rows,
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results["tables"] = {"fairness": fairness_rows, "drift": drift_rows}
    save("metrics", results)
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        CHILDREN[sys.argv[2]](*sys.argv[3:])
    else:
        run()
