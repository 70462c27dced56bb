"""plan / apply / prune against the emulator with real SDK clients over HTTPS."""

from __future__ import annotations

from deploy_helpers import apply_for, plan_for, project_copy
from sentinel_dac.deploy.plan import Action


def _actions(plan):
    return {(c.kind.value, c.action.value) for c in plan.changes}


def test_first_apply_creates_everything_and_a_second_is_a_read_only_no_op(tmp_path, temu):
    root = project_copy(tmp_path)
    plan, _ = plan_for(root, temu, "prod")
    assert {c.action for c in plan.changes} == {Action.CREATE} and len(plan.changes) == 6
    report, _ = apply_for(root, temu, "prod")
    assert report.ok, report.to_dict()
    assert report.counts() == {"created": 6}
    temu.requests.clear()
    plan, clients = plan_for(root, temu, "prod")
    assert {c.action for c in plan.changes} == {Action.UNCHANGED}, [c.to_dict() for c in plan.changes]
    assert not plan.has_changes
    from sentinel_dac.deploy.apply import apply_plan

    report = apply_plan(plan, clients)
    assert report.results == []
    arm = [r for r in temu.requests if r.path.startswith("/subscriptions/")]
    assert arm and {r.method for r in arm} == {"GET"}
