"""Workbooks → Microsoft.Insights/workbooks bodies (category "sentinel", linked to the workspace).

Sentinel lists a workbook under "My workbooks" when its category is `sentinel` and its
`sourceId` is the workspace's resource id; `kind` must be `shared` (the only value the API knows).
`serializedData` is the workbook JSON as one string; we write it canonically (sorted keys, no
whitespace) so the same workbook always produces the same bytes and a diff sees no noise.
"""

from __future__ import annotations

import json
from typing import Any

from ..content.model import Workbook
from .names import object_name
from .objects import ApiObject, Kind, Placement

CATEGORY = "sentinel"


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def workbook_body(workbook: Workbook, placement: Placement) -> dict[str, Any]:
    props: dict[str, Any] = {
        "displayName": workbook.display_name,
        "category": CATEGORY,
        "serializedData": canonical_json(workbook.data),
        "version": workbook.data.get("version", "Notebook/1.0"),
        "sourceId": placement.source_id,
    }
    if workbook.description:
        props["description"] = workbook.description
    return {"kind": "shared", "location": placement.location, "properties": props}


def workbook_object(workbook: Workbook, placement: Placement) -> ApiObject:
    return ApiObject(
        kind=Kind.WORKBOOK,
        name=object_name(Kind.WORKBOOK, workbook.id),
        content_id=workbook.id,
        source=workbook.display,
        body=workbook_body(workbook, placement),
        title=workbook.display_name,
    )
