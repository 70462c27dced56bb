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


def _rule_path(root):
    return root / "detections" / "kv" / "scheduled_full.yaml"


def test_update_shows_changed_fields_and_delete_needs_prune(tmp_path, temu):
    root = project_copy(tmp_path)
    apply_for(root, temu, "prod")
    rule = _rule_path(root)
    rule.write_text(rule.read_text().replace("severity: Medium", "severity: High"))
    (root / "hunting" / "h1.yaml").unlink()
    plan, _ = plan_for(root, temu, "prod")
    by_action = {c.action: c for c in plan.changes if c.action is not Action.UNCHANGED}
    assert set(by_action) == {Action.UPDATE, Action.DELETE}
    assert by_action[Action.UPDATE].fields == ["properties.severity"]
    assert by_action[Action.DELETE].kind.value == "hunting-query"
    report, _ = apply_for(root, temu, "prod")
    assert report.counts() == {"updated": 1}  # apply never deletes
    plan, clients = plan_for(root, temu, "prod")
    assert [c.action for c in plan.changes if c.action is not Action.UNCHANGED] == [Action.DELETE]
    from sentinel_dac.deploy.apply import prune_plan

    pruned = prune_plan(plan, clients)
    assert pruned.counts() == {"deleted": 1}
    plan, _ = plan_for(root, temu, "prod")
    assert not plan.has_changes
    searches = [s for s in temu.state.store._items.values() if "/savedsearches/" in s.path.lower()]
    assert len(searches) == 1  # the parser stays, the hunting query is gone


def _portal(emu, ws_index=0):
    """SDK clients as a portal user would act (same emulator, plain client credential)."""
    from sentinel_dac.deploy.clients import make_clients

    ws = emu.state.workspaces[ws_index]
    return make_clients(
        emu.credential(),
        ws.ref.subscription_id,
        base_url=emu.base_url,
        polling_interval=0,
        connection_verify=str(emu.ca_path),
        retry_total=0,
    ), ws.ref


def test_portal_edit_is_drift_kept_by_apply_and_overwritten_only_with_force(tmp_path, temu):
    from sentinel_dac.deploy.clients import get, put

    root = project_copy(tmp_path)
    apply_for(root, temu, "prod")
    plan, _ = plan_for(root, temu, "prod")
    obj = next(c.desired for c in plan.changes if c.kind.value == "scheduled-rule")
    portal, ws = _portal(temu)
    edited = get(portal, ws, obj)
    import copy

    changed = copy.deepcopy(obj)
    changed.body["properties"]["triggerThreshold"] = 7
    put(portal, ws, changed, etag=edited["etag"])
    plan, _ = plan_for(root, temu, "prod")
    drifted = [c for c in plan.changes if c.action is Action.DRIFTED]
    assert [(c.name, c.fields) for c in drifted] == [(obj.name, ["properties.triggerThreshold"])]
    assert "changed in the workspace since our last apply" in drifted[0].reason
    report, _ = apply_for(root, temu, "prod")
    assert [r.outcome for r in report.results] == ["skipped"]
    assert get(portal, ws, obj)["properties"]["triggerThreshold"] == 7  # the portal edit survives
    report, _ = apply_for(root, temu, "prod", force=True)
    assert report.counts() == {"updated": 1}
    assert get(portal, ws, obj)["properties"]["triggerThreshold"] == 0
    plan, _ = plan_for(root, temu, "prod")
    assert not plan.has_changes


def test_edit_between_plan_and_apply_is_a_conflict_not_overwritten(tmp_path, temu):
    from sentinel_dac.deploy.apply import apply_plan
    from sentinel_dac.deploy.clients import get, put

    root = project_copy(tmp_path)
    apply_for(root, temu, "prod")
    rule = _rule_path(root)
    rule.write_text(rule.read_text().replace("severity: Medium", "severity: Low"))
    plan, clients = plan_for(root, temu, "prod")
    update = next(c for c in plan.changes if c.action is Action.UPDATE)
    portal, ws = _portal(temu)
    import copy

    meanwhile = copy.deepcopy(update.desired)
    meanwhile.body["properties"]["displayName"] = "Edited in the portal meanwhile"
    put(portal, ws, meanwhile, etag=get(portal, ws, meanwhile)["etag"])
    report = apply_plan(plan, clients)
    assert [(r.outcome, r.change.name) for r in report.results] == [("conflict", update.name)]
    assert "not overwritten" in report.results[0].message and not report.ok
    assert get(portal, ws, meanwhile)["properties"]["displayName"] == "Edited in the portal meanwhile"


def test_portal_created_rule_survives_prune(tmp_path, temu):
    import copy
    import uuid

    from sentinel_dac.deploy.apply import prune_plan
    from sentinel_dac.deploy.clients import get, put

    root = project_copy(tmp_path)
    apply_for(root, temu, "prod")
    plan, _ = plan_for(root, temu, "prod")
    ours = next(c.desired for c in plan.changes if c.kind.value == "scheduled-rule")
    portal, ws = _portal(temu)
    theirs = copy.deepcopy(ours)
    theirs.name = str(uuid.uuid4())
    theirs.body["properties"]["displayName"] = "Made in the portal from the same template"
    put(portal, ws, theirs)
    for path in (root / "detections").rglob("*.yaml"):
        path.unlink()  # every rule leaves the repository
    plan, clients = plan_for(root, temu, "prod")
    assert {c.name for c in plan.changes if c.action is Action.DELETE} == {
        c.name for c in plan.changes if c.kind.value in ("scheduled-rule", "nrt-rule")
    }
    assert theirs.name not in {c.name for c in plan.changes}
    report = prune_plan(plan, clients)
    assert report.counts() == {"deleted": 2}
    assert get(portal, ws, theirs) is not None  # not ours: untouched
    assert get(portal, ws, ours) is None


def test_kind_change_is_delete_and_recreate(tmp_path, temu):
    root = project_copy(tmp_path)
    apply_for(root, temu, "prod")
    nrt = root / "detections" / "kv" / "nrt_minimal.yaml"
    nrt.write_text(
        nrt.read_text().replace(
            "kind: NRT",
            "kind: Scheduled\nqueryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0",
        )
    )
    plan, _ = plan_for(root, temu, "prod")
    changed = [c for c in plan.changes if c.action is not Action.UNCHANGED]
    assert [(c.action, c.kind.value) for c in changed] == [(Action.REPLACE, "scheduled-rule")]
    report, _ = apply_for(root, temu, "prod")
    assert report.counts() == {"replaced": 1}, report.to_dict()
    plan, _ = plan_for(root, temu, "prod")
    assert not plan.has_changes
    assert sorted(k.split("/")[0] for k in plan.state.owned) == [
        "hunting-query",
        "parser",
        "scheduled-rule",
        "scheduled-rule",
        "watchlist",
        "workbook",
    ]  # the rule is recorded once, under its new kind
