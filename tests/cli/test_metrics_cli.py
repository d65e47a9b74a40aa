"""``aims metrics fairness`` and ``aims metrics drift``: the JSON contract, numbers against Fairlearn and scipy.

The data is generated (five groups, a second attribute for intersections, scores, text labels) and
written as CSV, Parquet and a folder of Parquet. Fairlearn's ``MetricFrame`` and named metrics are the
oracle for fairness; scipy's ``ks_2samp``, ``wasserstein_distance`` and ``jensenshannon`` for drift.
The PostgreSQL engine runs on a table created (and dropped) in the server at 127.0.0.1:5432.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)
from scipy.spatial.distance import jensenshannon
from scipy.stats import ks_2samp, wasserstein_distance
from sklearn.metrics import accuracy_score, precision_score
from typer.testing import CliRunner

from openaims.cli.main import app

runner = CliRunner()
DSN = os.environ.get("AIMS_TEST_METRICS_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
RATES = (
    "selection_rate",
    "true_positive_rate",
    "false_positive_rate",
    "false_negative_rate",
    "true_negative_rate",
    "precision",
    "accuracy",
)
METRIC_KEYS = {"count", *RATES}
DIFFERENCE_KEYS = {
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
}
DRIFT_KEYS = {"psi", "jensen_shannon", "ks_statistic", "ks_pvalue", "wasserstein", "drifted"}


def aims(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def ok_json(*args: str) -> dict:
    result = aims(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def failure(*args: str, message: str) -> None:
    """The command exits 1 with one line on standard error that contains ``message``."""
    result = aims(*args)
    assert result.exit_code == 1, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0], lines[0]
    assert result.stdout == ""


# ---------------------------------------------------------------- data


def predictions(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c", "d", "e"], n, p=[0.3, 0.25, 0.2, 0.15, 0.1])
    age = rng.choice(["young", "old"], n)
    bias = pd.Series(group).map({"a": 0.0, "b": 0.05, "c": 0.1, "d": -0.1, "e": 0.2}).to_numpy()
    y_true = (rng.random(n) < 0.4 + bias).astype(int)
    score = np.clip(0.35 * y_true + rng.random(n) * 0.7 + bias / 2, 0, 1).round(3)
    return pd.DataFrame(
        {
            "group": group,
            "age": age,
            "y_true": y_true,
            "y_pred": (score >= 0.5).astype(int),
            "score": score,
            "outcome": np.where(y_true == 1, "approved", "declined"),
            "decision": np.where(score >= 0.6, "approved", "declined"),
        }
    )


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return predictions()


@pytest.fixture(scope="module")
def files(tmp_path_factory, frame) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("metrics-cli")
    csv, parquet, folder = root / "log.csv", root / "log.parquet", root / "log-parts"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), 1000)):
        frame.iloc[start : start + 1000].to_parquet(folder / f"part-{i}.parquet", index=False)
    (root / "broken.parquet").write_bytes(b"this is not parquet")
    (root / "notes.txt.gz").write_bytes(b"x")
    return {"csv": csv, "parquet": parquet, "folder": folder, "root": root}


def fairlearn_expected(y_true, y_pred, features, *, pos_label=1) -> dict:
    """The CLI's JSON (without intervals and flags), computed by Fairlearn and scikit-learn."""
    metrics = {
        "count": count,
        "selection_rate": lambda t, p: selection_rate(t, p, pos_label=pos_label),
        "true_positive_rate": lambda t, p: true_positive_rate(t, p, pos_label=pos_label),
        "false_positive_rate": lambda t, p: false_positive_rate(t, p, pos_label=pos_label),
        "false_negative_rate": lambda t, p: false_negative_rate(t, p, pos_label=pos_label),
        "true_negative_rate": lambda t, p: true_negative_rate(t, p, pos_label=pos_label),
        "precision": lambda t, p: precision_score(t, p, pos_label=pos_label, zero_division=0),
        "accuracy": accuracy_score,
    }
    mf = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=features)
    by_group = {}
    for key, row in mf.by_group.iterrows():
        if isinstance(key, tuple):
            label = " & ".join(f"{name}={value}" for name, value in zip(features.columns, key, strict=True))
        else:
            label = str(key)
        by_group[label] = dict(row)
    named = {"sensitive_features": features}
    if pos_label != 1:  # Fairlearn's named metrics take 0/1 labels
        y_true, y_pred = (np.asarray(y_true) == pos_label).astype(int), (np.asarray(y_pred) == pos_label).astype(int)
    differences = {
        "demographic_parity_difference": demographic_parity_difference(y_true, y_pred, **named),
        "demographic_parity_ratio": demographic_parity_ratio(y_true, y_pred, **named),
        "equalized_odds_difference": equalized_odds_difference(y_true, y_pred, **named),
        "equal_opportunity_difference": equal_opportunity_difference(y_true, y_pred, **named),
    }
    return {"rows": len(y_true), "overall": dict(mf.overall), "by_group": by_group, "differences": differences}


def assert_matches(result: dict, expected: dict) -> None:
    assert set(result) == {"rows", "overall", "by_group", "differences"}
    assert result["rows"] == expected["rows"]
    assert set(result["by_group"]) == set(expected["by_group"])
    for actual, wanted in [(result["overall"], expected["overall"])] + [
        (result["by_group"][g], expected["by_group"][g]) for g in expected["by_group"]
    ]:
        assert set(actual) >= METRIC_KEYS
        assert actual["count"] == wanted["count"]
        for rate in RATES:
            assert actual[rate] == pytest.approx(wanted[rate], rel=1e-12, abs=1e-12), rate
    assert set(result["differences"]) >= DIFFERENCE_KEYS
    for name in DIFFERENCE_KEYS:
        assert result["differences"][name] == pytest.approx(expected["differences"][name], rel=1e-12), name


# ---------------------------------------------------------------- fairness


@pytest.mark.parametrize("kind", ["csv", "parquet", "folder"])
def test_fairness_json_equals_fairlearn(files, frame, kind):
    result = ok_json("metrics", "fairness", files[kind], "--group", "group", "--y-true", "y_true", "--y-pred", "y_pred")
    assert_matches(result, fairlearn_expected(frame.y_true, frame.y_pred, frame[["group"]]))
    assert list(result["by_group"]) == ["a", "b", "c", "d", "e"]
    assert result["overall"]["small_group"] is False and "ci" in result["overall"]


def test_two_groups_are_intersections(files, frame):
    result = ok_json(
        "metrics", "fairness", files["parquet"], "--group", "group", "--group", "age", "--y-true", "y_true",
        "--y-pred", "y_pred",
    )  # fmt: skip
    assert "group=a & age=young" in result["by_group"] and len(result["by_group"]) == 10
    assert_matches(result, fairlearn_expected(frame.y_true, frame.y_pred, frame[["group", "age"]]))


def test_score_and_threshold(files, frame):
    result = ok_json(
        "metrics", "fairness", files["parquet"], "--group", "group", "--y-true", "y_true", "--score", "score",
        "--threshold", "0.62",
    )  # fmt: skip
    expected = fairlearn_expected(frame.y_true, (frame.score >= 0.62).astype(int), frame[["group"]])
    assert_matches(result, expected)


def test_text_labels_with_positive(files, frame):
    result = ok_json(
        "metrics", "fairness", files["csv"], "--group", "group", "--y-true", "outcome", "--y-pred", "decision",
        "--positive", "approved",
    )  # fmt: skip
    assert_matches(result, fairlearn_expected(frame.outcome, frame.decision, frame[["group"]], pos_label="approved"))


def test_min_group_size_flags_small_groups(files):
    result = ok_json(
        "metrics", "fairness", files["parquet"], "--group", "group", "--y-true", "y_true", "--y-pred", "y_pred",
        "--min-group-size", "500",
    )  # fmt: skip
    flagged = {g for g, metrics in result["by_group"].items() if metrics["small_group"]}
    assert flagged == {g for g, metrics in result["by_group"].items() if metrics["count"] < 500} and flagged
    rates = [m["selection_rate"] for m in result["by_group"].values() if not m["small_group"]]
    assert result["differences"]["demographic_parity_difference"] == pytest.approx(max(rates) - min(rates))


def test_tables_without_json(files):
    result = aims(
        "metrics", "fairness", files["parquet"], "--group", "group", "--y-true", "y_true", "--y-pred", "y_pred"
    )
    assert result.exit_code == 0, result.output
    assert "(overall)" in result.stdout and "demographic_parity_ratio" in result.stdout
    assert "…" not in result.stdout  # nothing cut on a pipe


# ---------------------------------------------------------------- drift


def windows(n: int = 4000, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def window(shift: float) -> pd.DataFrame:
        income = rng.lognormal(10 + shift, 0.5, n)
        income[rng.random(n) < 0.02] = np.nan  # missing values are counted, not crashed on
        return pd.DataFrame(
            {
                "age": rng.integers(18, 80, n),
                "income": income,
                "region": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3 + shift, 0.2 - shift]),
            }
        )

    return window(0.0), window(0.1)


@pytest.fixture(scope="module")
def drift_files(tmp_path_factory) -> tuple[Path, Path, pd.DataFrame, pd.DataFrame]:
    reference, current = windows()
    root = tmp_path_factory.mktemp("drift-cli")
    reference.to_parquet(root / "reference.parquet", index=False)
    current.to_csv(root / "current.csv", index=False)
    return root / "reference.parquet", root / "current.csv", reference, current


def _psi(p: np.ndarray, q: np.ndarray, epsilon: float = 1e-4) -> float:
    p, q = np.maximum(p / p.sum(), epsilon), np.maximum(q / q.sum(), epsilon)
    return float(np.sum((q - p) * np.log(q / p)))


def test_drift_json_equals_scipy(drift_files):
    reference_path, current_path, reference, current = drift_files
    result = ok_json("metrics", "drift", reference_path, current_path)
    assert set(result) == {"columns"} and list(result["columns"]) == ["age", "income", "region"]
    for name in ("age", "income"):
        column = result["columns"][name]
        assert set(column) >= DRIFT_KEYS
        ref, cur = reference[name].dropna().to_numpy(float), current[name].dropna().to_numpy(float)
        ks = ks_2samp(ref, cur, method="asymp")
        assert column["ks_statistic"] == pytest.approx(ks.statistic, rel=1e-12)
        assert column["ks_pvalue"] == pytest.approx(ks.pvalue, rel=1e-6, abs=1e-300)
        assert column["wasserstein"] == pytest.approx(wasserstein_distance(ref, cur), rel=1e-9)
        edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
        p = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
        q = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
        assert column["psi"] == pytest.approx(_psi(p, q), rel=1e-9)
        assert column["jensen_shannon"] == pytest.approx(jensenshannon(p, q, base=2), rel=1e-9)
        assert column["drifted"] is (column["psi"] >= 0.2)
    assert result["columns"]["income"]["reference_missing"] == int(reference.income.isna().sum())
    region = result["columns"]["region"]
    assert region["ks_statistic"] is None and region["ks_pvalue"] is None and region["wasserstein"] is None
    categories = ["north", "south", "east"]
    p = reference.region.value_counts().reindex(categories).to_numpy()
    q = current.region.value_counts().reindex(categories).to_numpy()
    assert region["psi"] == pytest.approx(_psi(p, q), rel=1e-9)
    assert region["jensen_shannon"] == pytest.approx(jensenshannon(p, q, base=2), rel=1e-9)


def test_drift_columns_and_categorical(drift_files):
    reference_path, current_path, *_ = drift_files
    result = ok_json(
        "metrics", "drift", reference_path, current_path, "--columns", "region,age", "--categorical", "age"
    )
    assert list(result["columns"]) == ["region", "age"]
    assert result["columns"]["age"]["kind"] == "categorical" and result["columns"]["age"]["wasserstein"] is None
    table = aims("metrics", "drift", reference_path, current_path, "--columns", "income")
    assert table.exit_code == 0 and "Wasserstein" in table.stdout and "income" in table.stdout


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture()
def pg_table(frame):
    """A uniquely named table in the server's ``postgres`` database holding the generated log; dropped after."""
    name = f"aims_metrics_cli_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(DSN, autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE {name} (grp TEXT, age TEXT, y_true INTEGER, y_pred INTEGER, score DOUBLE PRECISION)"
        )
        with connection.cursor() as cursor, cursor.copy(f"COPY {name} FROM STDIN") as copy:
            for row in frame[["group", "age", "y_true", "y_pred", "score"]].itertuples(index=False):
                copy.write_row([row[0], row[1], int(row[2]), int(row[3]), float(row[4])])
        try:
            yield name
        finally:
            connection.execute(f"DROP TABLE IF EXISTS {name}")


@pytest.mark.postgres
def test_postgres_engine_gives_the_same_numbers(pg_table, frame):
    base = ("--group", "grp", "--group", "age", "--y-true", "y_true", "--score", "score", "--threshold", "0.5")
    on_table = ok_json("metrics", "fairness", pg_table, *base, "--engine", "postgres", "--dsn", DSN)
    query = f"SELECT * FROM {pg_table} WHERE grp <> 'e'"
    on_query = ok_json("metrics", "fairness", query, *base, "--engine", "postgres", "--dsn", DSN)
    renamed = frame.rename(columns={"group": "grp"})
    assert_matches(on_table, fairlearn_expected(renamed.y_true, renamed.y_pred, renamed[["grp", "age"]]))
    kept = renamed[renamed.grp != "e"]
    assert_matches(on_query, fairlearn_expected(kept.y_true, kept.y_pred, kept[["grp", "age"]]))
    drifted = ok_json(
        "metrics", "drift", query, f"SELECT * FROM {pg_table} WHERE grp = 'e'", "--columns", "score,grp",
        "--engine", "postgres", "--dsn", DSN,
    )  # fmt: skip
    ref, cur = kept.score.to_numpy(), renamed[renamed.grp == "e"].score.to_numpy()
    assert drifted["columns"]["score"]["ks_statistic"] == pytest.approx(ks_2samp(ref, cur).statistic, rel=1e-12)
    assert drifted["columns"]["score"]["wasserstein"] == pytest.approx(wasserstein_distance(ref, cur), rel=1e-9)


@pytest.mark.postgres
def test_postgres_bad_input(pg_table, monkeypatch):
    monkeypatch.setenv("AIMS_METRICS_DSN", DSN)  # the connection from the environment
    args = ("--group", "grp", "--y-true", "y_true", "--engine", "postgres")
    failure("metrics", "fairness", f"{pg_table}_missing", *args, "--y-pred", "y_pred", message=f"{pg_table}_missing")
    failure("metrics", "fairness", pg_table, *args, "--y-pred", "nope", message="y_pred 'nope' not found")
    failure("metrics", "fairness", f"SELECT nope FROM {pg_table}", *args, "--y-pred", "y_pred", message="nope")
    failure(
        "metrics", "fairness", pg_table, *args, "--y-pred", "y_pred", "--dsn", "postgresql://postgres@127.0.0.1:1/none",
        message="cannot connect to PostgreSQL at 127.0.0.1:1",
    )  # fmt: skip


# ---------------------------------------------------------------- bad input


def test_bad_input_exits_1_with_one_line(files, drift_files):
    parquet = files["parquet"]
    labels = ("--y-true", "y_true", "--y-pred", "y_pred")
    failure("metrics", "fairness", parquet, "--group", "nope", *labels, message="sensitive feature 'nope' not found")
    failure(
        "metrics", "fairness", parquet, "--group", "group", "--y-true", "nope", "--y-pred", "y_pred", message="'nope'"
    )
    failure(
        "metrics", "fairness", parquet, "--group", "group", "--y-true", "outcome", "--y-pred", "decision",
        message="pass --positive",
    )  # fmt: skip
    failure("metrics", "fairness", files["root"] / "missing.parquet", "--group", "g", *labels, message="not found")
    failure("metrics", "fairness", files["root"] / "broken.parquet", "--group", "g", *labels, message="cannot read")
    failure("metrics", "fairness", files["root"] / "notes.txt.gz", "--group", "g", *labels, message="unsupported")
    failure("metrics", "fairness", parquet, "--group", "group", "--y-true", "y_true", message="exactly one of --y-pred")
    failure(
        "metrics", "fairness", parquet, "--group", "group", *labels, "--score", "score", "--threshold", "0.5",
        message="exactly one of --y-pred",
    )  # fmt: skip
    failure(
        "metrics", "fairness", parquet, "--group", "group", "--y-true", "y_true", "--score", "score",
        message="--score needs --threshold",
    )  # fmt: skip
    failure(
        "metrics", "fairness", parquet, "--group", "group", "--y-true", "y_true", "--score", "group",
        "--threshold", "0.5", message="score column 'group' must be numeric",
    )  # fmt: skip
    reference_path, current_path, *_ = drift_files
    failure("metrics", "drift", reference_path, current_path, "--columns", "age,nope", message="'nope' not found")
    failure("metrics", "drift", reference_path, files["root"] / "gone.csv", message="CURRENT: file not found")
    failure(
        "metrics", "drift", reference_path, current_path, "--columns", "age", "--categorical", "region",
        message="--categorical: column 'region'",
    )  # fmt: skip


def test_usage_errors_exit_2(files):
    result = aims("metrics", "fairness", files["parquet"], "--y-true", "y_true", "--y-pred", "y_pred")
    assert result.exit_code == 2 and "--group" in result.output
    result = aims("metrics", "fairness", files["parquet"], "--group", "group", "--y-true", "y", "--engine", "oracle")
    assert result.exit_code == 2


# ---------------------------------------------------------------- the real entry point


def test_real_aims_command_needs_no_database(files, frame, tmp_path):
    """``aims metrics`` through the console script, with a database that does not exist (and is not created)."""
    database = tmp_path / "never.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "AIMS_DATA_DIR": str(tmp_path / "data")}
    aims_script = Path(sys.executable).parent / "aims"
    command = [str(aims_script), "metrics", "fairness", str(files["folder"]), "--group", "group", "--y-true", "y_true"]
    done = subprocess.run([*command, "--y-pred", "y_pred", "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert_matches(json.loads(done.stdout), fairlearn_expected(frame.y_true, frame.y_pred, frame[["group"]]))
    bad = subprocess.run([*command, "--y-pred", "missing"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.strip().count("\n") == 0 and "y_pred 'missing' not found" in bad.stderr
    assert not database.exists()


# ---------------------------------------------------------------- Spark


@pytest.mark.slow
def test_spark_engine_gives_the_duckdb_numbers(files):
    args = ("--group", "group", "--group", "age", "--y-true", "y_true", "--y-pred", "y_pred")
    on_duckdb = ok_json("metrics", "fairness", files["folder"], *args)
    on_spark = ok_json("metrics", "fairness", files["folder"], *args, "--engine", "spark")
    assert on_spark == on_duckdb  # the same counts give the same numbers, to the last bit
