"""What makes the content suite fast must not change a single answer.

Bulk inserts through DuckDB's JSON reader store exactly what VALUES stores;
a sample table kept from the previous case is reused only when it holds
exactly the same samples; watchlist tables appear when a query reads them
(also through parsers calling parsers); test cases in worker processes report
exactly what a single process reports.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner

from helpers import dataset, load, repo_subset, watchlist
from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.cli import main
from sentinel_dac.engine import DataSet, FunctionDef
from sentinel_dac.engine import duckdb_tables as tables
from sentinel_dac.engine.kqltypes import DUCKDB_TYPES
from sentinel_dac.engine.samples import SampleRow, TableSample, type_row
from sentinel_dac.testing import run_project, workers

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)

COLUMNS = [
    ("s", "string"),
    ("i", "int"),
    ("l", "long"),
    ("r", "real"),
    ("b", "bool"),
    ("t", "datetime"),
    ("d", "dynamic"),
    ("g", "guid"),
    ("ts", "timespan"),
    ("dec", "decimal"),
]
EDGE_ROWS = [
    ['é\x00x"\'\\\n', 2**31 - 1, 2**63 - 1, float("nan"), True, datetime(2024, 5, 1, 1, 2, 3, 456789),
     {"a": [1, "x", None, 1.5]}, uuid.UUID(int=7), timedelta(days=-1, microseconds=5), Decimal("1.000000000000000001")],
    ["", -(2**31), -(2**63), float("inf"), False, datetime(1, 1, 1), [], str(uuid.UUID(int=8)), timedelta(0),
     Decimal("-3.5")],
    [None, None, None, -0.0, None, None, "str", None, None, None],
    ["x", 0, 0, 0.1 + 0.2, True, datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 1.7976931348623157e308,
     None, timedelta(days=10000), None],
    ["🙂", 1, 1, float("-inf"), True, None, True, None, timedelta(microseconds=-1), None],
]  # fmt: skip


def _table(con, name: str) -> None:
    con.execute(f"CREATE TABLE {name} ({', '.join(f'{tables.q(n)} {DUCKDB_TYPES[t]}' for n, t in COLUMNS)})")


def _texts(con, name: str) -> list[tuple]:
    """Every stored value as DuckDB prints it (a JSON value's exact spelling, -0.0, nan...) and as Python has it."""
    cols = ", ".join(f"CAST({tables.q(n)} AS VARCHAR)" for n, _ in COLUMNS)
    return con.execute(f"SELECT {cols} FROM {name}").fetchall()


def test_bulk_insert_stores_exactly_what_values_stores(monkeypatch):
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    _table(con, "by_values")
    _table(con, "by_json")
    monkeypatch.setattr(tables, "BULK_VALUES", 10**9)
    tables.insert_rows(con, "by_values", COLUMNS, EDGE_ROWS)
    monkeypatch.setattr(tables, "BULK_VALUES", 1)
    tables.insert_rows(con, "by_json", COLUMNS, EDGE_ROWS)
    assert _texts(con, "by_json") == _texts(con, "by_values")
    python = con.execute("SELECT * FROM by_json").fetchall()
    expected = con.execute("SELECT * FROM by_values").fetchall()
    for got, want in zip(python, expected, strict=True):
        for a, b in zip(got, want, strict=True):
            assert a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))
    assert con.execute("SELECT CAST(d AS VARCHAR) FROM by_json LIMIT 1").fetchone()[0] == json.dumps(EDGE_ROWS[0][6])


def test_bulk_insert_keeps_row_order_and_takes_the_json_path_when_large(monkeypatch):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n BIGINT, s VARCHAR)")
    rows = [[(i * 7919) % 10007, f"row {i}"] for i in range(5000)]
    statements: list[str] = []
    real = con.execute

    class Spy:
        def execute(self, sql, *args):
            statements.append(sql)
            return real(sql, *args)

    tables.insert_rows(Spy(), "t", [("n", "long"), ("s", "string")], rows)
    assert [r[0] for r in con.execute("SELECT n FROM t").fetchall()] == [r[0] for r in rows]
    assert len(statements) == 1 and "read_json" in statements[0]


def test_bulk_insert_falls_back_to_values_when_duckdb_refuses_the_file():
    con = duckdb.connect()
    con.execute("CREATE TABLE t (n BIGINT, s VARCHAR)")
    rows = [[i, f"row {i}"] for i in range(500)]

    class RefusesJson:
        def execute(self, sql, *args):
            if "read_json" in sql:
                raise duckdb.InvalidInputException("refused")
            return con.execute(sql, *args)

    tables.insert_rows(RefusesJson(), "t", [("n", "long"), ("s", "string")], rows)
    assert con.execute("SELECT count(*), sum(n) FROM t").fetchone() == (500, sum(range(500)))  # once, not twice


def _sample(catalog, table: str, rows: list[dict]) -> TableSample:
    sample = TableSample(table, "test")
    for i, raw in enumerate(rows):
        (values, ingested), problems = type_row(raw, catalog.get(table))
        assert not problems
        sample.rows.append(SampleRow(values, ingested, "test", i + 1))
    return sample


def _kv(minute: int) -> dict:
    return {"TimeGenerated": f"2024-05-01T11:{minute:02d}:00Z", "OperationName": "SecretGet"}


def test_a_sample_table_is_reused_only_when_it_holds_the_same_samples(engine):
    catalog = builtin_catalog()
    shared = _sample(catalog, "AZKVAuditLogs", [_kv(1), _kv(2)])
    other = _sample(catalog, "AZKVAuditLogs", [_kv(1), _kv(2)])  # equal rows, another sample
    count = "AZKVAuditLogs | count"

    def load(*samples: TableSample) -> None:
        data = DataSet(catalog)
        for s in samples:
            data.add(s)
        engine.load(data)

    load(shared)
    assert engine.run(count, NOW).rows == [(2,)]
    # mark the stored table: a reused table still has the mark, a rebuilt one does not
    engine.connection.execute(
        "INSERT INTO __sdac_data_AZKVAuditLogs (TimeGenerated) VALUES (TIMESTAMP '2024-05-01 11:30:00')"
    )
    load(shared)
    assert engine.run(count, NOW).rows == [(3,)]
    load(other)
    assert engine.run(count, NOW).rows == [(2,)]
    load(other, shared)
    assert engine.run(count, NOW).rows == [(4,)]
    load()  # no AZKVAuditLogs rows at all: the query must see an empty table, not the last case's
    assert engine.run(count, NOW).rows == [(0,)]
    load(shared)
    assert engine.run(count, NOW).rows == [(2,)]


def _watchlist(alias: str):
    return watchlist(alias, "Upn", {"Upn": "alice@contoso.com"})


def _watchlist_tables(engine) -> list[str]:
    rows = engine.connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name LIKE '__sdac_watchlist_%'"
    ).fetchall()
    return sorted(r[0] for r in rows)


def test_watchlists_are_created_when_a_query_or_the_parsers_it_calls_read_them(engine):
    inner = FunctionDef("AllowedUpns", (), "_GetWatchlist('Allowed') | project Upn = SearchKey")
    outer = FunctionDef("AllowedSignins", (), "SigninLogs | where UserPrincipalName in (AllowedUpns())")
    unused = FunctionDef("Unused", (), "_GetWatchlist('Other')")
    signin = {"TimeGenerated": "2024-05-01T11:00:00Z", "UserPrincipalName": "alice@contoso.com"}
    engine.load(
        dataset(
            {"SigninLogs": [signin, {**signin, "UserPrincipalName": "bob@contoso.com"}]},
            functions=[inner, outer, unused],
            watchlists=[_watchlist("Allowed"), _watchlist("Other")],
            updated=NOW,
        )
    )
    assert engine.run("SigninLogs | count", NOW).rows == [(2,)]
    assert _watchlist_tables(engine) == []
    assert engine.run("AllowedSignins() | project UserPrincipalName", NOW).rows == [("alice@contoso.com",)]
    assert len(_watchlist_tables(engine)) == 1  # Allowed, through two parsers; not Other
    assert engine.run("_GetWatchlist('Other') | count", NOW).rows == [(1,)]
    assert len(_watchlist_tables(engine)) == 2


def test_workers_are_used_only_when_asked_and_worth_it():
    assert workers.workers_for(1, 500) == 1
    assert workers.workers_for(4, workers.MIN_PARALLEL_CASES - 1) == 1
    assert workers.workers_for(4, 500) == 4
    assert workers.workers_for(8, 30) == 8
    assert workers.workers_for(None, 500) == workers.default_jobs()


def _outcome(report) -> tuple:
    results = [(r.rule, r.case, r.status, r.message, r.notes, r.kind, r.file, r.line) for r in report.results]
    problems = [(p.file, p.line, p.code, p.message) for p in report.problems]
    return results, problems, report.rules, report.engine


def test_cases_in_worker_processes_report_exactly_what_one_process_reports(tmp_path, monkeypatch):
    rules = ("kv_mass_secret_read", "kv_forbidden_burst", "kv_backup_operations")
    root = repo_subset(tmp_path, *(f"detections/keyvault/{r}.*" for r in rules), "detections/keyvault/samples")
    (root / "detections/keyvault/samples/unused.AZKVAuditLogs.jsonl").write_text('{"NoSuchColumn": 1}\n')
    monkeypatch.setattr(workers, "MIN_PARALLEL_CASES", 2)
    serial = run_project(load(root), jobs=1)
    parallel = run_project(load(root), jobs=2)
    assert len(serial.results) >= 13 and serial.count("passed") == len(serial.results)
    assert _outcome(parallel) == _outcome(serial)
    unused = [p for p in parallel.problems if "unused.AZKVAuditLogs" in p.file]
    assert [p.code for p in unused] == ["DAC502"]  # files no case reads are still checked, once


def test_cli_jobs_option_gives_the_same_report(tmp_path, monkeypatch):
    rules = ("kv_forbidden_burst", "kv_backup_operations")
    root = repo_subset(tmp_path, *(f"detections/keyvault/{r}.*" for r in rules), "detections/keyvault/samples")
    monkeypatch.chdir(root)
    monkeypatch.setattr(workers, "MIN_PARALLEL_CASES", 2)
    one = CliRunner().invoke(main, ["test", "--format", "json", "--jobs", "1"])
    two = CliRunner().invoke(main, ["test", "--format", "json", "-j", "2"])
    assert one.exit_code == two.exit_code == 0, one.output + two.output
    strip = [{k: v for k, v in r.items()} for r in json.loads(one.output)["results"]]
    assert json.loads(two.output)["results"] == strip and len(strip) == 8
    bad = CliRunner().invoke(main, ["test", "--jobs", "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.output


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failing_case_fails_the_same_in_a_worker(tmp_path, monkeypatch, jobs):
    root = repo_subset(tmp_path, "detections/keyvault/kv_forbidden_burst.*", "detections/keyvault/samples")
    tests_file = root / "detections/keyvault/kv_forbidden_burst.tests.yaml"
    text = tests_file.read_text()
    tests_file.write_text(text.replace("alert_count: 1", "alert_count: 2", 1))
    monkeypatch.setattr(workers, "MIN_PARALLEL_CASES", 2)
    report = run_project(load(root), jobs=jobs)
    failed = [r for r in report.results if r.status == "failed"]
    assert len(failed) == 1 and failed[0].message == "expected 2 alert(s), got 1" and not report.ok


class _DiesWhenUnpickled:
    """A 'rule' that kills the worker process unpickling it, as the OOM killer would."""

    cases = (object(),)

    def __reduce__(self):
        return (os._exit, (3,))


def test_a_worker_that_dies_is_a_clear_error_not_a_traceback(tmp_path):
    root = repo_subset(tmp_path, "detections/keyvault/kv_forbidden_burst.*", "detections/keyvault/samples")
    with pytest.raises(workers.WorkerError, match="--jobs 1"):
        workers.run_parallel(load(root), [_DiesWhenUnpickled()], 2)


def test_a_script_read_from_standard_input_runs_its_cases_in_one_process(tmp_path, monkeypatch):
    """Spawned workers re-import the parent's main file; `python - < script` has none, so no workers."""
    monkeypatch.setattr(sys.modules["__main__"], "__file__", str(tmp_path / "<stdin>"), raising=False)
    assert workers.workers_for(4, 500) == 1
    root = repo_subset(tmp_path, "detections/keyvault/kv_forbidden_burst.*", "detections/keyvault/samples")
    script = (
        "from pathlib import Path\n"
        "from sentinel_dac.config import load_config\n"
        "from sentinel_dac.content.load import load_project\n"
        "from sentinel_dac.testing import run_project, workers\n"
        "workers.MIN_PARALLEL_CASES = 2\n"
        f"report = run_project(load_project(load_config(Path({str(root)!r}))), jobs=2)\n"
        "print(report.count('passed'), len(report.results))\n"
    )
    done = subprocess.run([sys.executable, "-"], input=script, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    passed, total = map(int, done.stdout.split())
    assert passed == total >= 4
