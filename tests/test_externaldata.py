"""`externaldata(...)[url]` answered from the project's recorded copy (sentinel-dac.yaml `externaldata:`).

Formats and reading rules from https://learn.microsoft.com/kusto/query/externaldata-operator: csv/tsv by
position (`ignoreFirstRecord`), txt one record per line, json/multijson by name. The engine never reads
the network: a URL without a copy is refused at the expression, a broken copy fails naming file and line.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from helpers import dataset, rule_text
from sentinel_dac.cli import main
from sentinel_dac.engine import UnsupportedKql
from sentinel_dac.engine.errors import QueryFailed

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
URL = "https://example.org/feeds/roles.csv"


def run(engine, tmp_path, query: str, name: str, text: str, url: str = URL):
    copy = tmp_path / name
    copy.write_text(text)
    data = dataset()
    data.external = {url: copy}
    engine.load(data)
    return engine.run(query, NOW)


def test_csv_by_position_with_a_header_skipped_and_typed_by_the_query(engine, tmp_path):
    text = (
        'Role,Id,Since,Builtin,Scopes\nReader,7,2024-01-02 03:04:05,true,"[""/"", ""/x""]"\n"Owner, full",8,,false,\n'
    )
    query = (
        f'externaldata(Role:string, Id:long, Since:datetime, Builtin:bool, Scopes:dynamic)["{URL}"]'
        ' with (format="csv", ignoreFirstRecord=true)'
    )
    result = run(engine, tmp_path, query, "roles.csv", text)
    assert result.rows == [
        ("Reader", 7, datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), True, ["/", "/x"]),
        ("Owner, full", 8, None, False, None),  # empty fields are null, a timestamp without a zone is UTC
    ]


def test_tsv_txt_and_a_missing_trailing_field(engine, tmp_path):
    tsv = run(engine, tmp_path, f'externaldata(a:string, b:long)["{URL}"] with(format="tsv")', "x.tsv", "p\t1\nq\n")
    assert tsv.rows == [("p", 1), ("q", None)]
    txt = run(engine, tmp_path, f'externaldata(line:string)["{URL}"] with(format="txt") | count', "x.txt", "a,b\nc\n")
    assert txt.rows == [(2,)]


def test_multijson_records_by_name_across_lines_and_arrays(engine, tmp_path):
    text = (
        '{"changeNumber": "1",\n "values": [{"name": "A"}, {"name": "B"}]}\n[{"changeNumber": "2"}, {"cloud": "x"}]\n'
    )
    query = (
        f'externaldata(changeNumber:string, cloud:string, values:dynamic)["{URL}"] with(format="multijson")\n'
        "| extend n = array_length(values) | project changeNumber, cloud, n"
    )
    rows = run(engine, tmp_path, query, "tags.json", text).rows
    assert sorted(rows, key=str) == sorted([("1", "", 2), ("2", "", None), ("", "x", None)], key=str)


def test_a_url_without_a_copy_is_refused_at_the_expression(engine, tmp_path):
    query = 'let Known = externaldata(Id:string)[@"https://elsewhere.example/ids.csv"] with (format="csv");\nKnown'
    with pytest.raises(UnsupportedKql) as caught:
        run(engine, tmp_path, query, "roles.csv", "x\n")
    assert caught.value.construct == "externaldata" and caught.value.offset == query.index("externaldata(")
    assert 'externaldata: {"https://elsewhere.example/ids.csv": path/to/copy}' in caught.value.message


def test_an_unsupported_format_is_refused_by_name(engine, tmp_path):
    with pytest.raises(UnsupportedKql, match="format='parquet'"):
        run(engine, tmp_path, f'externaldata(a:string)["{URL}"] with(format="parquet")', "x.parquet", "x")


@pytest.mark.parametrize(
    ("fmt", "name", "text"),
    [
        ("csv", "roles.csv", "Reader,7\nWriter,seven\n"),
        ("multijson", "roles.json", '{"Role": "x", "Id": 7}\n{"Id": "7"}'),
    ],
)
def test_a_copy_that_does_not_fit_fails_naming_file_and_line(engine, tmp_path, fmt, name, text):
    query = f'externaldata(Role:string, Id:long)["{URL}"] with(format="{fmt}")'
    with pytest.raises(QueryFailed) as caught:
        run(engine, tmp_path, query, name, text)
    assert f"{name}:2: column Id (long)" in caught.value.message


def test_a_missing_copy_fails_the_query_not_the_process(engine, tmp_path):
    data = dataset()
    data.external = {URL: tmp_path / "nope.csv"}
    engine.load(data)
    with pytest.raises(QueryFailed, match=r"nope\.csv: cannot be read"):
        engine.run(f'externaldata(a:string)["{URL}"]', NOW)


def test_a_rule_case_reads_the_copy_named_in_the_project_config(make_project, monkeypatch):
    query = (
        f'let Admins = externaldata(Caller:string)["{URL}"] with (format="csv");\n'
        "AZKVAuditLogs | where CallerIpAddress in ((Admins | project Caller))"
    )
    cases = """cases:
  - name: a listed address
    kind: positive
    now: 2024-05-01T12:00:00Z
    samples:
      - {table: AZKVAuditLogs, rows: [{TimeGenerated: 2024-05-01T11:10:00Z, CallerIpAddress: 203.0.113.7}]}
  - name: an address not in the copy
    kind: negative
    now: 2024-05-01T12:00:00Z
    samples:
      - {table: AZKVAuditLogs, rows: [{TimeGenerated: 2024-05-01T11:10:00Z, CallerIpAddress: 198.51.100.1}]}
"""
    config = f'require_cases: true\nexternaldata:\n  "{URL}": feeds/admins.csv\n'
    root = make_project(
        {
            "detections/kv/r.yaml": rule_text(query),
            "detections/kv/r.tests.yaml": cases,
            "feeds/admins.csv": "203.0.113.7\n",
        },
        config=config,
    )
    monkeypatch.chdir(root)
    res = CliRunner().invoke(main, ["test"])
    assert res.exit_code == 0, res.output
    (root / "sentinel-dac.yaml").write_text('externaldata:\n  "ftp://x": feeds/admins.csv\n')
    bad = CliRunner().invoke(main, ["test"])
    assert bad.exit_code != 0 and "DAC253" in bad.output and "externaldata keys are the URLs" in bad.output


def test_the_same_query_follows_the_data_sets_copies(engine, tmp_path):
    query = f'externaldata(a:string)["{URL}"] with(format="txt")'
    assert run(engine, tmp_path, query, "one.txt", "x\n").rows == [("x",)]
    assert run(engine, tmp_path, query, "two.txt", "y\nz\n").rows == [("y",), ("z",)]  # another copy: re-read
    engine.load(dataset())  # a data set without the mapping: refused, not answered from the last copy
    with pytest.raises(UnsupportedKql):
        engine.run(query, NOW)


def test_validate_names_a_missing_copy_and_warns_where_cases_would_be_refused(make_project):
    from helpers import validate

    query = f'let Admins = externaldata(Caller:string)["{URL}"] with (format="csv");\nAZKVAuditLogs | take 1'
    cases = "cases:\n  - name: x\n    kind: negative\n    now: 2024-05-01T12:00:00Z\n    samples: []\n"
    files = {"detections/kv/r.yaml": rule_text(query), "detections/kv/r.tests.yaml": cases}
    untested = {"detections/kv/u.yaml": rule_text(query).replace("7a1b2c3d", "7a1b2c3e")}
    root = make_project({**files, **untested}, config="require_cases: false\n")
    found = [(f.file, f.line, f.code, f.level.value) for f in validate(root).findings if f.code in ("DAC253", "DAC513")]
    line = next(n for n, t in enumerate(rule_text(query).splitlines(), 1) if "externaldata(" in t)
    assert found == [("detections/kv/r.yaml", line, "DAC513", "warning")]  # not u.yaml: no cases, nothing refused
    config = f'require_cases: false\nexternaldata:\n  "{URL}": feeds/missing.csv\n'
    root = make_project({**files, **untested}, config=config)
    (f,) = [f for f in validate(root).findings if f.code in ("DAC253", "DAC513")]
    assert (f.file, f.line, f.code) == ("sentinel-dac.yaml", 3, "DAC253") and "feeds/missing.csv" in f.message
    (root / "feeds").mkdir()
    (root / "feeds/missing.csv").write_text("x\n")
    assert [f for f in validate(root).findings if f.code in ("DAC253", "DAC513")] == []
