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
