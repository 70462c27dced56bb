"""Recorded samples: typed by the table catalogue, every problem named by file, line and column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpers import jsonl
from sentinel_dac.catalog.tables import builtin_catalog
from sentinel_dac.engine.samples import read_sample_file, resolve_table, table_from_filename

CATALOG = builtin_catalog()
KV = CATALOG.get("AZKVAuditLogs")


def read(tmp_path: Path, text: str | bytes, name: str = "AZKVAuditLogs.jsonl", delay=None):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    schema, problem = resolve_table(path, name, None, CATALOG)
    assert problem is None
    return read_sample_file(path, name, schema, delay)


def test_rows_are_typed_by_the_catalogue(tmp_path):
    row = {
        "TimeGenerated": "2024-05-01T12:00:00.5Z",
        "OperationName": "SecretGet",
        "HttpStatusCode": 200,
        "IsRbacAuthorized": True,
        "Identity": {"claim": {"upn": "a@contoso.com"}},
        "_BilledSize": 12,
    }
    sample, findings = read(tmp_path, jsonl(row))
    assert findings == []
    values = sample.rows[0].values
    assert values["TimeGenerated"] == datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)
    assert values["HttpStatusCode"] == 200 and values["IsRbacAuthorized"] is True
    assert values["Identity"] == {"claim": {"upn": "a@contoso.com"}}
    assert values["_BilledSize"] == 12.0 and isinstance(values["_BilledSize"], float)


@pytest.mark.parametrize(
    ("column", "value", "fragment"),
    [
        ("OperationName", 5, "expected a string, found an integer (5)"),
        ("HttpStatusCode", "200", "expected an integer (int), found a string"),
        ("HttpStatusCode", 2**31, "does not fit a KQL int"),
        ("HttpStatusCode", 1.5, "expected an integer (int), found a number"),
        ("IsRbacAuthorized", 1, "expected true or false"),
        ("_BilledSize", "big", "expected a number"),
        ("TimeGenerated", "yesterday", "is not an ISO-8601 timestamp"),
        ("TimeGenerated", 1714564800, "expected an ISO-8601 timestamp string"),
    ],
)
def test_wrong_types_are_errors_naming_line_and_column(tmp_path, column, value, fragment):
    good = {"TimeGenerated": "2024-05-01T12:00:00Z"}
    sample, findings = read(tmp_path, jsonl(good, {**good, column: value}))
    assert len(sample.rows) == 1
    (f,) = findings
    assert (f.file, f.line, f.code, f.field) == ("AZKVAuditLogs.jsonl", 2, "DAC503", column)
    assert fragment in f.message and column in f.message
    assert f.column > 1  # the column's key in the line


def test_guid_and_timespan_values():
    from sentinel_dac.engine.kqltypes import ValueTypeError, coerce

    assert coerce("5B1F6F2E-8B8A-4C7E-9A1D-0C2B3D4E5F60", "guid") == "5b1f6f2e-8b8a-4c7e-9a1d-0c2b3d4e5f60"
    with pytest.raises(ValueTypeError, match="expected a GUID"):
        coerce("not-a-guid", "guid")
    assert coerce("1.02:03:04.5", "timespan") == timedelta(days=1, hours=2, minutes=3, seconds=4.5)
    assert coerce("5m", "timespan") == timedelta(minutes=5)
    with pytest.raises(ValueTypeError, match="100-ns precision"):
        coerce("2024-05-01T12:00:00.1234567Z", "datetime")


def test_timestamp_without_time_zone_is_its_own_error(tmp_path):
    _, findings = read(tmp_path, jsonl({"TimeGenerated": "2024-05-01T12:00:00"}))
    (f,) = findings
    assert f.code == "DAC504" and f.line == 1 and "has no time zone" in f.message


def test_offsets_are_converted_to_utc(tmp_path):
    sample, _ = read(tmp_path, jsonl({"TimeGenerated": "2024-05-01T14:00:00+02:00"}))
    assert sample.rows[0].values["TimeGenerated"] == datetime(2024, 5, 1, 12, tzinfo=UTC)


def test_unknown_column_suggests_the_right_one(tmp_path):
    _, findings = read(tmp_path, jsonl({"TimeGenerated": "2024-05-01T12:00:00Z", "CallerIPAddress": "1.2.3.4"}))
    (f,) = findings
    assert f.code == "DAC502" and f.field == "CallerIPAddress"
    assert "not in table AZKVAuditLogs; did you mean 'CallerIpAddress'?" in f.message


def test_malformed_lines_are_reported_and_good_lines_kept(tmp_path):
    text = '{"TimeGenerated": "2024-05-01T12:00:00Z"}\n{"TimeGenerated": \n[1, 2]\n{"Id": "a", "Id": "b"}\n\n'
    sample, findings = read(tmp_path, text)
    assert len(sample.rows) == 1
    assert [(f.line, f.code) for f in findings] == [(2, "DAC500"), (3, "DAC500"), (4, "DAC500")]
    assert "invalid JSON" in findings[0].message
    assert "must be one JSON object" in findings[1].message
    assert "key 'Id' appears twice" in findings[2].message


def test_empty_file_is_an_error_with_the_way_out(tmp_path):
    _, findings = read(tmp_path, "\n  \n")
    (f,) = findings
    assert f.code == "DAC505" and "rows: []" in f.message


def test_non_utf8_file(tmp_path):
    _, findings = read(tmp_path, b'{"OperationName": "\xff"}\n')
    assert findings[0].code == "DAC101"


def test_unpaired_surrogates_are_refused_where_they_are_and_pairs_kept(tmp_path):
    # JSON allows "\ud800" alone; UTF-8 (DuckDB, Log Analytics) cannot hold it: an error at the row, not a crash
    text = (
        '{"TimeGenerated": "2024-05-01T12:00:00Z", "CallerIpAddress": "ok\\ud83d\\ude00"}\n'
        '{"TimeGenerated": "2024-05-01T12:00:00Z", "CallerIpAddress": "bad\\ud800"}\n'
        '{"TimeGenerated": "2024-05-01T12:00:00Z", "Identity": {"claim": ["x", "\\udfff"]}}\n'
    )
    sample, findings = read(tmp_path, text)
    assert [r.values["CallerIpAddress"] for r in sample.rows] == ["ok\U0001f600"]
    assert [(f.line, f.code, f.field) for f in findings] == [
        (2, "DAC504", "CallerIpAddress"),
        (3, "DAC504", "Identity"),
    ]
    assert "unpaired UTF-16 surrogate (U+D800)" in findings[0].message and "(U+DFFF)" in findings[1].message


@pytest.mark.parametrize(
    ("name", "table"),
    [("AZKVAuditLogs.jsonl", "AZKVAuditLogs"), ("burst.day1.AZKVAuditLogs.jsonl", "AZKVAuditLogs")],
)
def test_table_comes_from_the_file_name(name, table):
    assert table_from_filename(Path(name)) == table


def test_unknown_table_and_conflicting_declaration(tmp_path):
    path = tmp_path / "burst.NoSuchTable.jsonl"
    schema, problem = resolve_table(path, "burst.NoSuchTable.jsonl", None, CATALOG)
    assert schema is None and problem.code == "DAC501" and "unknown table 'NoSuchTable'" in problem.message
    schema, problem = resolve_table(path, "x", "AZKVAuditLogs", CATALOG)
    assert schema.name == "AZKVAuditLogs" and problem is None  # the case names it; the file name is free text
    schema, problem = resolve_table(tmp_path / "SigninLogs.jsonl", "x", "AZKVAuditLogs", CATALOG)
    assert schema is None and problem.code == "DAC507"


def test_ingestion_time_explicit_or_after_a_delay(tmp_path):
    rows = jsonl(
        {"TimeGenerated": "2024-05-01T12:00:00Z"},
        {"TimeGenerated": "2024-05-01T12:00:00Z", "$IngestionTime": "2024-05-01T12:30:00Z"},
    )
    sample, findings = read(tmp_path, rows, delay=timedelta(minutes=2))
    assert findings == []
    assert [r.ingestion_time.minute for r in sample.rows] == [2, 30]
    _, findings = read(tmp_path, jsonl({"$IngestionTime": "2024-05-01 12:30"}))
    assert findings[0].code == "DAC504" and "$IngestionTime" in findings[0].message


def test_kusto_strings_are_never_null(tmp_path):
    sample, _ = read(tmp_path, jsonl({"TimeGenerated": "2024-05-01T12:00:00Z", "OperationName": None}))
    assert sample.rows[0].values["OperationName"] == ""
