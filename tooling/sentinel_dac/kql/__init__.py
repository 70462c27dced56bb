"""KQL semantics through Microsoft's Kusto.Language (via kustology), loaded lazily.

Public API (used by validate, and by the test engine, emulator and doctor):

- `analyze(query, catalog, functions, params) -> Analysis`: diagnostics,
  referenced tables/columns/functions, the output schema, and the syntax facts
  Sentinel checks need (time filters, watchlist calls, `search`/`union *`).
- `Functions`, `FunctionDecl`, `Param`: what a query may call besides tables;
  `project_functions(project)` builds them from a loaded project.
- `KqlUnavailableError`: the parser cannot be loaded (validation must fail).
- `runtime.load()`: start the parser explicitly (benchmarks time it).

Importing this package does not start .NET; the first `analyze()` does.
"""

from __future__ import annotations

from .analysis import Analysis, Diagnostic, DiagnosticKind, TimeFilter, WatchlistRef, analyze
from .functions import project_functions
from .runtime import KqlUnavailableError, load
from .symbols import WATCHLIST_COLUMNS, FunctionDecl, Functions, Param

__all__ = [
    "WATCHLIST_COLUMNS",
    "Analysis",
    "Diagnostic",
    "DiagnosticKind",
    "FunctionDecl",
    "Functions",
    "KqlUnavailableError",
    "Param",
    "TimeFilter",
    "WatchlistRef",
    "analyze",
    "load",
    "project_functions",
]
