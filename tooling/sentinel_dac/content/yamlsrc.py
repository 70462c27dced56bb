"""YAML with source positions and duplicate-key detection.

PyYAML's loaders silently keep the last of two equal keys and forget where
each value came from. Content errors must point at a line, so we compose the
node tree with libyaml (fast) and build plain Python values ourselves,
recording the position of every value and key under its path (a tuple of
mapping keys and list indexes, e.g. ``("entityMappings", 0, "entityType")``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..findings import Finding

MAX_FILE_BYTES = 1024 * 1024
"""Content files are small (a rule's query is at most 10,000 characters);
anything larger is a mistake, and reading it whole would waste memory."""

YamlPath = tuple[str | int, ...]

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlainLoader(_Loader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps timestamps as the strings the author wrote.

    Sentinel fields such as `lastUpdatedDateTime` are strings in the API; a
    YAML timestamp turned into a datetime would fail schema checks.
    """


_PlainLoader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class NodeInfo:
    """Where one value sits in the file (1-based), and how it was written."""

    start: Pos
    end: Pos
    key: Pos | None
    style: str | None
    start_index: int
    end_index: int
    collection: bool = False


class YamlLoadError(Exception):
    """The file could not be turned into data; carries the findings."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings


@dataclass
class YamlDoc:
    """A loaded YAML document: its data, its text and where every value is."""

    path: Path
    display: str
    text: str
    data: Any
    nodes: dict[YamlPath, NodeInfo] = field(repr=False)
    findings: list[Finding] = field(default_factory=list)
    """Problems that did not stop loading (a duplicate key keeps its first value)."""

    def pos(self, path: YamlPath) -> Pos:
        """Position of the value at `path`, or of its nearest existing parent.

        A mapping or list is reported at its key (`customDetails:`), not at
        its first entry, since a problem with the whole is about the key.
        """
        for end in range(len(path), -1, -1):
            info = self.nodes.get(tuple(path[:end]))
            if info is not None:
                return info.key if info.collection and info.key is not None else info.start
        return Pos(1, 1)

    def key_pos(self, path: YamlPath) -> Pos:
        """Position of the key naming `path` (falls back to the value)."""
        info = self.nodes.get(tuple(path))
        if info is not None and info.key is not None:
            return info.key
        return self.pos(path)

    def scalar_offset_pos(self, path: YamlPath, offset: int) -> Pos:
        """Map a character offset inside a string value back to file line:column.

        Used to place KQL diagnostics: the parser reports offsets into the
        query string; the author needs the line in the YAML file. Works for
        plain, quoted and block scalars by walking the value and its source
        text side by side (indentation, line breaks and folding are the only
        differences for the styles content files use).
        """
        info = self.nodes.get(tuple(path))
        value = _get(self.data, path)
        if info is None or not isinstance(value, str):
            return self.pos(path)
        src = self.text
        i = info.start_index
        if info.style == "|":
            return _literal_pos(src, info, value, offset)
        if info.style == ">":
            nl = src.find("\n", i)  # skip the indicator line (">", ">-", ">+2" ...)
            i = len(src) if nl < 0 else nl + 1
        elif info.style in ("'", '"'):
            i += 1
        limit = min(offset, len(value))
        for ch in value[:limit]:
            j = _find_char(src, ch, i, info.end_index)
            if j < 0:
                break
            i = j + 1
        else:
            j = _find_char(src, value[limit], i, info.end_index) if limit < len(value) else i
            if j >= 0:
                i = j
        return _index_to_pos(src, i)


def _literal_pos(src: str, info: NodeInfo, value: str, offset: int) -> Pos:
    """Literal blocks keep lines 1:1: value line k is source line start+1+k."""
    lines = src[info.start_index : info.end_index].split("\n")
    body = next((ln for ln in lines[1:] if ln.strip()), "")
    indent = len(body) - len(body.lstrip(" "))
    before = value[: max(0, min(offset, len(value)))]
    line_in_value = before.count("\n")
    col_in_value = len(before) - (before.rfind("\n") + 1)
    return Pos(info.start.line + 1 + line_in_value, indent + col_in_value + 1)


def _find_char(src: str, ch: str, start: int, end: int) -> int:
    """Next occurrence of `ch`, skipping only layout (spaces, newlines)."""
    k = start
    while k < end and k < len(src):
        c = src[k]
        if c == ch:
            return k
        if ch in " \n" and c in " \n\r":
            # folded/plain scalars turn line breaks into spaces and back
            return k
        if c not in " \t\r\n":
            return -1
        k += 1
    return -1


def _index_to_pos(src: str, index: int) -> Pos:
    line = src.count("\n", 0, index) + 1
    col = index - (src.rfind("\n", 0, index) + 1) + 1
    return Pos(line, col)


def _get(data: Any, path: YamlPath) -> Any:
    for p in path:
        try:
            data = data[p]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def read_text(path: Path, display: str) -> str:
    """Read a content file as UTF-8 text, or raise YamlLoadError with a finding."""

    def fail(code: str, message: str) -> YamlLoadError:
        return YamlLoadError([Finding(display, 0, 0, code, message)])

    try:
        size = os.stat(path).st_size
        if size > MAX_FILE_BYTES:
            raise fail(
                "DAC106",
                f"file is {size / 1024 / 1024:.1f} MB; content files are limited to "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB",
            )
        raw = path.read_bytes()
    except YamlLoadError:
        raise
    except OSError as exc:
        raise fail("DAC100", f"cannot read file: {exc.strerror or exc}") from None
    if b"\x00" in raw:
        raise fail("DAC101", "file is binary (contains NUL bytes), not YAML text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail("DAC101", f"file is not UTF-8 text (invalid byte at offset {exc.start})") from None
    return text


def load_yaml(path: Path, display: str | None = None, text: str | None = None) -> YamlDoc:
    """Load one single-document YAML file whose top level must be a mapping."""
    display = display or str(path)
    if text is None:
        text = read_text(path, display)
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise YamlLoadError([Finding(display, 0, 0, "DAC104", "file is empty")])
    loader = _PlainLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.composer.ComposerError as exc:
            if "expected a single document" in str(exc):
                mark = exc.problem_mark
                line = mark.line + 1 if mark else 0
                raise YamlLoadError(
                    [Finding(display, line, 1, "DAC107", "file holds more than one YAML document ('---')")]
                ) from None
            raise
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            problem = exc.problem or str(exc)
            if exc.context:
                problem = f"{exc.context}: {problem}"
            raise YamlLoadError([Finding(display, line, col, "DAC102", f"YAML syntax error: {problem}")]) from None
        except yaml.YAMLError as exc:
            raise YamlLoadError([Finding(display, 0, 0, "DAC102", f"YAML error: {exc}")]) from None
        if node is None:
            raise YamlLoadError([Finding(display, 0, 0, "DAC104", "file is empty")])
        builder = _Builder(loader, display)
        data = builder.build(node, (), None)
    finally:
        loader.dispose()
    fatal = [f for f in builder.findings if f.code != "DAC103"]
    if fatal:
        raise YamlLoadError(builder.findings)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        raise YamlLoadError(
            [Finding(display, 1, 1, "DAC105", f"expected a mapping of fields at the top level, found {kind}")]
        )
    return YamlDoc(path=path, display=display, text=text, data=data, nodes=builder.nodes, findings=builder.findings)


class _Builder:
    """Turns a composed node tree into Python values plus a position index."""

    def __init__(self, loader: Any, display: str):
        self.loader = loader
        self.display = display
        self.nodes: dict[YamlPath, NodeInfo] = {}
        self.findings: list[Finding] = []

    def _info(self, node: yaml.Node, key: yaml.Node | None) -> NodeInfo:
        s, e = node.start_mark, node.end_mark
        return NodeInfo(
            start=Pos(s.line + 1, s.column + 1),
            end=Pos(e.line + 1, e.column + 1),
            key=Pos(key.start_mark.line + 1, key.start_mark.column + 1) if key is not None else None,
            style=getattr(node, "style", None),
            start_index=s.index,
            end_index=e.index,
            collection=isinstance(node, (yaml.MappingNode, yaml.SequenceNode)),
        )

    def build(self, node: yaml.Node, path: YamlPath, key: yaml.Node | None) -> Any:
        self.nodes[path] = self._info(node, key)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), None) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[Any, int] = {}
        for knode, vnode in node.value:
            line = knode.start_mark.line + 1
            if knode.tag == "tag:yaml.org,2002:merge":
                self.findings.append(
                    Finding(
                        self.display,
                        line,
                        knode.start_mark.column + 1,
                        "DAC108",
                        "YAML merge keys ('<<') are not supported in content files",
                    )
                )
                continue
            if not isinstance(knode, yaml.ScalarNode):
                self.findings.append(
                    Finding(
                        self.display, line, knode.start_mark.column + 1, "DAC108", "mapping keys must be plain strings"
                    )
                )
                continue
            k = self.loader.construct_object(knode, deep=True)
            if not isinstance(k, str):
                k = str(knode.value)
            if k in first_line:
                where = ".".join(str(p) for p in (*path, k))
                self.findings.append(
                    Finding(
                        self.display,
                        line,
                        knode.start_mark.column + 1,
                        "DAC103",
                        f"duplicate key '{where}' (first defined at line {first_line[k]}); "
                        "YAML parsers silently keep only the last one, Sentinel would too",
                        field=where,
                    )
                )
                continue
            first_line[k] = line
            out[k] = self.build(vnode, (*path, k), knode)
        return out
