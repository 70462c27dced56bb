"""ARM templates from our API objects, deployable with `az deployment group create`.

The resource shapes are those of the portal's own "Export" of analytics rules and of
Microsoft's solution packages (workspace-nested names such as
`[concat(parameters('workspace'),'/Microsoft.SecurityInsights/<name>')]`, a `workspace`
parameter), which is also what Sentinel Repositories deploys. The bodies are exactly the ones
the REST path sends (same mapping functions), with workspace-dependent values as expressions.

Two layouts:
* `combined`: one `azuredeploy.json` with every object and `dependsOn`, so ARM creates
  watchlists and parsers before the rules that use them. Use this to deploy in order.
* `per-item`: one template per object (Sentinel Repositories deploys every template it finds);
  ARM cannot express order across templates, so these carry no `dependsOn`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import DeployError
from .objects import ApiObject, Kind, Placement

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
WORKSPACE = "parameters('workspace')"
PLACEMENT = Placement(
    source_id="[resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspace'))]",
    location="[parameters('workspace-location')]",
)
"""Where workspace-dependent body values point in a template."""
MANIFEST = ".sentinel-dac-export.json"
LAYOUTS = ("combined", "per-item")
FOLDERS = {
    Kind.SCHEDULED_RULE: "analytics-rules",
    Kind.NRT_RULE: "analytics-rules",
    Kind.HUNTING_QUERY: "hunting-queries",
    Kind.PARSER: "parsers",
    Kind.WATCHLIST: "watchlists",
    Kind.WORKBOOK: "workbooks",
}


def template(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {
            "workspace": {"type": "string", "metadata": {"description": "Name of the Log Analytics workspace"}},
            "workspace-location": {
                "type": "string",
                "defaultValue": "[resourceGroup().location]",
                "metadata": {"description": "Region of the workspace (workbooks are regional resources)"},
            },
        },
        "resources": resources,
    }


def resource(obj: ApiObject, with_depends_on: bool = True, known: set | None = None) -> dict[str, Any]:
    """One template resource for `obj`; `dependsOn` names only objects in `known` (same template)."""
    body = escape_expressions(obj.body)
    props = dict(body.get("properties") or {})
    res: dict[str, Any] = {"type": obj.resource.arm_type, "apiVersion": obj.api_version, "name": _name(obj)}
    if obj.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE):
        res["kind"] = body["kind"]
    elif obj.kind is Kind.WORKBOOK:
        res["kind"] = body["kind"]
        res["location"] = obj.body["location"]
        props["sourceId"] = obj.body["properties"]["sourceId"]  # an expression: not escaped
    elif obj.kind in (Kind.HUNTING_QUERY, Kind.PARSER):
        # Overwrite an existing saved search instead of failing with 409 (research notes §7.2, §9.5).
        props["etag"] = "*"
    res["properties"] = props
    deps = [resource_id(kind, name) for kind, name in obj.depends_on if known is None or (kind, name) in known]
    if with_depends_on and deps:
        res["dependsOn"] = deps
    return res


def resource_id(kind: Kind, name: str) -> str:
    if kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE, Kind.WATCHLIST):
        arm_type = "alertRules" if kind is not Kind.WATCHLIST else "watchlists"
        return (
            f"[resourceId('Microsoft.OperationalInsights/workspaces/providers/{arm_type}', "
            f"{WORKSPACE}, 'Microsoft.SecurityInsights', '{name}')]"
        )
    if kind in (Kind.HUNTING_QUERY, Kind.PARSER):
        return f"[resourceId('Microsoft.OperationalInsights/workspaces/savedSearches', {WORKSPACE}, '{name}')]"
    return f"[resourceId('Microsoft.Insights/workbooks', '{name}')]"


def _name(obj: ApiObject) -> str:
    if obj.kind is Kind.WORKBOOK:
        return obj.name
    if obj.resource.collection.startswith("providers/Microsoft.SecurityInsights/"):
        return f"[concat({WORKSPACE}, '/Microsoft.SecurityInsights/', '{obj.name}')]"
    return f"[concat({WORKSPACE}, '/', '{obj.name}')]"


def escape_expressions(value: Any) -> Any:
    """ARM evaluates a string that starts with `[` and ends with `]` as an expression; `[[` escapes it."""
    if isinstance(value, str):
        return "[" + value if value.startswith("[") and value.endswith("]") else value
    if isinstance(value, list):
        return [escape_expressions(v) for v in value]
    if isinstance(value, dict):
        return {k: escape_expressions(v) for k, v in value.items()}
    return value


def arm_templates(objects: list[ApiObject], layout: str = "combined") -> dict[str, dict[str, Any]]:
    """{relative file path: template} for `objects` (already in dependency order)."""
    if layout == "combined":
        known = {o.key for o in objects}
        return {"azuredeploy.json": template([resource(o, True, known) for o in objects])}
    if layout == "per-item":
        files: dict[str, dict[str, Any]] = {}
        for o in objects:
            stem = Path(o.source).name.split(".")[0] or o.name
            rel = f"{FOLDERS[o.kind]}/{stem}.json"
            if rel in files:
                rel = f"{FOLDERS[o.kind]}/{stem}-{o.name[:8]}.json"
            files[rel] = template([resource(o, with_depends_on=False)])
        return files
    raise DeployError(f"unknown layout '{layout}' (use one of: {', '.join(LAYOUTS)})")


def write_templates(files: dict[str, dict[str, Any]], out_dir: Path) -> list[Path]:
    """Write the templates; remove files a previous export wrote that are no longer produced.

    Never deletes what it did not write: a non-empty folder without our manifest is refused.
    """
    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST
    previous: list[str] = []
    if out_dir.exists():
        if not out_dir.is_dir():
            raise DeployError(f"{out_dir} exists and is not a folder")
        if manifest.is_file():
            previous = json.loads(manifest.read_text()).get("files", [])
        elif any(out_dir.iterdir()):
            raise DeployError(f"{out_dir} is not empty and holds no previous export; choose an empty or new folder")
    texts = {rel: json.dumps(t, indent=2, ensure_ascii=False) + "\n" for rel, t in files.items()}
    written = []
    for rel, text in texts.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    root = out_dir.resolve()
    for rel in previous:
        old = (out_dir / rel).resolve()
        if rel not in texts and root in old.parents and old.is_file():
            old.unlink()
    manifest.write_text(json.dumps({"files": sorted(texts)}, indent=2) + "\n")
    return written


def export_arm(project, out_dir: Path, layout: str = "combined") -> list[Path]:
    """Build every object of a validated project and write its ARM templates to `out_dir`."""
    from .mapping import build_objects

    files = arm_templates(build_objects(project, PLACEMENT), layout)
    return write_templates(files, out_dir)
