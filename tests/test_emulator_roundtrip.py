"""Real Azure SDK clients over HTTPS against the emulator: every kind round-trips, shipped rules pass."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from helpers import DEPLOY_PROJECT, FIXTURES, REPO_ROOT, load, sdk_error
from sentinel_dac.config import load_config
from sentinel_dac.content.load import load_project
from sentinel_dac.deploy import Kind, Placement, build_objects, normalise, normalise_items
from sentinel_dac.deploy.clients import get, make_clients, put, watchlist_items
from sentinel_dac.deploy.rules import rule_object


def _objects(emu, index: int = 0):
    ws = emu.state.workspaces[index].ref
    return ws, build_objects(load(DEPLOY_PROJECT), Placement.of(ws))


def test_every_kind_round_trips(emu, clients):
    ws, objects = _objects(emu)
    assert {o.kind for o in objects} == set(Kind)
    for obj in objects:  # dependency order: the watchlist and parser exist before the hunting query
        put(clients, ws, obj)
        got = get(clients, ws, obj)
        assert got is not None and got["etag"], obj.kind
        assert normalise(obj.kind, got) == normalise(obj.kind, obj.body), obj.kind
    wl = next(o for o in objects if o.kind is Kind.WATCHLIST)
    items = watchlist_items(clients, ws, wl.name)
    assert normalise_items(items) == normalise_items(list(wl.extra["items"].values()))


def test_rules_come_back_exactly_as_sent(emu, clients):
    ws, objects = _objects(emu)
    for obj in objects:
        if obj.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE):
            put(clients, ws, obj)
            got = get(clients, ws, obj)
            assert got["properties"]["lastModifiedUtc"]  # read-only members are there …
            assert normalise(obj.kind, got) == obj.body  # … and the normaliser removes exactly them


def test_the_service_reserialises_durations(emu, clients):
    ws, objects = _objects(emu)
    obj = copy.deepcopy(next(o for o in objects if o.kind is Kind.SCHEDULED_RULE))
    obj.body["properties"]["queryPeriod"] = "PT24H"
    put(clients, ws, obj)
    got = get(clients, ws, obj)
    assert got["properties"]["queryPeriod"] == "P1D"
    assert normalise(obj.kind, got) == normalise(obj.kind, obj.body)


def _shipped_rules():
    """Every rule in detections/ (none on main yet) and every valid fixture rule."""
    paths = sorted((REPO_ROOT / "detections").rglob("*.yaml")) if (REPO_ROOT / "detections").is_dir() else []
    paths = [p for p in paths if not p.name.endswith((".meta.yaml", ".tests.yaml"))]
    return paths + sorted((FIXTURES / "rules" / "valid").glob("*.yaml"))


@pytest.mark.parametrize("path", _shipped_rules(), ids=lambda p: p.name)
def test_every_shipped_rule_passes_the_emulators_checks(emu, path: Path):
    full = emu.state.workspaces[1]  # every catalogued table
    clients = make_clients(
        emu.credential(),
        full.ref.subscription_id,
        base_url=emu.base_url,
        connection_verify=str(emu.ca_path),
        polling_interval=0,
    )
    project = load_project(load_config(REPO_ROOT), [path])
    rules = [r for r in project.rules if r.path.resolve() == path.resolve()]
    assert rules, f"{path} did not load as a rule: {project.findings}"
    obj = rule_object(rules[0])
    if path.is_relative_to(REPO_ROOT / "detections"):  # parsers and watchlists it reads go first, as deploy does
        for dep in _dependencies(build_objects(project, Placement.of(full.ref)), obj.content_id):
            put(clients, full.ref, dep)
    put(clients, full.ref, obj)
    assert normalise(obj.kind, get(clients, full.ref, obj)) == obj.body


def _dependencies(objects, content_id: str) -> list:
    """The objects a rule depends on, transitively, dependencies before their dependents."""
    by_key = {(o.kind, o.name): o for o in objects}
    ordered: list = []

    def visit(o) -> None:
        for key in o.depends_on:
            dep = by_key[key]
            if dep not in ordered:
                visit(dep)
                ordered.append(dep)

    visit(next(o for o in objects if o.content_id == content_id))
    return ordered


def test_nrt_rules_are_listed_only_by_the_preview_version(emu, clients):
    ws, objects = _objects(emu)
    for obj in objects:
        if obj.kind in (Kind.SCHEDULED_RULE, Kind.NRT_RULE):
            put(clients, ws, obj)
    stable = [r.kind for r in clients.stable_insights.alert_rules.list(ws.resource_group, ws.workspace_name)]
    preview = [r.kind for r in clients.preview_insights.alert_rules.list(ws.resource_group, ws.workspace_name)]
    assert stable == ["Scheduled"]
    assert sorted(preview) == ["NRT", "Scheduled"]


def test_deleting_objects(emu, clients):
    ws, objects = _objects(emu)
    for obj in objects:
        put(clients, ws, obj)
    for obj in reversed(objects):
        rg, name = ws.resource_group, ws.workspace_name
        if obj.kind is Kind.WATCHLIST:
            clients.stable_insights.watchlists.begin_delete(rg, name, obj.name, polling_interval=0).result()
        elif obj.kind in (Kind.SCHEDULED_RULE,):
            clients.stable_insights.alert_rules.delete(rg, name, obj.name)
        elif obj.kind is Kind.NRT_RULE:
            clients.preview_insights.alert_rules.delete(rg, name, obj.name)
        elif obj.kind is Kind.WORKBOOK:
            clients.workbooks.workbooks.delete(rg, obj.name)
        else:
            clients.log_analytics.saved_searches.delete(rg, name, obj.name)
        assert get(clients, ws, obj) is None, obj.kind


def test_watchlist_put_is_a_long_running_operation(emu, clients):
    emu.state.settings.lro_polls = 2
    ws, objects = _objects(emu)
    put(clients, ws, next(o for o in objects if o.kind is Kind.WATCHLIST))
    polls = [r for r in emu.requests if r.path.startswith("/_emulator/operations/")]
    assert len(polls) == 3  # InProgress, InProgress, Succeeded
    put_answer = next(r for r in emu.requests if r.method == "PUT")
    assert put_answer.status == 201


def test_workbook_content_only_on_request(emu, clients):
    ws, objects = _objects(emu)
    wb = next(o for o in objects if o.kind is Kind.WORKBOOK)
    put(clients, ws, wb)
    summary = clients.workbooks.workbooks.get(ws.resource_group, wb.name)
    assert summary.serialized_data is None
    listed = list(
        clients.workbooks.workbooks.list_by_resource_group(ws.resource_group, "sentinel", source_id=ws.resource_id)
    )
    assert [w.name for w in listed] == [wb.name]
    assert list(clients.workbooks.workbooks.list_by_resource_group(ws.resource_group, "workbook")) == []


def test_workspace_tables_and_plans_are_readable(emu, clients):
    ws = emu.state.workspaces[0].ref
    tables = {t.name: t for t in clients.log_analytics.tables.list_by_workspace(ws.resource_group, ws.workspace_name)}
    assert tables["ContainerLogV2"].properties.plan == "Basic"
    assert tables["AzureActivity"].properties.plan == "Analytics"
    custom = tables["AIApp_CL"].properties.schema
    assert [c.name for c in custom.columns] == ["Prompt", "Tokens"]
    workspace = clients.log_analytics.workspaces.get(ws.resource_group, ws.workspace_name)
    assert workspace.properties.customer_id == "22222222-2222-4222-8222-222222222222"


def test_unknown_workspace_is_404(emu, clients):
    from azure.core.exceptions import ResourceNotFoundError

    err = sdk_error(lambda: clients.stable_insights.alert_rules.get("rg-test", "law-missing", "x"))
    assert isinstance(err, ResourceNotFoundError) and "law-missing" in str(err)


def test_the_printed_environment_is_enough_to_deploy(emu, monkeypatch):
    """What `sentinel-dac emulate` prints is all a client needs: no code knows it is the emulator."""
    from sentinel_dac.deploy.clients import credential_from_env, endpoint_from_env

    for key, value in emu.env().items():
        monkeypatch.setenv(key, value)
    ws, objects = _objects(emu)
    clients = make_clients(credential_from_env(), ws.subscription_id, endpoint_from_env(), polling_interval=0)
    for obj in objects:
        put(clients, ws, obj)
    assert all(get(clients, ws, o) is not None for o in objects)


def test_the_repository_workbook_round_trips(emu, clients):
    """workbooks/ai-workload-security: the body deploy builds passes the emulator's spec checks and comes back."""
    import json

    ws = emu.state.workspaces[0].ref
    project = load(REPO_ROOT)
    [workbook] = [w for w in project.workbooks if w.data_path.name == "ai-workload-security.json"]
    obj = next(
        o for o in build_objects(project, Placement.of(ws)) if o.kind is Kind.WORKBOOK and o.content_id == workbook.id
    )
    put(clients, ws, obj)
    got = get(clients, ws, obj)
    assert normalise(obj.kind, got) == normalise(obj.kind, obj.body)
    assert json.loads(got["properties"]["serializedData"]) == workbook.data
