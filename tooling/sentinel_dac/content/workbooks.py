"""Workbooks: a small YAML definition plus the workbook JSON beside it.

The workbook JSON is what the portal's Advanced Editor shows as the Gallery Template, so a
workbook edited in the portal is saved back by pasting that text over the file. The YAML gives
what the JSON lacks: a stable id (the deployed name derives from it) and the display name.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..findings import Finding
from .model import Workbook
from .yamlsrc import YamlDoc, YamlLoadError, read_text

DEFINITION_SUFFIXES = (".workbook.yaml", ".workbook.yml")


def data_path_of(doc: YamlDoc) -> Path:
    """The workbook JSON a definition names: `data`, or `<name>.json` beside it."""
    if doc.data.get("data"):
        return doc.path.parent / doc.data["data"]
    name = doc.path.name
    for suffix in DEFINITION_SUFFIXES:
        if name.endswith(suffix):
            return doc.path.with_name(name[: -len(suffix)] + ".json")
    return doc.path.with_suffix(".json")


def build_workbook(doc: YamlDoc, display_of) -> tuple[Workbook | None, list[Finding]]:
    path = data_path_of(doc)
    display = display_of(path)
    pos = doc.pos(("data",)) if "data" in doc.data else doc.pos(())
    if not path.is_file():
        return None, [
            Finding(
                doc.display, pos.line, pos.column, "DAC255", f"workbook JSON '{path.name}' does not exist beside it"
            )
        ]
    try:
        text = read_text(path, display)
    except YamlLoadError as exc:
        return None, exc.findings
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [Finding(display, exc.lineno, exc.colno, "DAC255", f"not valid JSON: {exc.msg}")]
    problem = _shape_problem(data)
    if problem:
        return None, [Finding(display, 1, 1, "DAC255", problem)]
    d = doc.data
    return (
        Workbook(
            source=doc,
            id=str(d["id"]).lower(),
            display_name=d["displayName"],
            description=d.get("description", ""),
            data_path=path,
            data=data,
            version=d.get("version"),
            text=text,
            check_parameters={str(k): str(v) for k, v in (d.get("checkParameters") or {}).items()},
        ),
        [],
    )


def _shape_problem(data: object) -> str | None:
    if not isinstance(data, dict):
        return "a workbook is a JSON object (the Advanced Editor's Gallery Template)"
    version = data.get("version")
    if not isinstance(version, str) or not version.startswith("Notebook/"):
        return 'the workbook JSON needs "version": "Notebook/1.0" (the Advanced Editor\'s Gallery Template)'
    if not isinstance(data.get("items"), list):
        return 'the workbook JSON needs an "items" list'
    return None
