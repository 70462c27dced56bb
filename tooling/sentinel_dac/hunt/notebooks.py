"""Executing investigation notebooks with parameters, the way papermill does, for CI and the CLI.

Notebooks live in `hunting/notebooks/` as jupytext percent-format `.py` files (reviewable diffs,
no outputs in git — outputs of a run on a real workspace are customer data). Running one reads it
with jupytext, inserts a cell tagged `injected-parameters` after the cell tagged `parameters`
(papermill's convention, so the notebook also runs under papermill unchanged), executes every cell
with nbclient on a Python kernel, and reports the figures each cell produced. A cell error stops the
run with the cell's source line and the exception, never a half-run "success".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SentinelDacError

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


class NotebookFailed(SentinelDacError):
    """A notebook cell raised, or the notebook has no parameters cell to inject into."""


@dataclass
class NotebookRun:
    path: Path
    notebook: Any
    figures: int
    figures_by_cell: dict[int, int]


def load_notebook(path: Path):
    import jupytext

    return jupytext.read(path)


def inject_parameters(nb, parameters: dict[str, Any]) -> None:
    """Papermill's rule: a new cell right after the `parameters` cell assigns the given values."""
    import nbformat

    index = next((i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise NotebookFailed("the notebook has no cell tagged 'parameters' to take the parameters")
    source = "# Parameters\n" + "".join(f"{k} = {_literal(v)}\n" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [INJECTED_TAG]})
    nb.cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    nb.cells.insert(index + 1, cell)


def _literal(value: Any) -> str:
    """Python source for a parameter value (str, number, bool, None, lists and dicts of them)."""
    return repr(value)


def run_notebook(
    path: Path,
    parameters: dict[str, Any] | None = None,
    cwd: Path | None = None,
    timeout: int = 600,
    out: Path | None = None,
) -> NotebookRun:
    """Execute `path` with `parameters`; write the executed notebook to `out` (.ipynb) when given."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    nb = load_notebook(path)
    if parameters:
        inject_parameters(nb, parameters)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd or path.parent)}}
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise NotebookFailed(f"{path}: a cell failed:\n{_short(exc)}") from None
    finally:
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, out)
    by_cell = {}
    for i, cell in enumerate(nb.cells):
        n = sum(1 for o in cell.get("outputs", []) if "image/png" in o.get("data", {}))
        if n:
            by_cell[i] = n
    return NotebookRun(path, nb, sum(by_cell.values()), by_cell)


def _short(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return "\n".join(lines[-12:])
