"""Render a validation result for people (text) and machines (JSON, SARIF).

Every renderer takes (result, strict) and returns the whole output as text;
`RENDERERS` is what `--format` offers.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from . import ValidationResult
from .sarif import render_sarif


def render_text(result: ValidationResult, strict: bool = False) -> str:
    lines = [f.render() for f in result.findings]
    n_err, n_warn = len(result.errors), len(result.warnings)
    verdict = "FAILED" if result.failed(strict) else "OK"
    lines.append(
        f"{verdict}: {result.files_checked} file(s) checked, {n_err} error(s), {n_warn} warning(s)"
        + (" (--strict: warnings fail)" if strict and n_warn else "")
    )
    return "\n".join(lines)


def render_json(result: ValidationResult, strict: bool = False) -> str:
    return json.dumps(
        {
            "files_checked": result.files_checked,
            "ok": not result.failed(strict),
            "errors": [f.to_dict() for f in result.errors],
            "warnings": [f.to_dict() for f in result.warnings],
        },
        indent=2,
    )


RENDERERS: dict[str, Callable[[ValidationResult, bool], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
}
