"""Watchlists: a YAML definition plus the CSV of items beside it.

The KQL validator needs each watchlist's columns (for `_GetWatchlist('alias')`)
and the simulator needs its rows, so watchlists are content like rules and
are checked as strictly: a row with an empty search key would match every
event in a `has_any`/`in` lookup, so it is an error, not a warning.
"""

from __future__ import annotations

import csv
import io

from ..findings import Finding, Level
from .model import Watchlist
from .yamlsrc import YamlDoc, YamlLoadError, read_text


def build_watchlist(doc: YamlDoc, display_of) -> tuple[Watchlist | None, list[Finding]]:
    """Read the CSV the definition names; return the watchlist and any problems."""
    d = doc.data
    csv_path = doc.path.parent / d["source"]
    csv_display = display_of(csv_path)
    src_pos = doc.pos(("source",))
    if not csv_path.is_file():
        return None, [
            Finding(
                doc.display,
                src_pos.line,
                src_pos.column,
                "DAC250",
                f"source file '{d['source']}' does not exist beside the definition",
                field="source",
            )
        ]
    try:
        text = read_text(csv_path, csv_display)
    except YamlLoadError as exc:
        return None, exc.findings
    columns, rows, findings = parse_items(text, csv_display, d["itemsSearchKey"])
    if findings and any(f.is_error for f in findings) and not columns:
        return None, findings
    if columns and d["itemsSearchKey"] not in columns:
        pos = doc.pos(("itemsSearchKey",))
        findings.append(
            Finding(
                doc.display,
                pos.line,
                pos.column,
                "DAC250",
                f"itemsSearchKey '{d['itemsSearchKey']}' is not a column of {d['source']} "
                f"(columns: {', '.join(columns)})",
                field="itemsSearchKey",
            )
        )
    wl = Watchlist(
        source=doc,
        alias=d["watchlistAlias"],
        display_name=d["displayName"],
        description=d["description"],
        provider=d["provider"],
        search_key=d["itemsSearchKey"],
        csv_path=csv_path,
        columns=tuple(columns),
        rows=tuple(rows),
    )
    return wl, findings


def parse_items(text: str, display: str, search_key: str) -> tuple[list[str], list[dict[str, str]], list[Finding]]:
    findings: list[Finding] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        return [], [], [Finding(display, 1, 1, "DAC250", f"CSV error: {exc}")]
    if not header or not any(h.strip() for h in header):
        return [], [], [Finding(display, 1, 1, "DAC250", "CSV has no header row")]
    columns = [h.strip() for h in header]
    seen: set[str] = set()
    for i, col in enumerate(columns, start=1):
        if not col:
            findings.append(Finding(display, 1, i, "DAC250", f"column {i} of the header has no name"))
        elif col in seen:
            findings.append(Finding(display, 1, i, "DAC250", f"column '{col}' appears twice in the header"))
        seen.add(col)
    key_index = columns.index(search_key) if search_key in columns else None
    rows: list[dict[str, str]] = []
    keys_seen: dict[str, int] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not values:  # a blank line; a line of bare commas is a real (empty) item
                continue
            if len(values) != len(columns):
                findings.append(
                    Finding(
                        display,
                        line,
                        1,
                        "DAC250",
                        f"row has {len(values)} values but the header has {len(columns)} columns",
                    )
                )
                continue
            if key_index is not None:
                key = values[key_index].strip()
                if not key:
                    findings.append(
                        Finding(
                            display,
                            line,
                            key_index + 1,
                            "DAC250",
                            f"empty search key '{search_key}': such a row would match everything",
                        )
                    )
                    continue
                if key in keys_seen:
                    findings.append(
                        Finding(
                            display,
                            line,
                            key_index + 1,
                            "DAC250",
                            f"search key '{key}' repeats line {keys_seen[key]}",
                            level=Level.WARNING,
                        )
                    )
                keys_seen.setdefault(key, line)
            rows.append(dict(zip(columns, values, strict=True)))
    except csv.Error as exc:
        findings.append(Finding(display, reader.line_num, 1, "DAC250", f"CSV error: {exc}"))
    return columns, rows, findings


GETWATCHLIST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_DTItemId", "string"),
    ("LastUpdatedTimeUTC", "datetime"),
    ("SearchKey", "string"),
)
"""Columns `_GetWatchlist('alias')` returns before the item's own (CSV) columns.

Sentinel's function reads the `Watchlist` table, keeps the latest version of
each item (`arg_max(_DTTimestamp, _DTItemStatus, LastUpdatedTimeUTC,
SearchKey, WatchlistItem) by _DTItemId`), drops deleted items and
`bag_unpack`s `WatchlistItem`, so the CSV columns appear as string columns
after these three and `WatchlistItem` itself is gone. Sources: the Sentinel docs
("Build queries or detection rules with watchlists",
learn.microsoft.com/azure/sentinel/watchlists-queries: "The SearchKey is shown as its
own column"), the Watchlist table reference for the types, and a Microsoft support
query reproducing the function (public code index, id 52276789526). The KQL
validator, the test engine and the emulator all use this one definition.
"""


STATE_ALIAS = "SentinelDacState"
STATE_COLUMNS = ("Key", "Kind", "Name", "ContentId", "Source", "Hash", "Etag", "AppliedUtc")
"""The watchlist `apply` keeps in every workspace it deploys to (deploy.ownership): one item per object
it owns. Queries may read it like any watchlist (the workbook maps alerts to our rules through it), so
the validator and the engine know it without a definition in the repository."""


def state_watchlist_columns() -> list[tuple[str, str]]:
    """What `_GetWatchlist('SentinelDacState')` returns."""
    fixed = [name for name, _ in GETWATCHLIST_COLUMNS]
    return [*GETWATCHLIST_COLUMNS, *((c, "string") for c in STATE_COLUMNS if c not in fixed)]


def getwatchlist_schema(watchlist: Watchlist) -> list[tuple[str, str]]:
    """The (column, KQL type) list `_GetWatchlist(alias)` returns for this watchlist.

    One definition for the KQL validator and the test engine. A CSV column
    named like a fixed column is not repeated (bag_unpack would clash).
    """
    fixed = [name for name, _ in GETWATCHLIST_COLUMNS]
    return [*GETWATCHLIST_COLUMNS, *((c, "string") for c in watchlist.columns if c not in fixed)]
