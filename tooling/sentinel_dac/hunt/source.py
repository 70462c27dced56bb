"""Where a notebook's queries run: a target workspace (or the emulator), or recorded samples.

Investigation notebooks take their data source from parameters: with a target they query the
workspace through `WorkspaceLogs` (the emulator too, through the environment `sentinel-dac
emulate` prints); without one they run the same KQL on the embedded engine over recorded sample
files — the engine the rule tests use, so a notebook that works offline asks the same question
online. Both answer `QueryOutcome`s.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from ..engine import DataSet, EngineError, Window
from ..engine.samples import read_sample_file, resolve_table
from ..errors import SentinelDacError
from .errors import HuntError
from .logs import QueryOutcome
from .timespans import parse_timespan


class LogSource(Protocol):
    description: str

    def query(self, text: str) -> QueryOutcome: ...

    def close(self) -> None: ...


@dataclass
class SampleSource:
    """KQL on the embedded engine over sample files, `now()` at the end of the timespan."""

    engine: object
    window: tuple[datetime, datetime]
    description: str

    def query(self, text: str) -> QueryOutcome:
        start, end = self.window
        try:
            result = self.engine.run(text, end, Window(start, end))
        except EngineError as exc:
            raise HuntError(f"the query cannot run on the recorded samples: {exc}") from None
        return QueryOutcome(
            list(result.columns), list(result.types), [list(r) for r in result.rows], notes=result.notes
        )

    def close(self) -> None:
        self.engine.close()


@dataclass
class WorkspaceSource:
    logs: object
    window: tuple[datetime, datetime]
    description: str
    server_timeout: int = 180

    def query(self, text: str) -> QueryOutcome:
        outcome = self.logs.query(text, self.window, self.server_timeout)
        if outcome.partial_error:
            raise HuntError(f"partial result from {self.description}: {outcome.partial_error}")
        return outcome

    def close(self) -> None:
        self.logs.close()


def open_source(
    project_root: str | Path,
    target: str | None = None,
    samples: list[str] | tuple[str, ...] = (),
    timespan: str = "P7D",
) -> LogSource:
    """A target's workspace when `target` is set, else the embedded engine over `samples` (globs,
    relative to `project_root`). `timespan` as `--timespan` takes it (P7D, START/END)."""
    root = Path(project_root)
    window = parse_timespan(timespan)
    if target:
        from ..targets import load_targets, select_targets
        from .logs import WorkspaceLogs

        chosen = select_targets(load_targets(root), [target])[0]
        return WorkspaceSource(WorkspaceLogs(chosen), window, f"target {chosen.name} ({chosen.workspace_name})")
    return _sample_source(root, samples, window)


def _sample_source(root: Path, patterns, window) -> SampleSource:
    from ..catalog.tables import load_catalog
    from ..config import load_config
    from ..engine.embedded import EmbeddedEngine

    config = load_config(root)
    catalog, _ = load_catalog(config.paths.get("tables"), str)
    files = sorted({Path(p) for pattern in patterns for p in glob.glob(str(root / pattern))})
    if not files:
        raise SentinelDacError(f"no sample files match {list(patterns)} under {root}: give samples or a target")
    data = DataSet(catalog)
    for path in files:
        schema, problem = resolve_table(path, str(path), None, catalog)
        if problem is None:
            sample, findings = read_sample_file(path, str(path), schema)
            problem = next((f for f in findings if f.is_error), None)
        if problem is not None:
            raise SentinelDacError(f"{problem.file}:{problem.line}: {problem.code} {problem.message}")
        data.add(sample)
    engine = EmbeddedEngine()
    engine.load(data)
    return SampleSource(engine, window, f"{len(files)} recorded sample file(s) on the embedded engine")
