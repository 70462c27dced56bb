"""The backtest's `DataSource` over a target workspace (`sentinel-dac backtest --target NAME`).

One query per rule per scheduled run would hit the query API's limits within minutes (a week of a
5-minute rule is 2,016 queries), so the tables the selected rules read are fetched once — projected
to the columns the rules use, split by time under the service's row and size limits
(`hunt.fetch`), throttling retried by the client — into temporary JSON Lines files, pseudonymised
when asked, and loaded through the same loader as `--data` (`FolderSource`), so the replay is
exactly the recorded-data backtest. A table the workspace lacks is a DAC900 warning (its rules are
then "no data", never quiet); a window capped at the smallest split is a DAC901 warning.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from ..catalog.tables import TableCatalog
from ..engine.embedded import EmbeddedEngine
from ..findings import Finding, Level
from ..hunt.errors import QueryRejected
from ..hunt.fetch import MIN_SPAN, TableRead
from ..hunt.record import NoRows, record_query
from .source import FolderSource, LoadResult

MISSING_TABLE = "Failed to resolve table"


class WorkspaceSource:
    def __init__(
        self,
        logs,
        reads: Iterable[TableRead],
        start: datetime,
        end: datetime,
        key: bytes | None = None,
        min_span: timedelta = MIN_SPAN,
    ) -> None:
        self.logs = logs
        self.reads = {r.table: r for r in reads}
        self.window = (start, end)
        self.key = key
        self.min_span = min_span
        target = logs.target
        scrubbed = ", pseudonymised" if key else ""
        self.description = f"target {target.name} (workspace {target.workspace_name}{scrubbed})"
        self.fetched: dict[str, int] = {}
        """Rows fetched per table (for the report and tests)."""

    def available(self, catalog: TableCatalog) -> tuple[dict[str, list[str]], list[Finding]]:
        """Every table the rules read may have data: asking costs a query each, loading finds out."""
        return {t: [self.description] for t in self.reads}, []

    def load(
        self, engine: EmbeddedEngine, tables: Iterable[str], delays: dict[str, timedelta], catalog: TableCatalog
    ) -> LoadResult:
        findings: list[Finding] = []
        with tempfile.TemporaryDirectory(prefix="sentinel-dac-backtest-") as tmp:
            folder = Path(tmp)
            fetched = []
            for table in sorted(set(tables)):
                read = self.reads.get(table) or TableRead(table, None, True)
                try:
                    recorded = record_query(
                        self.logs,
                        read.query(),
                        table,
                        self.window,
                        folder / f"{table}.jsonl",
                        catalog,
                        self.key,
                        self.min_span,
                        check=False,
                    )
                except NoRows:
                    self.fetched[table] = 0
                    continue
                except QueryRejected as exc:
                    if MISSING_TABLE not in str(exc):
                        raise
                    findings.append(
                        Finding(
                            self.description,
                            0,
                            0,
                            "DAC900",
                            f"table {table} does not exist in the workspace: rules reading it are not backtested",
                            level=Level.WARNING,
                        )
                    )
                    continue
                self.fetched[table] = recorded.rows
                fetched.append(table)
                findings += [
                    Finding(self.description, 0, 0, "DAC901", note, level=Level.WARNING) for note in recorded.notes
                ]
            result = FolderSource(folder, self.description).load(engine, fetched, delays, catalog)
        result.findings = findings + result.findings
        return result
