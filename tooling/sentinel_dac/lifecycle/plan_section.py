"""The deploy plan as a section of `sentinel-dac diff`: the hook `lifecycle.diff.build_diff` takes.

It runs issue 11's `deploy.workflow.run_targets(..., "plan")` -- the same function as
`sentinel-dac plan`, read-only -- on the head content, and renders per target the counts and the
objects that would change. A target that cannot be reached is reported in the section, not raised:
the rest of the PR comment still matters.
"""

from __future__ import annotations

from ..content.load import Project
from ..deploy.plan import Action
from ..deploy.workflow import Options, TargetRun, run_targets
from ..targets import Target
from .diff import PlanHook, PlanSection

_ORDER = [Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE, Action.DRIFTED, Action.CONFLICT]


def plan_hook(targets: list[Target], options: Options | None = None) -> PlanHook:
    def hook(project: Project) -> PlanSection:
        errors = [f for f in project.findings if f.is_error]
        if errors:
            return PlanSection(f"Not planned: {len(errors)} content file(s) do not load (see `sentinel-dac validate`).")
        runs = run_targets(project, targets, "plan", options or Options(run_doctor=False))
        return PlanSection(render_runs(runs), {"targets": [r.to_dict() for r in runs]})

    return hook


def render_runs(runs: list[TargetRun]) -> str:
    head = "| target | " + " | ".join(a.value for a in _ORDER) + " | unchanged |"
    lines = [head, "|---" * (len(_ORDER) + 2) + "|"]
    details: list[str] = []
    for r in runs:
        if r.plan is None:
            lines.append(f"| {r.target.name} | " + " | ".join("—" for _ in _ORDER) + " | — |")
            details.append(f"- :x: **{r.target.name}**: {r.error or 'not planned'}")
            continue
        counts = r.plan.counts()
        lines.append(
            f"| {r.target.name} | " + " | ".join(str(counts[a.value]) for a in _ORDER) + f" | {counts['unchanged']} |"
        )
        for c in r.plan.changes:
            if c.action is Action.UNCHANGED:
                continue
            extra = f" ({', '.join(c.fields)})" if c.fields else (f" ({c.reason})" if c.reason else "")
            details.append(f"- {r.target.name}: {c.action.value} {c.kind.value} **{c.title or c.name}**{extra}")
    return "\n".join(lines + (["", *details] if details else [])) + "\n"
