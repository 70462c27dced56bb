"""`ID|FILE` → the hunting queries (or rules) to run, from the loaded project."""

from __future__ import annotations

from pathlib import Path

from ..content.model import AnalyticsRule, HuntingQuery
from ..errors import UsageError


def family_of(item: AnalyticsRule | HuntingQuery, project) -> str | None:
    """The item's family: its meta file's, else the folder it sits in under its content folder."""
    if item.meta is not None and item.meta.family:
        return item.meta.family
    try:
        rel = item.path.resolve().relative_to(project.root.resolve())
    except ValueError:
        return None
    return rel.parts[1] if len(rel.parts) > 2 else None


def select_items(project, ref: str | None, family: str | None = None, all_: bool = False):
    """Items named by id (any case), name, or file path; or every hunting query (of a family) with --all."""
    if all_:
        items = [h for h in project.hunting if family is None or family_of(h, project) == family]
        if not items:
            where = f" of family '{family}'" if family else ""
            raise UsageError(f"no hunting queries{where} in the project")
        return items
    if not ref:
        raise UsageError("name a hunting query or rule (ID, name or FILE), or use --all")
    items = project.items()
    path = Path(ref)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise UsageError(f"{ref}: no such file")
        wanted = path.resolve()
        found = [i for i in items if i.path.resolve() == wanted]
        if not found:
            problems = [f.render() for f in project.findings if Path(f.file).name == path.name]
            detail = ("; " + "; ".join(problems[:3])) if problems else ""
            raise UsageError(f"{ref}: not a valid hunting query or rule of the project{detail}")
        return found
    found = [i for i in items if i.id.lower() == ref.lower() or i.name == ref]
    if not found:
        raise UsageError(f"no hunting query or rule with id or name '{ref}' (see hunting/ and detections/)")
    return found
