"""Where a backtest's logs come from: the `DataSource` interface and its folder implementation.

A data source puts the rows of each table a backtest needs into the embedded
engine once (`EmbeddedEngine` stores a table once; every rule run only swaps
the view over it) and describes what it loaded (`TableStats`): row counts,
time span, and the sorted times the replay uses to skip runs over empty
windows. Two sources are planned:

* `FolderSource` (here): a folder of recorded-sample JSON Lines files,
  `<Table>.jsonl` or `<anything>.<Table>.jsonl`, as the test cases use.
* a live workspace (`--target NAME`, with the hunting issue): the same
  interface over the workspace's history, fetched with the workspace client.

Bad data is reported as findings (file, line, column), never loaded half-way.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from ..catalog.tables import TableCatalog
from ..engine.embedded import EmbeddedEngine
from ..engine.samples import table_from_filename
from ..findings import Finding, Level

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


@dataclass
class TableStats:
    """What one table holds after loading: counts, span, and sorted times (epoch microseconds)."""

    name: str
    rows: int = 0
    files: list[str] = field(default_factory=list)
    generated: list[int] = field(default_factory=list)
    """TimeGenerated of every row, sorted (empty when the table has no TimeGenerated)."""
    ingested: list[int] = field(default_factory=list)
    """Ingestion time of every row, sorted."""

    @property
    def first(self) -> datetime | None:
        return from_us(self.generated[0]) if self.generated else None

    @property
    def last(self) -> datetime | None:
        return from_us(self.generated[-1]) if self.generated else None

    def generated_in(self, start: datetime, end: datetime) -> int:
        """Rows with start <= TimeGenerated < end."""
        return bisect.bisect_left(self.generated, to_us(end)) - bisect.bisect_left(self.generated, to_us(start))

    def ingested_in(self, after: datetime, until: datetime) -> int:
        """Rows with after < ingestion time <= until."""
        return bisect.bisect_right(self.ingested, to_us(until)) - bisect.bisect_right(self.ingested, to_us(after))


@dataclass
class LoadResult:
    tables: dict[str, TableStats] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.is_error for f in self.findings)


class DataSource(Protocol):
    """Logs for a backtest. `available()` is cheap (no rows read); `load()` reads the named tables once."""

    description: str

    def available(self, catalog: TableCatalog) -> tuple[dict[str, list[str]], list[Finding]]:
        """Tables with data → where it comes from (file names, or the workspace), and problems seen."""

    def load(
        self, engine: EmbeddedEngine, tables: Iterable[str], delays: dict[str, timedelta], catalog: TableCatalog
    ) -> LoadResult:
        """Put each table's rows into `engine` (already holding the project's watchlists and parsers)."""


class FolderSource:
    """A folder of JSON Lines files named `<Table>.jsonl` or `<anything>.<Table>.jsonl` (recursively)."""

    def __init__(self, folder: Path, display: str | None = None) -> None:
        self.folder = folder
        self.display_root = display or str(folder)
        self.description = f"folder {self.display_root}"

    def files(self) -> list[Path]:
        return sorted(p for p in self.folder.rglob("*.jsonl") if p.is_file())

    def display(self, path: Path) -> str:
        return f"{self.display_root.rstrip('/')}/{path.relative_to(self.folder).as_posix()}"

    def available(self, catalog: TableCatalog) -> tuple[dict[str, list[str]], list[Finding]]:
        out: dict[str, list[str]] = {}
        findings: list[Finding] = []
        if not self.folder.is_dir():
            return out, [Finding(self.display_root, 0, 0, "DAC700", "the data folder does not exist")]
        files = self.files()
        if not files:
            findings.append(
                Finding(
                    self.display_root,
                    0,
                    0,
                    "DAC700",
                    "no *.jsonl files in the data folder (name them <Table>.jsonl or <anything>.<Table>.jsonl)",
                )
            )
        for path in files:
            table = table_from_filename(path)
            if catalog.get(table) is None:
                findings.append(
                    Finding(
                        self.display(path),
                        0,
                        0,
                        "DAC501",
                        f"skipped: unknown table '{table}' (taken from the file name); name files <Table>.jsonl "
                        "or <anything>.<Table>.jsonl, or add the table's schema to the project's tables folder",
                        Level.WARNING,
                    )
                )
                continue
            out.setdefault(table, []).append(str(path))
        return out, findings

    def load(
        self, engine: EmbeddedEngine, tables: Iterable[str], delays: dict[str, timedelta], catalog: TableCatalog
    ) -> LoadResult:
        from .jsonl import load_table

        available, findings = self.available(catalog)
        result = LoadResult(findings=[f for f in findings if f.code != "DAC700"])
        for table in sorted(set(tables)):
            paths = [Path(p) for p in available.get(table, [])]
            if not paths:
                continue
            delay = delays.get(table, delays.get("default", timedelta(0)))
            stats, problems = load_table(engine, catalog.get(table), paths, self.display, delay)
            result.findings.extend(problems)
            if stats is not None:
                result.tables[table] = stats
        return result
