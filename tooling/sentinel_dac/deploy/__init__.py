"""Deploy I: our content → the exact Azure API objects, their normal form, and ARM templates.

Public functions (used by the CLI, the emulator's tests and the deploy workflow of issue 11):

* `build_objects(project, placement)` → `[ApiObject]` in dependency order (mapping.py)
* one mapping function per kind: `scheduled_rule_body`, `nrt_rule_body` (rules.py),
  `hunting_query_body`, `parser_body` (savedsearches.py), `watchlist_body`, `item_bodies`
  (watchlists.py), `workbook_body` (workbooks.py)
* `normalise(kind, body)`, `normalise_items(items)` (normalise.py): the comparable form
* `arm_template(objects)`, `export_arm(project, out_dir)` (arm.py)
* `object_name(kind, content_id)` (names.py): deterministic UUID5 names
* API versions per kind and why: apiversions.py

Deploy II (issue 11), on top of these:

* `render.render_for_target(project, target)`: selection, parameters rendered into the KQL, overrides
* `doctor.doctor(...)`: rules against the target workspace's tables, columns, plans and data
* `plan.plan_target(...)` → `TargetPlan` (create/update/replace/unchanged/drifted/conflict/delete)
* `apply.apply_plan(...)`, `apply.prune_plan(...)`: writes and deletes, per-object results
* `ownership`: the `SentinelDacState` watchlist; `health`: SentinelHealth and AUTO DISABLED
* `workflow.run_targets(project, targets, mode, options)`: what the CLI calls
"""

from .mapping import build_objects
from .names import object_name
from .normalise import normalise, normalise_items
from .objects import ApiObject, Kind, Placement, WorkspaceRef

__all__ = [
    "ApiObject",
    "Kind",
    "Placement",
    "WorkspaceRef",
    "build_objects",
    "normalise",
    "normalise_items",
    "object_name",
]
