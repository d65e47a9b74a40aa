"""Query budgets of the engine: how many scans a fairness or drift request costs, and the fallbacks.

Fairness infers 0/1 labels from the aggregate itself (one query, no separate scan for the distinct
labels); drift batches counts, quantiles and bins of all columns (a fixed number of queries whatever the
number of numeric columns). The answers stay those of the slower paths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from openaims.metrics import DuckDBEngine, MetricsError, drift, fairness
from openaims.metrics import stats as stats_module


@pytest.fixture()
def counted(monkeypatch):
    """Every SQL statement sent to a DuckDB engine, in order."""
    sent: list[str] = []
    original = DuckDBEngine._execute

    def execute(self, sql):
        sent.append(sql)
        return original(self, sql)

    monkeypatch.setattr(DuckDBEngine, "_execute", execute)
    return sent


def _frame(n: int = 500, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "group": rng.choice(["a", "b", "c"], n),
            "y_true": rng.integers(0, 2, n),
            "y_pred": rng.integers(0, 2, n),
            "label": rng.choice(["1", "0"], n),
            **{f"x{i}": rng.normal(i, 1, n) for i in range(6)},
            "kind": rng.choice(["p", "q"], n),
        }
    )


def test_fairness_is_one_query(counted):
    frame = _frame()
    with DuckDBEngine() as engine:
        relation = engine.read(frame)
        relation.columns  # noqa: B018 - described before counting
        counted.clear()
        fairness("y_true", "y_pred", sensitive_features="group", data=relation)
    assert len(counted) == 1 and "DISTINCT" not in counted[0]


def test_raw_label_fallback_gives_the_same_numbers(monkeypatch):
    frame = _frame()
    fast = fairness("label", "y_pred", sensitive_features="group", data=frame).to_dict()
    monkeypatch.setattr(stats_module, "_MAX_RAW_CELLS", 1)  # too many raw cells: infer the labels first
    slow = fairness("label", "y_pred", sensitive_features="group", data=frame).to_dict()
    assert fast == slow
    frame["y_true"] = np.arange(len(frame))
    with pytest.raises(MetricsError, match=r"y_true column 'y_true' has labels 0, 1, .*, not 0/1: pass positive="):
        fairness("y_true", "y_pred", sensitive_features="group", data=frame)
    monkeypatch.undo()  # the one-query path refuses the same labels
    with pytest.raises(MetricsError, match=r"y_true column 'y_true' has labels 0, 1, 2, \.\.\., not 0/1"):
        fairness("y_true", "y_pred", sensitive_features="group", data=frame)


def test_drift_query_count_does_not_grow_with_numeric_columns(counted):
    reference, current = _frame(seed=1), _frame(seed=2)
    budgets = {}
    for columns in (["x0"], [f"x{i}" for i in range(6)]):
        with DuckDBEngine() as engine:
            ref, cur = engine.read(reference), engine.read(current)
            ref.columns, cur.columns  # noqa: B018 - described before counting
            counted.clear()
            drift(ref, cur, columns=[*columns, "kind"], distances=False)
            budgets[len(columns)] = len(counted)
    assert budgets[1] == budgets[6] == 7  # counts ×2, reference quantiles, bins ×2, categories ×2
