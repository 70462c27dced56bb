"""Which emulated resource a request path names."""

from __future__ import annotations

import re

from . import alertrules, loganalytics, watchlists, workbooks
from .http import ArmError, Request, Response
from .state import State

_SEG = r"([^/]+)"
WORKSPACE = re.compile(
    rf"^/subscriptions/{_SEG}/resourceGroups/{_SEG}/providers/Microsoft\.OperationalInsights/workspaces/{_SEG}(/.*)?$",
    re.I,
)
WORKBOOKS = re.compile(
    rf"^/subscriptions/{_SEG}/resourceGroups/{_SEG}/providers/Microsoft\.Insights/workbooks(?:/{_SEG})?/?$", re.I
)
SI = "/providers/microsoft.securityinsights/"


def route(state: State, req: Request) -> Response:
    m = WORKBOOKS.match(req.path)
    if m:
        return workbooks.handle(state, req, m.group(1), m.group(2), m.group(3))
    m = WORKSPACE.match(req.path)
    if not m:
        raise ArmError(404, "InvalidResourceType", f"The emulator does not serve '{req.path}'.")
    ws = state.workspace(m.group(1), m.group(2), m.group(3))
    rest = (m.group(4) or "").rstrip("/")
    parts = rest.split("/")[1:] if rest else []
    low = rest.lower()
    if not parts:
        return loganalytics.workspace(req, ws)
    if parts[0].lower() == "tables" and len(parts) <= 2:
        return loganalytics.tables(req, ws, parts[1] if len(parts) == 2 else None)
    if parts[0].lower() == "savedsearches" and len(parts) <= 2:
        return loganalytics.saved_searches(state, req, ws, parts[1] if len(parts) == 2 else None)
    if low.startswith(SI + "alertrules") and len(parts) <= 4:
        return alertrules.handle(state, req, ws, parts[3] if len(parts) == 4 else None)
    if low.startswith(SI + "watchlists"):
        if len(parts) <= 4:
            return watchlists.handle(state, req, ws, parts[3] if len(parts) == 4 else None, False, None)
        if parts[4].lower() == "watchlistitems" and len(parts) <= 6:
            return watchlists.handle(state, req, ws, parts[3], True, parts[5] if len(parts) == 6 else None)
    raise ArmError(404, "InvalidResourceType", f"The emulator does not serve '{req.path}'.")
