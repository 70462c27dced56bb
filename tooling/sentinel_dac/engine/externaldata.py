"""`externaldata(...)[url]` on the embedded engine: read from the project's recorded copy, never the network.

Community rules join lists published on the web (Azure IP ranges, built-in role ids, known OAuth apps).
Tests run offline, so a URL is answered from a local copy the project names in sentinel-dac.yaml:

    externaldata:
      "https://raw.githubusercontent.com/.../AzureBuiltInRole.csv": externaldata/AzureBuiltInRole.csv

The expression is replaced by a table holding the copy's records, typed by the query's own schema
(`externaldata(Name:type, ...)`) and read in the query's `format`
(https://learn.microsoft.com/kusto/query/externaldata-operator): `csv`/`tsv` (by position;
`ignoreFirstRecord=true` skips a header), `txt` (one line, one record, first column), `json`/
`multijson` (records by column name; one JSON object per record, an array of them, or several in a
row). A URL without a copy, or another format, is refused by name at the expression; a copy that
cannot be read fails the query naming the file and line. The ADX engine runs the original KQL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compat import string_value
from .errors import QueryFailed, UnsupportedKql
from .kqltypes import DUCKDB_TYPES, ValueTypeError, coerce, parse_datetime, parse_timespan
from .syntax import Parsed, _walk, tokens

FORMATS = ("csv", "tsv", "txt", "json", "multijson")
_TYPES = {"string", "int", "long", "real", "double", "bool", "boolean", "datetime", "date", "dynamic", "guid",
          "timespan", "time", "decimal"}  # fmt: skip
_ALIASES = {"double": "real", "boolean": "bool", "date": "datetime", "time": "timespan"}
_ZONE = re.compile(r"(Z|z|[+-]\d{2}:?\d{2})$")


@dataclass(frozen=True)
class ExternalSpec:
    """One externaldata expression: its local copies, declared columns and format."""

    urls: tuple[str, ...]
    files: tuple[Path, ...]
    columns: tuple[tuple[str, str], ...]
    format: str
    ignore_first: bool

    @property
    def table(self) -> str:
        digest = hashlib.sha1(repr((self.files, self.columns, self.format, self.ignore_first)).encode()).hexdigest()
        return f"__sdac_ext_{digest[:12]}"


def external_edits(parsed: Parsed, copies: dict[str, Path]) -> list[tuple[tuple[int, int, str], ExternalSpec]]:
    """Each externaldata expression as an edit naming its table, with what the table must hold."""
    out = []
    for node in _expressions(parsed):
        toks = tokens(node)
        spec = _spec(node, toks, copies)
        out.append(((toks[0].start, toks[-1].end, spec.table), spec))
    return out


def externaldata_urls(parsed: Parsed) -> list[tuple[str, int]]:
    """Every URL an externaldata expression reads, with the expression's offset (what `validate` checks)."""
    return [(url, tokens(node)[0].start) for node in _expressions(parsed) for url in _urls(node)]


def _expressions(parsed: Parsed):
    return (n for n in _walk(parsed.tree) if type(n).__name__ == "ExternalDataExpressionContext")


def _urls(node: Any) -> list[str]:
    return [_string(tokens(c)[0].text) for c in node.getChildren() if type(c).__name__.startswith("String")]


def _spec(node: Any, toks, copies: dict[str, Path]) -> ExternalSpec:
    children = list(node.getChildren())
    schema = next(c for c in children if type(c).__name__ == "RowSchemaContext")
    columns = _columns(tokens(schema))
    urls = _urls(node)
    options: dict[str, str] = {}
    for clause in (c for c in children if type(c).__name__ == "ExternalDataWithClauseContext"):
        for prop in (c for c in clause.getChildren() if type(c).__name__ == "ExternalDataWithClausePropertyContext"):
            ptoks = tokens(prop)
            options[ptoks[0].text.lower()] = _string(ptoks[-1].text) if ptoks[-1].text[-1:] in "'\"" else ptoks[-1].text
    fmt = options.get("format", "csv").lower()
    if fmt not in FORMATS:
        raise UnsupportedKql(
            f"externaldata format {fmt}",
            f"externaldata with format='{fmt}' is not supported by the embedded engine "
            f"(supported: {', '.join(FORMATS)})",
            toks[0].start,
        )
    files = []
    for url in urls:
        copy = copies.get(url)
        if copy is None:
            raise UnsupportedKql(
                "externaldata",
                f"externaldata reads {url} at run time and the embedded engine reads no network: record a copy "
                f'and name it in sentinel-dac.yaml (externaldata: {{"{url}": path/to/copy}})',
                toks[0].start,
            )
        files.append(copy)
    return ExternalSpec(tuple(urls), tuple(files), columns, fmt, options.get("ignorefirstrecord", "").lower() == "true")


def _columns(toks) -> tuple[tuple[str, str], ...]:
    inner = [t.text for t in toks[1:-1]]
    out = []
    for part in " ".join(inner).split(" , "):
        name, _, kind = (p.strip() for p in part.partition(" : "))
        kind = kind.lower()
        if kind not in _TYPES:
            raise UnsupportedKql("externaldata", f"externaldata column type '{kind}' is not supported", toks[0].start)
        out.append((name.strip("[]'\""), _ALIASES.get(kind, kind)))
    return tuple(out)


def _string(literal: str) -> str:
    """A KQL string literal's value; `h"..."` (obfuscated) reads as the literal after the `h`."""
    return string_value(literal.lstrip("hH")) or ""


def create_external_table(con: Any, spec: ExternalSpec) -> list[str]:
    """A temporary table (this connection's) with the copies' records; its column names."""
    from .duckdb_tables import insert_rows, q  # duckdb_tables imports prepare, which imports this module

    rows = [row for path in spec.files for row in _records(path, spec)]
    ddl = ", ".join(f"{q(n)} {DUCKDB_TYPES[t]}" for n, t in spec.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {q(spec.table)} ({ddl})")
    insert_rows(con, spec.table, list(spec.columns), iter(rows))
    return [n for n, _ in spec.columns]


def _records(path: Path, spec: ExternalSpec) -> list[list[Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise QueryFailed(f"externaldata copy {path}: cannot be read ({exc.strerror or exc})") from None
    if spec.format in ("json", "multijson"):
        return [_from_json(path, n, record, spec) for n, record in _json_records(path, text)]
    if spec.format == "txt":
        lines = [(n, [line]) for n, line in enumerate(text.splitlines(), start=1)]
    else:
        reader = csv.reader(io.StringIO(text), delimiter="\t" if spec.format == "tsv" else ",")
        lines = [(reader.line_num, record) for record in reader]
    if spec.ignore_first:
        lines = lines[1:]
    return [_from_text(path, n, fields, spec) for n, fields in lines if fields]


def _json_records(path: Path, text: str):
    decoder = json.JSONDecoder()
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise QueryFailed(f"externaldata copy {path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        line = text.count("\n", 0, at) + 1
        for record in value if isinstance(value, list) else [value]:
            yield line, record
        at = end


def _from_json(path: Path, line: int, record: Any, spec: ExternalSpec) -> list[Any]:
    if not isinstance(record, dict):
        raise QueryFailed(f"externaldata copy {path}:{line}: a {spec.format} record must be a JSON object")
    out = []
    for name, kind in spec.columns:
        value = record.get(name)
        try:
            out.append(coerce(value, kind))  # a missing string is "" (Kusto has no null string)
        except ValueTypeError as exc:
            raise QueryFailed(f"externaldata copy {path}:{line}: column {name} ({kind}): {exc}") from None
    return out


def _from_text(path: Path, line: int, fields: list[str], spec: ExternalSpec) -> list[Any]:
    out = []
    for i, (name, kind) in enumerate(spec.columns):
        text = fields[i] if i < len(fields) else ""
        try:
            out.append(_parse_text(text, kind))
        except (ValueError, ValueTypeError) as exc:
            raise QueryFailed(f"externaldata copy {path}:{line}: column {name} ({kind}): {exc}") from None
    return out


def _parse_text(text: str, kind: str) -> Any:
    """A CSV/TSV/TXT field as Kusto's ingestion reads it: empty is null except for strings."""
    if kind == "string":
        return text
    if text == "":
        return None
    if kind in ("int", "long"):
        return int(text)
    if kind in ("real", "decimal"):
        return float(text)
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ValueError(f"'{text}' is not a bool")
        return lowered in ("true", "1")
    if kind == "datetime":  # a timestamp without a zone is UTC, as Kusto reads it
        return parse_datetime(text if _ZONE.search(text.strip()) else text.strip() + "Z")
    if kind == "timespan":
        return parse_timespan(text)
    if kind == "dynamic":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text
