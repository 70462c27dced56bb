"""The workbook content format: `<name>.workbook.yaml` beside the workbook JSON (Gallery Template)."""

from __future__ import annotations

from helpers import load, validate

DEF = "id: 3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e\ndisplayName: AI overview\n"
GOOD = '{"version": "Notebook/1.0", "items": []}'


def test_a_workbook_loads_from_its_definition_and_json(make_project):
    root = make_project({"workbooks/ai.workbook.yaml": DEF + "description: d\n", "workbooks/ai.json": GOOD})
    project = load(root)
    assert [(w.id, w.display_name, w.data["version"]) for w in project.workbooks] == [
        ("3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e", "AI overview", "Notebook/1.0")
    ]
    assert not validate(root).findings


def test_data_may_name_another_file(make_project):
    root = make_project({"workbooks/ai.workbook.yaml": DEF + "data: other.json\n", "workbooks/other.json": GOOD})
    assert [w.data_path.name for w in load(root).workbooks] == ["other.json"]


def test_problems_name_the_file_and_line(make_project):
    root = make_project(
        {
            "workbooks/a.workbook.yaml": DEF,
            "workbooks/a.json": '{"version": "Notebook/1.0",\n "items": [}',
            "workbooks/b.workbook.yaml": DEF.replace("3b4c", "4b4c"),
            "workbooks/b.json": '{"items": []}',
            "workbooks/c.workbook.yaml": DEF.replace("3b4c", "5b4c"),
            "workbooks/d.workbook.yaml": "id: not-a-guid\ndisplayName: ''\n",
            "workbooks/d.json": GOOD,
        }
    )
    found = {(f.file, f.line, f.code, f.message.split(":")[0]) for f in validate(root).findings}
    assert ("workbooks/a.json", 2, "DAC255", "not valid JSON") in found
    messages = {(f.file, f.message) for f in validate(root).findings}
    assert any(file == "workbooks/b.json" and '"version": "Notebook/1.0"' in m for file, m in messages)
    assert any(f[0] == "workbooks/c.workbook.yaml" and "does not exist" in f[3] for f in found)
    assert {f[2] for f in found if f[0] == "workbooks/d.workbook.yaml"} == {"DAC210", "DAC255"}
    assert load(root).workbooks == []


def test_a_workbook_json_without_definition_is_a_warning(make_project):
    root = make_project({"workbooks/lonely.json": GOOD})
    findings = validate(root).findings
    assert [(f.file, f.code, f.level.value) for f in findings] == [("workbooks/lonely.json", "DAC255", "warning")]
    assert "lonely.workbook.yaml" in findings[0].message


def _workbook(items: list) -> str:
    import json

    return json.dumps({"version": "Notebook/1.0", "items": items}, indent=2)


def _query_step(query: str, **content) -> dict:
    return {
        "type": 3,
        "content": {
            "version": "KqlItem/1.0",
            "query": query,
            "queryType": 0,
            "resourceType": "microsoft.operationalinsights/workspaces",
            **content,
        },
    }


TIME = {
    "type": 9,
    "content": {
        "version": "KqlParameterItem/1.0",
        "parameters": [
            {"name": "TimeRange", "type": 4, "value": {"durationMs": 86400000}},
            {"name": "Ops", "type": 2, "multiSelect": True, "quote": "'", "delimiter": ","},
            {"name": "Top", "type": 1, "value": 10},
        ],
    },
}


def test_workbook_queries_are_checked_with_their_parameters_expanded(make_project):
    query = (
        "AZKVAuditLogs\n| where TimeGenerated {TimeRange}\n| where OperationName in ({Ops})\n"
        "| where CallerIpAddress != '{Ops}'\n| summarize count() by bin(TimeGenerated, {TimeRange:grain})\n"
        "| top {Top} by count_"
    )
    root = make_project({"workbooks/ai.workbook.yaml": DEF, "workbooks/ai.json": _workbook([TIME, _query_step(query)])})
    assert validate(root).findings == []


def test_a_misspelt_column_in_a_workbook_query_names_the_json_line_and_column(make_project):
    text = _workbook([TIME, _query_step("AZKVAuditLogs\n| where TimeGenerated {TimeRange}\n| where Operaton == 'x'")])
    root = make_project({"workbooks/ai.workbook.yaml": DEF, "workbooks/ai.json": text})
    [finding] = validate(root).findings
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "Operaton" in t)
    column = text.splitlines()[line - 1].index("Operaton") + 1
    assert (finding.file, finding.line, finding.column, finding.code) == ("workbooks/ai.json", line, column, "DAC402")
    assert finding.field == "/items/1/content/query"
    assert "{TimeRange} -> > ago(1d)" in finding.message and "checkParameters" in finding.message


def test_unknown_tables_in_nested_groups_and_parameter_queries_are_found(make_project):
    group = {"type": 12, "content": {"version": "NotebookGroup/1.0", "items": [_query_step("NoSuchTable | take 1")]}}
    param_query = {
        "type": 9,
        "content": {
            "version": "KqlParameterItem/1.0",
            "parameters": [
                {"name": "Vault", "type": 2, "query": "AZKVAuditLogs | distinct Vault", "queryType": 0},
                {"name": "Sub", "type": 6, "query": "resources | project id", "queryType": 1},
            ],
        },
    }
    arg_step = _query_step("resources | where type == 'x'", queryType=1)
    root = make_project(
        {"workbooks/ai.workbook.yaml": DEF, "workbooks/ai.json": _workbook([param_query, group, arg_step])}
    )
    found = sorted((f.field, f.code) for f in validate(root).findings)
    assert found == [
        ("/items/0/content/parameters/0/query", "DAC402"),
        ("/items/1/content/items/0/content/query", "DAC401"),
    ]


def test_check_parameters_in_the_definition_override_the_stand_ins(make_project):
    query = "AZKVAuditLogs | where TimeGenerated > ago(1d) {Filter}"
    files = {"workbooks/ai.json": _workbook([_query_step(query)])}
    root = make_project({"workbooks/ai.workbook.yaml": DEF, **files})
    assert [f.code for f in validate(root).findings] == ["DAC400"]
    root = make_project(
        {"workbooks/ai.workbook.yaml": DEF + "checkParameters:\n  Filter: '| where OperationName == \"kv\"'\n", **files}
    )
    assert validate(root).findings == []


def test_a_json_locator_steps_over_escapes():
    from sentinel_dac.validate.workbook_checks import json_string_locator

    text = '{"q": "a\\nb\\u00e9\\"c"}'
    locate = json_string_locator(text, text.index('"a'))
    # decoded "a\nbé\"c": offsets 0..5 -> raw columns of a, \n, b, \u00e9, \", c
    assert [locate(i).column for i in range(6)] == [8, 9, 11, 12, 18, 20]


def test_expansion_maps_offsets_back_to_the_placeholder():
    from sentinel_dac.content.workbook_queries import expand, parameters

    data = {"items": [TIME]}
    expansion = expand("T | where x {TimeRange} and y == {Top}", parameters(data), {})
    assert expansion.text == "T | where x > ago(1d) and y == 10"
    assert expansion.original_offset(expansion.text.index("ago")) == 12
    assert expansion.original_offset(expansion.text.index("and")) == 24
    assert expansion.original_offset(expansion.text.index("10")) == 33
