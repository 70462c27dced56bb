"""Small helpers the investigation notebooks share (kept here so notebooks stay short and tested)."""

from __future__ import annotations

from pathlib import Path

from .errors import HuntError
from .logs import QueryOutcome
from .render import as_table


def family_hunts(source, project_root: str | Path, family: str | None) -> QueryOutcome:
    """Run every hunting query of `family` on `source`: one summary row per query (rows or error)."""
    from ..config import load_config
    from ..content.load import load_project
    from .select import family_of

    project = load_project(load_config(Path(project_root)))
    rows = []
    for item in project.hunting:
        if family is not None and family_of(item, project) != family:
            continue
        try:
            outcome = source.query(item.query)
            rows.append([item.name, len(outcome.rows), "ok"])
        except HuntError as exc:
            rows.append([item.name, None, str(exc)[:200]])
    return QueryOutcome(["query", "rows", "status"], ["string", "long", "string"], rows)


def show_table(outcome: QueryOutcome, limit: int = 30) -> None:
    if not outcome.rows:
        print("(no rows)")
        return
    print(as_table(outcome, limit))
