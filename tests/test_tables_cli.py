"""`sentinel-dac tables list | show | import`: the catalogue from the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from helpers import validate
from sentinel_dac.catalog.tables import parse_table_file
from sentinel_dac.cli import main

GETSCHEMA_ROWS = [
    {"ColumnName": "TimeGenerated", "ColumnOrdinal": 0, "DataType": "System.DateTime", "ColumnType": "datetime"},
    {"ColumnName": "Prompt_s", "ColumnOrdinal": 1, "DataType": "System.String", "ColumnType": "string"},
    {"ColumnName": "Tokens_d", "ColumnOrdinal": 2, "DataType": "System.Double", "ColumnType": "real"},
    {"ColumnName": "Meta_d", "ColumnOrdinal": 3, "DataType": "System.Object", "ColumnType": ""},
]


def cli(root, *args):
    return CliRunner().invoke(main, ["--project", str(root), *args])


def test_list_shows_builtin_and_project_tables(make_project):
    root = make_project({"tables/MyApp_CL.json": '{"Name": "MyApp_CL", "Properties": [{"Name": "A", "Type": "int"}]}'})
    res = cli(root, "tables", "list")
    assert res.exit_code == 0, res.output
    lines = {ln.split()[0]: ln for ln in res.output.splitlines()}
    assert "built-in" in lines["AZKVAuditLogs"]
    assert "tables/MyApp_CL.json" in lines["MyApp_CL"] and " 9 columns" in lines["MyApp_CL"]  # 1 + 8 standard


def test_show_prints_columns_and_azure_sentinel_json(make_project):
    root = make_project({})
    res = cli(root, "tables", "show", "AZKVAuditLogs")
    assert res.exit_code == 0 and "CallerIpAddress" in res.output and "_BilledSize" in res.output
    res = cli(root, "tables", "show", "AZKVAuditLogs", "--json")
    parsed = parse_table_file(res.output, "stdout")
    assert parsed.name == "AZKVAuditLogs" and any(c.name == "CallerIpAddress" for c in parsed.columns)


def test_show_unknown_table_is_a_usage_error_with_suggestions(make_project):
    res = cli(make_project({}), "tables", "show", "AZKVAuditLog")
    assert res.exit_code == 2 and "did you mean AZKVAuditLogs" in res.output


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("rows.json", json.dumps(GETSCHEMA_ROWS)),
        (
            "api.json",
            json.dumps(
                {
                    "tables": [
                        {
                            "name": "PrimaryResult",
                            "columns": [{"name": k, "type": "string"} for k in GETSCHEMA_ROWS[0]],
                            "rows": [list(r.values()) for r in reversed(GETSCHEMA_ROWS)],  # ordinal restores order
                        }
                    ]
                }
            ),
        ),
        (
            "schema.csv",
            "ColumnName,ColumnOrdinal,DataType,ColumnType\n"
            + "".join(
                f"{r['ColumnName']},{r['ColumnOrdinal']},{r['DataType']},{r['ColumnType']}\n" for r in GETSCHEMA_ROWS
            ),
        ),
    ],
)
def test_import_getschema_output(make_project, filename, content):
    root = make_project({filename: content})
    res = cli(root, "tables", "import", str(root / filename), "--name", "GenAi_CL")
    assert res.exit_code == 0, res.output
    written = json.loads((root / "tables" / "GenAi_CL.json").read_text())
    assert written == {
        "Name": "GenAi_CL",
        "Properties": [
            {"Name": "TimeGenerated", "Type": "datetime"},
            {"Name": "Prompt_s", "Type": "string"},
            {"Name": "Tokens_d", "Type": "real"},
            {"Name": "Meta_d", "Type": "dynamic"},  # from DataType when ColumnType is empty
        ],
    }


def test_imported_table_is_used_by_validation(make_project):
    from test_kql_validation import rule

    root = make_project(
        {"schema.json": json.dumps(GETSCHEMA_ROWS), "detections/r.yaml": rule("GenAi_CL | where Tokens_d > 1000")},
        config="require_cases: false\n",
    )
    assert [f.code for f in validate(root).findings] == ["DAC401"]
    assert cli(root, "tables", "import", str(root / "schema.json"), "--name", "GenAi_CL").exit_code == 0
    assert validate(root).findings == []


def test_import_azure_sentinel_format_and_refuse_overwrite(make_project):
    src = '{"Name": "MyApp_CL", "Properties": [{"name": "User_s", "type": "String"}]}'
    root = make_project({"in/MyApp_CL.json": src})
    assert cli(root, "tables", "import", str(root / "in/MyApp_CL.json")).exit_code == 0
    target = root / "tables" / "MyApp_CL.json"
    before = target.read_text()
    assert json.loads(before)["Properties"] == [{"Name": "User_s", "Type": "string"}]
    (root / "in/MyApp_CL.json").write_text(src.replace("User_s", "Other_s"))
    res = cli(root, "tables", "import", str(root / "in/MyApp_CL.json"))
    assert res.exit_code == 2 and "--force" in res.output and target.read_text() == before
    res = cli(root, "tables", "import", str(root / "in/MyApp_CL.json"), "--force")
    assert res.exit_code == 0 and "replaced" in res.output and "Other_s" in target.read_text()
    assert not list((root / "tables").glob(".*.tmp")), "no temporary file left behind"


@pytest.mark.parametrize(
    ("content", "args", "code", "words"),
    [
        (json.dumps(GETSCHEMA_ROWS), [], 2, "pass --name"),
        (
            '[{"ColumnName": "A", "ColumnType": "varchar"}]',
            ["--name", "T"],
            1,
            "column A: unknown column type 'varchar'",
        ),
        ('{"rows": 1}', ["--name", "T"], 1, "not a table schema"),
        ("{broken", [], 1, "not valid JSON"),
        ("a,b\n1,2\n", ["--name", "T"], 1, "no ColumnName column"),
        ('[{"ColumnName": "A", "ColumnType": "string"}]', ["--name", "bad name"], 1, "not a valid table name"),
        ('{"Name": "X", "Extends": true, "Properties": [{"Name": "a", "Type": "string"}]}', [], 1, "extension"),
    ],
)
def test_import_errors_are_clear_and_write_nothing(make_project, content, args, code, words):
    root = make_project({"in.json": content})
    res = cli(root, "tables", "import", str(root / "in.json"), *args)
    assert res.exit_code == code, res.output
    assert words in res.output and "Traceback" not in res.output
    assert not (root / "tables").exists() or not list((root / "tables").iterdir())
