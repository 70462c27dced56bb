"""KQL formatting through Kusto.Language's own formatter (the one the Kusto editors use).

`KustoCodeService.GetFormattedText()` with its default `FormattingOptions`: one pipe per line,
spaces around operators and after commas; comments are kept. Only `sentinel-dac fmt --kql` calls
it, and the caller checks the result means the same (`lifecycle.logic.normalise_query`).
"""

from __future__ import annotations

import importlib

from .runtime import load


def format_query(query: str) -> str:
    """The formatted text of `query` (trailing whitespace of each line removed)."""
    load()
    editor = importlib.import_module("Kusto.Language.Editor")
    text = str(editor.KustoCodeService(query).GetFormattedText().Text)
    return "\n".join(line.rstrip() for line in text.splitlines())


def has_syntax_errors(query: str) -> bool:
    kusto = load()
    code = kusto.language.KustoCode.Parse(query)
    return any(str(d.Severity) == "Error" for d in code.GetDiagnostics())
