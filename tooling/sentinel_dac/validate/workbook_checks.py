"""Semantic KQL checks of a workbook's Log Analytics queries, placed at their line in the JSON.

The same unit as rules (`kql_checks.check_query`) with a JSON locator: the offset in the
expanded query goes back to the original query (`Expansion.original_offset`), then through
the JSON string's escapes to the file's line and column (json-source-map gives where each
value starts). A finding on a query with placeholders says which stand-ins it was checked with,
so an author can tell a real mistake from a stand-in that does not fit (fix: `checkParameters`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from json_source_map import calculate

from ..catalog.tables import TableCatalog
from ..content.model import Workbook
from ..content.workbook_queries import expand, logs_queries, parameters
from ..content.yamlsrc import Pos
from ..findings import Finding
from ..kql import Functions
from .kql_checks import QuerySource, check_query


def check_workbook_kql(workbook: Workbook, display: str, catalog: TableCatalog, functions: Functions) -> list[Finding]:
    """Every Log Analytics query of one workbook, findings in the workbook JSON file `display`."""
    queries = logs_queries(workbook.data)
    if not queries:
        return []
    source_map = calculate(workbook.text)
    declared = parameters(workbook.data)
    findings: list[Finding] = []
    for wq in queries:
        expansion = expand(wq.query, declared, workbook.check_parameters)
        string_at = json_string_locator(workbook.text, source_map[wq.pointer].value_start.position)

        def locate(offset: int, expansion=expansion, string_at=string_at) -> Pos:
            return string_at(expansion.original_offset(offset))

        source = QuerySource(display, wq.pointer, locate)
        _, found = check_query(expansion.text, source, catalog, functions)
        if expansion.standins:
            note = f" (checked with {', '.join(expansion.standins)}; set checkParameters in the definition to change)"
            found = [_with_suffix(f, note) for f in found]
        findings.extend(found)
    return findings


def json_string_locator(text: str, quote_at: int) -> Callable[[int], Pos]:
    """Map an offset in a decoded JSON string (opening quote at `quote_at`) to its 1-based position."""
    raw_of: list[int] = []
    i = quote_at + 1
    while i < len(text) and text[i] != '"':
        raw_of.append(i)
        if text[i] != "\\":
            i += 1
        elif text[i + 1] == "u":
            high = int(text[i + 2 : i + 6], 16)
            is_pair = 0xD800 <= high < 0xDC00 and text.startswith("\\u", i + 6)
            i += 12 if is_pair else 6
        else:
            i += 2
    raw_of.append(i)
    line_start = text.rfind("\n", 0, quote_at) + 1
    line = text.count("\n", 0, quote_at) + 1

    def locate(offset: int) -> Pos:
        raw = raw_of[min(max(offset, 0), len(raw_of) - 1)]
        return Pos(line, raw - line_start + 1)

    return locate


def _with_suffix(finding: Finding, suffix: str) -> Finding:
    return replace(finding, message=finding.message + suffix)
