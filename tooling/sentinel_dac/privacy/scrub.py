"""Scrubbing rows and sample files: every string and dynamic value of a row, by shape and column name.

Order per string value: a value that *is* an address, e-mail, GUID, resource id or URL gets that
kind's pseudonym; else a column whose name says prompt/user/host/resource gets a placeholder or a
name pseudonym; else the text is kept but secrets inside it are redacted and addresses, e-mails,
GUIDs, resource ids and URLs inside it are replaced by the same pseudonyms as whole values (so a
`has` match on an address still meets its pseudonym). Non-string scalars (numbers, booleans,
datetimes) are kept: they carry the behaviour rules look at, not identities.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..catalog.tables import TableSchema
from ..engine.samples import INGESTION_KEY
from .classify import HOST, PROMPT, RESOURCE, USER, column_kind
from .pseudonyms import EMAIL, GUID, RESOURCE_ID, URL, Pseudonyms
from .report import MaskingReport
from .secrets import redact_secrets

_INLINE = re.compile(
    r"(?P<url>\bhttps?://[^\s\"'<>\]\)]+)"
    r"|(?P<rid>/subscriptions/[^\s\"',;<>\]\)]+)"
    r"|(?P<email>\b[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b)"
    r"|(?P<guid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)"
    r"|(?P<kv>\b(?:host|hostname|computer|machine|device|user|username|upn|account)=(?P<kvvalue>[^\s;,&\"']+))"
    r"|(?P<ip4>(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]))"
    r"|(?P<ip6>(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![0-9A-Fa-f:]))"
)
_IP_CHARS = re.compile(r"^[0-9A-Fa-f:.%a-z]*[.:][0-9A-Fa-f:.%a-z]*$")
"""Could be an IPv4/IPv6 address (checked properly by `ipaddress`; this only skips the obvious non-addresses)."""
_PROMPT_KEYS = frozenset({"content", "text", "prompt", "completion", "input", "output", "arguments", "message"})


MEMO_LIMIT = 200_000
"""Distinct (column, value) answers remembered: logs repeat values (operations, callers, vaults) endlessly."""


class Scrubber:
    def __init__(self, key: bytes):
        self.p = Pseudonyms(key)
        self._memo: dict[tuple[str, str | None, str], tuple[str, MaskingReport]] = {}

    # -- rows --------------------------------------------------------------------------------------------------
    def row(self, raw: dict[str, Any], schema: TableSchema | None, report: MaskingReport) -> dict[str, Any]:
        types = schema.column_types() if schema else {}
        out: dict[str, Any] = {}
        for column, value in raw.items():
            kql_type = types.get(column, "dynamic" if isinstance(value, dict | list) else "string")
            if column == INGESTION_KEY or kql_type not in ("string", "dynamic", "guid"):
                out[column] = value
            else:
                out[column] = self.value(value, column, column_kind(column), report)
        report.rows += 1
        return out

    def value(self, value: Any, column: str, kind: str | None, report: MaskingReport) -> Any:
        if isinstance(value, str):
            return self.text(value, column, kind, report)
        if isinstance(value, dict):
            return {k: self.value(v, f"{column}.{k}", self._child_kind(kind, k), report) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, f"{column}[]", kind, report) for v in value]
        return value

    def _child_kind(self, parent: str | None, key: str) -> str | None:
        own = column_kind(key)
        if parent == PROMPT:
            return PROMPT if key.lower() in _PROMPT_KEYS else own
        return own or parent

    # -- one string -------------------------------------------------------------------------------------------
    def text(self, value: str, column: str, kind: str | None, report: MaskingReport) -> str:
        key = (column, kind, value)
        hit = self._memo.get(key)
        if hit is None:
            local = MaskingReport()
            hit = (self._text(value, column, kind, local), local)
            if len(self._memo) < MEMO_LIMIT:
                self._memo[key] = hit
        out, counts = hit
        report.merge(counts)
        return out

    def _text(self, value: str, column: str, kind: str | None, report: MaskingReport) -> str:
        if not value.strip():
            return value
        whole = self._whole(value)
        if whole is not None:
            shape, masked = whole
            if masked != value:
                report.count(column, shape)
            return masked
        if kind == PROMPT:
            report.count(column, "prompt-placeholder")
            return self.p.placeholder("text", value)
        if kind in (USER, HOST, RESOURCE):
            report.count(column, f"{kind}-name")
            return self.p.name(kind, value)
        return self._free_text(value, column, report)

    def _whole(self, value: str) -> tuple[str, str] | None:
        text = value.strip()
        if text != value or " " in text:
            return None
        if _IP_CHARS.match(text):
            try:
                ipaddress.ip_address(text)
                return "ip", self.p.ip(text)
            except ValueError:
                pass
        if EMAIL.match(text):
            return "email", self.p.email(text)
        if GUID.match(text):
            return "guid", self.p.guid(text)
        if RESOURCE_ID.match(text):
            return "resource-id", self.p.resource_id(text)
        if URL.match(text):
            return "url", self.p.url(redact_secrets(text))
        return None

    def _free_text(self, value: str, column: str, report: MaskingReport) -> str:
        found: Counter[str] = Counter()
        text = redact_secrets(value, found)
        for kind, n in found.items():
            report.masked[column][f"secret:{kind}"] += n

        def replace(m: re.Match[str]) -> str:
            token, group = m.group(0), m.lastgroup
            try:
                if group == "url":
                    masked = self.p.url(token)
                elif group == "rid":
                    masked = self.p.resource_id(token)
                elif group == "email":
                    masked = self.p.email(token)
                elif group == "guid":
                    masked = self.p.guid(token)
                elif group == "kv":
                    name, _, text = token.partition("=")
                    whole = self._whole(text)
                    kind = HOST if name.lower() in ("host", "hostname", "computer", "machine", "device") else USER
                    masked = f"{name}={whole[1] if whole else self.p.name(kind, text)}"
                else:
                    masked = self.p.ip(token)
            except ValueError:
                return token
            if masked != token:
                report.count(column, f"inline-{group}")
            return masked

        text = _INLINE.sub(replace, text)
        if text == value:
            report.keep(column, value)
        return text


def scrub_rows(
    rows: Iterable[dict[str, Any]], schema: TableSchema | None, key: bytes
) -> tuple[list[dict[str, Any]], MaskingReport]:
    scrubber, report = Scrubber(key), MaskingReport()
    return [scrubber.row(r, schema, report) for r in rows], report


def scrub_file(source: Path, target: Path, schema: TableSchema | None, key: bytes) -> MaskingReport:
    """Scrub a JSONL sample file into `target`, written whole or not at all (temporary file, then rename)."""
    from ..errors import SentinelDacError

    scrubber, report = Scrubber(key), MaskingReport()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out, source.open(encoding="utf-8-sig") as handle:
            for lineno, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SentinelDacError(f"{source}:{lineno}:{exc.colno}: DAC500 invalid JSON: {exc.msg}") from None
                if not isinstance(raw, dict):
                    raise SentinelDacError(f"{source}:{lineno}:1: DAC500 each line must be one JSON object (a row)")
                out.write(json.dumps(scrubber.row(raw, schema, report), ensure_ascii=False) + "\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return report


def default_output(source: Path) -> Path:
    """`dir/x.AZKVAuditLogs.jsonl` → `dir/x.scrubbed.AZKVAuditLogs.jsonl` (still named for its table)."""
    name = source.name[: -len(".jsonl")] if source.name.endswith(".jsonl") else source.stem
    head, _, table = name.rpartition(".")
    return source.with_name(f"{head + '.' if head else ''}scrubbed.{table}.jsonl")


def scrub_sample(
    source: Path, target: Path | None, catalog, key: bytes, table: str | None = None
) -> tuple[Path, MaskingReport]:
    """Scrub a recorded sample file, typed by its table (from the file name or `table`)."""
    from ..engine.samples import resolve_table
    from ..errors import SentinelDacError, UsageError

    if not source.is_file():
        raise UsageError(f"{source}: no such sample file")
    schema, problem = resolve_table(source, str(source), table, catalog)
    if problem is not None:
        raise SentinelDacError(f"{problem.file}: {problem.code} {problem.message}")
    target = target or default_output(source)
    if target.resolve() == source.resolve():
        raise UsageError(f"{source}: the output would overwrite the input; give --out")
    return target, scrub_file(source, target, schema, key)
