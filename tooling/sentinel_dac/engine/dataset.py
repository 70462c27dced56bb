"""Everything a query may read, independent of the engine that runs it.

A `DataSet` is the logs (typed rows per table, each with its ingestion time),
the watchlists `_GetWatchlist()` returns and the parsers (stored KQL
functions) a rule may call. Engines load it once; each simulated rule run then
only narrows what is visible (`Window`), so a backtest of thousands of runs
never copies the data again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from ..catalog.tables import TableCatalog, TableSchema
from ..content.model import FunctionParam, Parser, Watchlist
from ..content.watchlists import STATE_ALIAS, getwatchlist_schema, state_watchlist_columns
from .samples import SampleRow, TableSample


@dataclass
class TableData:
    schema: TableSchema
    rows: list[SampleRow] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    parts: list[TableSample] = field(default_factory=list)
    """The samples `rows` was made of, in order (empty when the rows were added otherwise)."""

    def identity(self) -> tuple | None:
        """What the rows are made of, for an engine to recognise a table it already holds; None if unknown.

        The same sample objects in the same order hold the same rows: samples are read once and
        not changed after (`testing.data.SampleCache` shares one object per file and delay).
        """
        if not self.parts or sum(len(p.rows) for p in self.parts) != len(self.rows):
            return None
        return tuple(id(p) for p in self.parts)

    @property
    def name(self) -> str:
        return self.schema.name


@dataclass(frozen=True)
class WatchlistData:
    """A watchlist as `_GetWatchlist(alias)` returns it: fixed columns, then the CSV's."""

    alias: str
    columns: tuple[tuple[str, str], ...]
    rows: tuple[dict[str, object], ...]

    @classmethod
    def from_watchlist(cls, wl: Watchlist, updated: datetime | None) -> WatchlistData:
        rows = []
        for i, item in enumerate(wl.rows):
            row: dict[str, object] = {
                "_DTItemId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"watchlist:{wl.alias}:{i}")),
                "LastUpdatedTimeUTC": updated,
                "SearchKey": item.get(wl.search_key, ""),
            }
            row.update({k: v for k, v in item.items() if k not in row})
            rows.append(row)
        return cls(wl.alias, tuple(getwatchlist_schema(wl)), tuple(rows))


@dataclass(frozen=True)
class FunctionDef:
    """A parser as a stored function: `name(params) { body }`."""

    name: str
    params: tuple[FunctionParam, ...]
    body: str
    source: Parser | None = None

    def definition(self, body: str | None = None) -> str:
        params = ", ".join(_param(p) for p in self.params)
        return f"function {self.name}({params}) {{ {self.body if body is None else body} }}"

    def let_statement(self, body: str | None = None) -> str:
        params = ", ".join(_param(p) for p in self.params)
        return f"let {self.name} = ({params}) {{ {self.body if body is None else body} }};"


def _param(p: FunctionParam) -> str:
    text = f"{p.name}:{p.type}"
    if p.default is None:
        return text
    default = p.default
    if p.type == "string" and not (default[:1] in "'\"" and default[-1:] == default[:1] and len(default) > 1):
        default = "'" + default.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return f"{text} = {default}"


def functions_from_parsers(parsers: list[Parser]) -> list[FunctionDef]:
    """One function per callable name (FunctionAlias, and FunctionName when it differs)."""
    out: list[FunctionDef] = []
    for p in parsers:
        for name in dict.fromkeys([p.function_alias, p.function_name]):
            out.append(FunctionDef(name, p.params, p.query, p))
    return out


@dataclass
class DataSet:
    catalog: TableCatalog
    tables: dict[str, TableData] = field(default_factory=dict)
    watchlists: dict[str, WatchlistData] = field(default_factory=dict)
    functions: list[FunctionDef] = field(default_factory=list)
    external: dict[str, Path] = field(default_factory=dict)
    """externaldata URL -> local copy (the project's `externaldata:`), for the embedded engine."""

    def add(self, sample: TableSample) -> None:
        schema = self.catalog.get(sample.table)
        if schema is None:
            raise ValueError(f"table {sample.table} is not in the catalogue")
        data = self.tables.setdefault(sample.table, TableData(schema))
        data.rows.extend(sample.rows)
        data.sources.append(sample.source)
        data.parts.append(sample)

    def add_watchlists(self, watchlists: list[Watchlist], updated: datetime | None) -> None:
        """The repository's watchlists, and deploy's state watchlist (empty) unless the repository has one."""
        for wl in watchlists:
            self.watchlists[wl.alias.casefold()] = WatchlistData.from_watchlist(wl, updated)
        self.watchlists.setdefault(
            STATE_ALIAS.casefold(), WatchlistData(STATE_ALIAS, tuple(state_watchlist_columns()), ())
        )

    def watchlist(self, alias: str) -> WatchlistData | None:
        return self.watchlists.get(alias.casefold())


@dataclass(frozen=True)
class Window:
    """Which rows a rule run sees.

    Scheduled runs: `start <= TimeGenerated < end` and ingested by
    `ingested_until` (the run's execution time, after Sentinel's delay).
    NRT runs: `ingested_after < ingestion time <= ingested_until`, no
    TimeGenerated limit. None means "no limit on that side".
    """

    start: datetime | None = None
    end: datetime | None = None
    ingested_after: datetime | None = None
    ingested_until: datetime | None = None

    def admits(self, row: SampleRow) -> bool:
        generated = row.values.get("TimeGenerated")
        if (self.start is not None or self.end is not None) and generated is None:
            return False
        if self.start is not None and generated < self.start:
            return False
        if self.end is not None and generated >= self.end:
            return False
        ingested = row.ingestion_time
        if self.ingested_after is not None and (ingested is None or ingested <= self.ingested_after):
            return False
        return not (self.ingested_until is not None and (ingested is None or ingested > self.ingested_until))

    def describe(self) -> str:
        from .kqltypes import format_datetime as f

        parts = []
        if self.start or self.end:
            parts.append(
                f"TimeGenerated in [{f(self.start) if self.start else '…'}, {f(self.end) if self.end else '…'})"
            )
        if self.ingested_after:
            parts.append(f"ingested after {f(self.ingested_after)}")
        if self.ingested_until:
            parts.append(f"ingested by {f(self.ingested_until)}")
        return ", ".join(parts) or "all rows"


ZERO = timedelta(0)
