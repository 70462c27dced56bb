"""SARIF 2.1.0: findings in the format GitHub code scanning (and most CI dashboards) ingest.

One run, one driver (`sentinel-dac`) whose `rules` are every code declared in
`findings.CODES`, so rule ids and indexes are stable between runs. Each
finding becomes a result with its level, message and a location: the file
path relative to the repository root (`%SRCROOT%`) and, when known, the line
and column (columns count Unicode code points, as Python does).
`partialFingerprints` lets code scanning follow an alert when lines move.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..findings import CODES, Finding

if TYPE_CHECKING:
    from . import ValidationResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
AREAS = {
    "1": "files",
    "2": "schema",
    "3": "cross-file",
    "4": "kql",
    "5": "tests",
    "6": "deploy",
    "7": "lifecycle",
}


def render_sarif(result: ValidationResult, strict: bool = False) -> str:
    return json.dumps(sarif_log(result, strict), indent=2)


def sarif_log(result: ValidationResult, strict: bool = False) -> dict[str, Any]:
    codes = list(CODES)
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sentinel-dac",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(code) for code in codes],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "properties": {"strict": strict, "filesChecked": result.files_checked},
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.code]) for f in result.findings],
            }
        ],
    }


def _rule(code: str) -> dict[str, Any]:
    c = CODES[code]
    return {
        "id": c.code,
        "name": c.name,
        "shortDescription": {"text": c.summary},
        "help": {"text": f"{c.code} {c.name}: {c.summary}"},
        "properties": {"tags": ["sentinel", AREAS.get(c.code[3], "other")]},
    }


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(f.file)}
    if f.line > 0:
        physical["region"] = {"startLine": f.line, **({"startColumn": f.column} if f.column > 0 else {})}
    out: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": f.level.value,
        "message": {"text": f.message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"sentinelDacFinding/v1": _fingerprint(f)},
    }
    if f.field:
        out["properties"] = {"field": f.field}
    return out


def _artifact(file: str) -> dict[str, Any]:
    path = Path(file)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": str(PurePosixPath(*path.parts)), "uriBaseId": "%SRCROOT%"}


def _fingerprint(f: Finding) -> str:
    """Stable across line moves: file, code, field and message, not the position."""
    key = "\x1f".join((f.file, f.code, f.field or "", f.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]
