"""`sentinel-dac fmt`: canonical YAML for content files, comments kept; KQL only on request.

YAML goes through ruamel.yaml's round-trip mode: comments, key order, quoting and block styles stay;
what changes is layout -- two-space mappings, sequences indented under their key (`  - x`, the
Azure-Sentinel style), no trailing spaces, one final newline. Long lines are never re-wrapped.

`--kql` also formats queries (rules, hunting queries, parser bodies) with Kusto.Language's formatter
(`kql.format`); it is off by default. Rules whose `.meta.yaml` names an `upstream` (imported
community content) are left byte for byte as imported -- YAML and KQL -- unless `--include-upstream`:
reformatting them would turn every later upstream update into a conflict.

Formatting never changes meaning, and this is checked rather than trusted: the re-read data must
equal the original, and a reformatted query must normalise to the same text (so the version
lock's logic hash does not move). A file that would fail either check is left alone and reported.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import LiteralScalarString
from ruamel.yaml.timestamp import TimeStamp

from ..content.load import FileKind, Project
from ..content.yamlsrc import YamlLoadError, load_yaml
from ..findings import Finding
from .logic import normalise_query

FORMATTED_KINDS = (
    FileKind.RULE,
    FileKind.HUNTING,
    FileKind.PARSER,
    FileKind.WATCHLIST,
    FileKind.META,
    FileKind.TESTS,
    FileKind.WORKBOOK_DEF,
)
QUERY_KEYS = {FileKind.RULE: "query", FileKind.HUNTING: "query", FileKind.PARSER: "FunctionQuery"}


class _Constructor(RoundTripConstructor):
    """Remembers how a timestamp was written (ruamel re-emits `…:52.71056Z` as `…:52.710560Z`)."""

    def construct_yaml_timestamp(self, node, values=None):
        data = super().construct_yaml_timestamp(node, values)
        if isinstance(data, TimeStamp):
            data._yaml["text"] = node.value
        return data


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


class _Representer(RoundTripRepresenter):
    def represent_datetime(self, data):
        text = getattr(data, "_yaml", {}).get("text")
        if text:
            return self.represent_scalar("tag:yaml.org,2002:timestamp", text)
        return super().represent_datetime(data)


_Representer.add_representer(TimeStamp, _Representer.represent_datetime)


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Constructor = _Constructor
    y.Representer = _Representer
    y.preserve_quotes = True
    y.width = 100_000  # never re-wrap a long line
    y.indent(mapping=2, sequence=4, offset=2)
    return y


@dataclass
class FileFormat:
    path: Path
    display: str
    original: str
    formatted: str
    notes: list[str] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return not self.problems and self.formatted != self.original


def format_yaml_text(text: str, query_key: str | None = None, kql: bool = False) -> str:
    """Canonical text of one YAML document; with `kql`, its query formatted too."""
    y = _yaml()
    data = y.load(text)
    if kql and query_key and isinstance(data, dict) and isinstance(data.get(query_key), str):
        from ..kql.format import format_query, has_syntax_errors

        query = str(data[query_key])
        if not has_syntax_errors(query):
            pretty = format_query(query)
            data[query_key] = LiteralScalarString(pretty + ("\n" if query.endswith("\n") else ""))
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def format_file(path: Path, display: str, query_key: str | None, kql: bool) -> FileFormat:
    original = path.read_text(encoding="utf-8")
    result = FileFormat(path, display, original, original)
    try:
        result.formatted = format_yaml_text(original, query_key, kql)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        result.problems.append(Finding(display, line, 1, "DAC810", f"cannot format: not valid YAML ({exc})"))
        return result
    result.problems.extend(_same_meaning(display, original, result.formatted, query_key))
    return result


def _same_meaning(display: str, before: str, after: str, query_key: str | None) -> list[Finding]:
    """Findings if the formatted text would read as different data (then nothing is written)."""
    try:
        old = load_yaml(Path(display), display, text=before).data
        new = load_yaml(Path(display), display, text=after).data
    except YamlLoadError as exc:
        return [f for f in exc.findings]
    if query_key and isinstance(old, dict) and isinstance(new, dict) and query_key in old:
        if normalise_query(str(old[query_key])) != normalise_query(str(new.get(query_key))):
            return [Finding(display, 1, 1, "DAC810", f"formatting would change {query_key}'s meaning; left alone")]
        old = {k: v for k, v in old.items() if k != query_key}
        new = {k: v for k, v in new.items() if k != query_key}
    if old != new:
        return [Finding(display, 1, 1, "DAC810", "formatting would change the data; left alone (please report)")]
    return []


def format_project(
    project: Project, selection: Iterable[Path] | None = None, kql: bool = False, include_upstream: bool = False
) -> list[FileFormat]:
    """Every content YAML file (or those under `selection`), formatted in memory."""
    chosen = [Path(p).resolve() for p in selection] if selection else None
    upstream = _upstream_items(project)
    results: list[FileFormat] = []
    for path, kind in sorted(project.files.items(), key=lambda pk: str(pk[0])):
        if kind not in FORMATTED_KINDS or path.suffix not in (".yaml", ".yml"):
            continue
        if chosen is not None and not any(path == c or c in path.parents for c in chosen):
            continue
        display = project.display(path)
        if path.resolve() in upstream and not include_upstream:
            original = path.read_text(encoding="utf-8")
            note = "left as imported: its .meta.yaml names an upstream (--include-upstream to format it)"
            results.append(FileFormat(path, display, original, original, notes=[note]))
            continue
        results.append(format_file(path, display, QUERY_KEYS.get(kind), kql))
    return results


def _upstream_items(project: Project) -> set[Path]:
    return {i.path.resolve() for i in project.items() if i.meta is not None and i.meta.raw.get("upstream")}


def write(results: Iterable[FileFormat]) -> list[FileFormat]:
    """Write every changed file; return them."""
    written = []
    for r in results:
        if r.changed:
            r.path.write_text(r.formatted, encoding="utf-8")
            written.append(r)
    return written


def check_findings(results: Iterable[FileFormat]) -> list[Finding]:
    """`fmt --check`: DAC810 for each file that is not canonical, plus problems."""
    out: list[Finding] = []
    for r in results:
        out.extend(r.problems)
        if r.changed:
            line = _first_difference(r.original, r.formatted)
            out.append(Finding(r.display, line, 1, "DAC810", "not in canonical format: run `sentinel-dac fmt`"))
    return out


def _first_difference(a: str, b: str) -> int:
    for n, (x, y) in enumerate(zip(a.splitlines(), b.splitlines(), strict=False), start=1):
        if x != y:
            return n
    return min(len(a.splitlines()), len(b.splitlines())) + 1
