"""Semantic KQL checks: Kusto.Language's diagnostics as findings placed in the file.

`check_query` is the reusable unit: one query text, the file it lives in, and
a function mapping a character offset in the query to a file position. Rules,
hunting queries and parsers call it with their YAML positions
(`YamlDoc.scalar_offset_pos`); workbook queries can pass a JSON locator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..catalog.tables import TableCatalog
from ..content.model import AnalyticsRule, ContentItem, Parser
from ..content.yamlsrc import Pos
from ..findings import Finding, Level
from ..kql import Analysis, DiagnosticKind, Functions, Param, analyze
from ..kql.functions import parser_params
from .output_checks import check_output
from .sentinel_checks import check_sentinel_semantics

CODE_OF_KIND = {
    DiagnosticKind.SYNTAX: "DAC400",
    DiagnosticKind.UNKNOWN_TABLE: "DAC401",
    DiagnosticKind.UNKNOWN_NAME: "DAC402",
    DiagnosticKind.UNKNOWN_FUNCTION: "DAC403",
    DiagnosticKind.SEMANTIC: "DAC404",
    DiagnosticKind.ANALYZER_FAILURE: "DAC407",
}

Locate = Callable[[int], Pos]


@dataclass(frozen=True)
class QuerySource:
    """Where a query lives: the file shown to the user, its field, and offset -> position."""

    display: str
    field: str
    locate: Locate


def check_query(
    query: str,
    source: QuerySource,
    catalog: TableCatalog,
    functions: Functions,
    params: tuple[Param, ...] = (),
) -> tuple[Analysis, list[Finding]]:
    """Analyse one query; return the analysis and its diagnostics as findings."""
    analysis = analyze(query, catalog, functions, params)
    return analysis, diagnostic_findings(analysis, source, functions)


def diagnostic_findings(analysis: Analysis, source: QuerySource, functions: Functions) -> list[Finding]:
    out: list[Finding] = []
    for d in analysis.diagnostics:
        code = "DAC405" if d.severity == "warning" else CODE_OF_KIND[d.kind]
        level = Level.WARNING if d.severity == "warning" else Level.ERROR
        out.append(_at(source, d.start, code, f"{d.code}: {d.message}", level))
    for ref in analysis.watchlists:
        if ref.known:
            continue
        aliases = ", ".join(functions.watchlist_aliases()) or "none"
        if ref.alias is None:
            message = "_GetWatchlist needs the watchlist alias as a string literal so its columns can be checked"
            out.append(_at(source, ref.start, "DAC406", message, Level.WARNING))
            continue
        folded = [a for a in functions.watchlist_aliases() if a.casefold() == ref.alias.casefold()]
        if folded:
            message = (
                f"watchlist alias '{ref.alias}' differs in case from the repository's '{folded[0]}'; "
                "write it exactly as defined"
            )
            out.append(_at(source, ref.start, "DAC406", message, Level.WARNING))
            continue
        message = (
            f"no watchlist in the repository has alias '{ref.alias}' (defined aliases: {aliases}); "
            "the query would read an empty watchlist. Add watchlists/<alias>/watchlist.yaml with its CSV"
        )
        out.append(_at(source, ref.start, "DAC406", message))
    return out


def _at(source: QuerySource, offset: int, code: str, message: str, level: Level = Level.ERROR) -> Finding:
    pos = source.locate(offset)
    return Finding(source.display, pos.line, pos.column, code, message, level=level, field=source.field)


def item_source(item: ContentItem | Parser) -> QuerySource:
    return QuerySource(item.display, ".".join(map(str, item.query_path)), item.query_pos)


def check_item_kql(item: ContentItem, catalog: TableCatalog, functions: Functions) -> list[Finding]:
    """A rule or hunting query: diagnostics, output schema, and (rules) Sentinel's own semantics."""
    analysis, findings = check_query(item.query, item_source(item), catalog, functions)
    findings += check_output(item, analysis)
    if isinstance(item, AnalyticsRule):
        findings += check_sentinel_semantics(item, analysis)
    return findings


def check_parser_kql(parser: Parser, catalog: TableCatalog, functions: Functions) -> list[Finding]:
    """A parser's FunctionQuery, checked with its parameters in scope."""
    _, findings = check_query(parser.query, item_source(parser), catalog, functions, parser_params(parser))
    return findings


def check_project_kql(
    items: Iterable[ContentItem], parsers: Iterable[Parser], catalog: TableCatalog, functions: Functions
) -> list[Finding]:
    out: list[Finding] = []
    for item in items:
        out += check_item_kql(item, catalog, functions)
    for parser in parsers:
        out += check_parser_kql(parser, catalog, functions)
    return out
