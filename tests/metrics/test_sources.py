"""Opening data: every bad input is a MetricsError that names the file, table or column."""

from __future__ import annotations

import pandas as pd
import pytest

from openaims.metrics import DuckDBEngine, MetricsError, PostgresEngine, fairness, open_data

from .conftest import POSTGRES_URL


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.parquet"
    with pytest.raises(MetricsError, match=f"file not found: {missing}"):
        fairness("y", "p", sensitive_features="g", data=missing)


def test_unreadable_file_is_named(tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"this is not parquet")
    with pytest.raises(MetricsError, match=f"cannot read {broken}"):
        open_data(broken)


def test_unsupported_file_type_is_named(tmp_path):
    sheet = tmp_path / "log.xlsx"
    sheet.write_bytes(b"")
    with pytest.raises(MetricsError, match="unsupported file type .xlsx"):
        open_data(sheet)


def test_folder_without_parquet_is_refused(tmp_path):
    with pytest.raises(MetricsError, match=f"no .parquet files in folder {tmp_path}"):
        open_data(tmp_path)


def test_missing_column_in_a_csv_names_the_file(tmp_path):
    log = tmp_path / "log.csv"
    pd.DataFrame({"y": [0, 1], "p": [1, 1], "g": ["a", "b"]}).to_csv(log, index=False)
    with pytest.raises(MetricsError, match=f"y_true 'label' not found in {log}; its columns are: y, p, g"):
        fairness("label", "p", sensitive_features="g", data=log)


def test_unsupported_objects_are_refused():
    with pytest.raises(MetricsError, match="DuckDB cannot scan"):
        open_data(object())
    with pytest.raises(MetricsError, match="table= and query= need a database"):
        open_data(pd.DataFrame({"x": [1]}), table="t")


def test_arrays_of_different_lengths_are_refused():
    with pytest.raises(MetricsError, match="inputs differ in length: y_true=2, y_pred=3"):
        fairness([0, 1], [0, 1, 1], sensitive_features=["a", "b"])


def test_column_names_without_data_are_refused():
    with pytest.raises(MetricsError, match="y_true='y' is a column name, but no data= was given"):
        fairness("y", "p", sensitive_features="g")


def test_postgres_missing_table_and_bad_query_are_named():
    with PostgresEngine(POSTGRES_URL) as engine:
        with pytest.raises(
            MetricsError, match='cannot read table no_such_table: relation "no_such_table" does not exist'
        ):
            engine.table("no_such_table")
        with pytest.raises(MetricsError, match="cannot read SQL query"):
            engine.query("SELECT FROM WHERE")
        assert engine.query("SELECT 1 AS one").columns == {"one": "numeric"}  # the connection is still usable
    with pytest.raises(MetricsError, match="exactly one of table= or query="):
        open_data(POSTGRES_URL)


def test_postgres_refused_connection_names_the_server_not_the_password():
    with pytest.raises(MetricsError, match="cannot connect to PostgreSQL at 127.0.0.1:1/test") as caught:
        PostgresEngine("postgresql://postgres:secret@127.0.0.1:1/test?connect_timeout=2")
    assert "secret" not in str(caught.value)


def test_engines_close_what_they_opened():
    engine = DuckDBEngine()
    relation = engine.read(pd.DataFrame({"x": [1]}))
    engine.close()
    with pytest.raises(MetricsError):
        relation.fetch(f"SELECT * FROM {relation.sql} AS src")


# ---------------------------------------------------------------- SourceSpec: the one specification of a source


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM logs",
        "select a, b from logs where note = 'a;b' and x = ')'",
        "WITH recent AS (SELECT * FROM logs) SELECT * FROM recent;",
        "SELECT * FROM logs -- a comment; with a semicolon",
    ],
)
def test_one_select_is_a_statement(query):
    from openaims.metrics.sources import statement_problem

    assert statement_problem(query) is None


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("SELECT 1; DROP TABLE logs", "one statement only"),
        ("SELECT * FROM logs) AS q; COMMIT; CREATE TABLE x (); SELECT * FROM (SELECT 1", "one statement only"),
        ("SELECT * FROM logs) AS q UNION (SELECT 1", "parentheses"),
        ("INSERT INTO logs VALUES (1)", "SELECT"),
        ("CREATE TABLE x AS SELECT 1", "SELECT"),
        ("SELECT (1", "parentheses"),
        ("", "give a SELECT"),
    ],
)
def test_anything_else_is_refused(query, problem):
    from openaims.metrics.sources import statement_problem

    assert problem in statement_problem(query)


def test_source_spec_problems_name_the_field():
    from openaims.metrics.sources import SourceSpec

    assert SourceSpec("file").problems() == {"location": "give the file or folder"}
    assert set(SourceSpec("postgres", location="t", query="SELECT 1").problems()) == {"location"}
    assert set(SourceSpec("postgres", query="SELECT 1; SELECT 2").problems()) == {"query"}
    assert set(SourceSpec("spark", location="text.`/etc/passwd`").problems()) == {"location"}
    assert SourceSpec("spark", location="parquet.`/logs/`").problems() == {}
    assert set(SourceSpec("oracle", location="t").problems()) == {"kind"}


def test_source_spec_hides_paths_in_messages(tmp_path):
    from openaims.metrics.sources import SourceSpec

    missing = tmp_path / "secret-folder" / "logs.parquet"
    with pytest.raises(MetricsError) as refused:
        SourceSpec("file", location=str(missing), label="location 'logs.parquet'", hide_paths=True).open()
    assert str(tmp_path) not in str(refused.value) and "logs.parquet" in str(refused.value)
    with pytest.raises(MetricsError, match=str(missing)):  # the operator's own command keeps the path
        SourceSpec("file", location=str(missing)).open()
