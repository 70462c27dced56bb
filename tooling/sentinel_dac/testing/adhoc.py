"""Any KQL over recorded samples on the embedded engine: a local Log Analytics for authors.

`sentinel-dac query` and the real-world corpus test (tests/test_corpus_engine.py) call these
functions. Every table of the catalogue exists (empty unless a sample file fills it), the
project's watchlists and parsers are loaded, `now()` is pinned. KQL the engine lacks ends in
`QueryUnsupported` ("unsupported: <construct> at file:line:col"), anything else in `QueryError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..content.load import Project
from ..content.yamlsrc import Pos
from ..engine.base import describe_construct
from ..engine.dataset import DataSet, functions_from_parsers
from ..engine.embedded import EmbeddedEngine
from ..engine.errors import EngineError, UnsupportedKql
from ..engine.results import QueryResult
from ..errors import SentinelDacError
from .data import SampleCache


class QueryUnsupported(SentinelDacError):
    """The query uses KQL the embedded engine does not run (exit 3)."""

    exit_code = 3

    def __init__(self, message: str, construct: str):
        super().__init__(message)
        self.construct = construct


class QueryError(SentinelDacError):
    """The query, its file or its data is wrong (exit 1)."""


@dataclass(frozen=True)
class AdhocQuery:
    text: str
    display: str  # where the text comes from: a file, or "<query>" for text on the command line
    pos: Callable[[int], Pos]  # file position of an offset in `text`


def inline_query(text: str) -> AdhocQuery:
    def pos(offset: int) -> Pos:
        before = text[:offset]
        return Pos(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)

    return AdhocQuery(text, "<query>", pos)


def item_query(item) -> AdhocQuery:
    """The query of a loaded analytics rule or hunting query, positions in its YAML file."""
    return AdhocQuery(item.query, item.display, item.query_pos)


def file_query(project: Project, path: Path) -> AdhocQuery:
    wanted = path.resolve()
    for item in project.items():
        if item.source.path.resolve() == wanted:
            return item_query(item)
    problems = [f.render() for f in project.findings if f.file == project.display(path) and f.is_error]
    detail = "; ".join(problems[:3]) or "not an analytics rule or hunting query with a query"
    raise QueryError(f"{project.display(path)}: cannot read a query from this file: {detail}")


def load_data(project: Project, data_dir: Path | None) -> DataSet:
    """The project's catalogue, watchlists and parsers, plus every `<name>.<Table>.jsonl` in `data_dir`."""
    dataset = DataSet(project.catalog)
    if data_dir is not None:
        if not data_dir.is_dir():
            raise QueryError(f"--data {data_dir}: not a directory")
        cache = SampleCache(project)
        files = sorted(data_dir.rglob("*.jsonl"))
        if not files:
            raise QueryError(f"--data {data_dir}: no sample files (<name>.<Table>.jsonl)")
        for path in files:
            sample, findings = cache.file(path, None, None)
            errors = [f for f in findings if f.is_error]
            if errors:
                raise QueryError("; ".join(f.render() for f in errors[:5]))
            if sample is not None:
                dataset.add(sample)
    dataset.add_watchlists(project.watchlists, updated=None)
    dataset.external = dict(project.config.external_data)
    dataset.functions = functions_from_parsers(project.parsers)
    return dataset


def run_adhoc(query: AdhocQuery, dataset: DataSet, now: datetime, engine: EmbeddedEngine | None = None) -> QueryResult:
    """Run `query` on `dataset` with now() = `now`; refusals and failures carry file:line:col."""
    own = engine is None
    engine = engine or EmbeddedEngine()
    try:
        if engine.data is not dataset:  # many queries over one data set (the corpus test): load once
            engine.load(dataset)
        return engine.run(query.text, now)
    except UnsupportedKql as exc:
        raise QueryUnsupported(
            f"unsupported: {describe_construct(exc.construct)} at {_where(query, exc)}: {exc.message}", exc.construct
        ) from None
    except EngineError as exc:
        raise QueryError(f"{_where(query, exc)}: {exc.message}") from None
    finally:
        if own:
            engine.close()


def _where(query: AdhocQuery, exc: EngineError) -> str:
    if exc.function:
        return f"parser {exc.function}"
    if exc.offset is None:
        return query.display
    pos = query.pos(exc.offset)
    return f"{query.display}:{pos.line}:{pos.column}"
