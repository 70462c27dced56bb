"""Deployment targets: the workspaces content goes to, read from `workspaces.yaml`.

One file at the project root names every target: its tenant, subscription, resource group,
workspace (name and id), cloud, which content goes there and per-target overrides (enabled,
severity, rule parameters rendered into the KQL, a target's own watchlist CSV). It holds no
secret: credentials come from `azure-identity` (`DefaultAzureCredential`: environment, workload
identity / GitHub OIDC, managed identity, Azure CLI), asked for a token *of the target's tenant*,
so one run can reach workspaces in several tenants (Azure Lighthouse setups).

    targets = load_targets(project_root)          # {name: Target}; SentinelDacError on bad input
    target = targets["prod-eu"]
    target.credential()                           # azure-identity credential for its tenant
    target.arm_endpoint, target.workspace_resource_id

The endpoints honour the overrides the emulator prints (`SENTINEL_DAC_ARM_ENDPOINT`,
`SENTINEL_DAC_LOGS_ENDPOINT`, `AZURE_AUTHORITY_HOST`), so the same file works against
`sentinel-dac emulate`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .content.yamlsrc import Pos, YamlDoc, YamlLoadError, load_yaml
from .deploy.objects import WorkspaceRef
from .errors import ConfigError
from .findings import Finding

TARGETS_FILE = "workspaces.yaml"


@dataclass(frozen=True)
class Cloud:
    """An Azure cloud's endpoints (Azure CLI `az cloud show` names)."""

    name: str
    arm_endpoint: str
    authority_host: str
    logs_endpoint: str

    @property
    def arm_scope(self) -> str:
        return self.arm_endpoint.rstrip("/") + "/.default"


CLOUDS: dict[str, Cloud] = {
    # https://learn.microsoft.com/azure/azure-government/compare-azure-government-global-azure
    # https://learn.microsoft.com/azure/china/resources-developer-guide
    "AzurePublic": Cloud(
        "AzurePublic",
        "https://management.azure.com",
        "https://login.microsoftonline.com",
        "https://api.loganalytics.io/v1",
    ),
    "AzureUSGovernment": Cloud(
        "AzureUSGovernment",
        "https://management.usgovcloudapi.net",
        "https://login.microsoftonline.us",
        "https://api.loganalytics.us/v1",
    ),
    "AzureChina": Cloud(
        "AzureChina",
        "https://management.chinacloudapi.cn",
        "https://login.chinacloudapi.cn",
        "https://api.loganalytics.azure.cn/v1",
    ),
}

ENV_ARM = "SENTINEL_DAC_ARM_ENDPOINT"
ENV_LOGS = "SENTINEL_DAC_LOGS_ENDPOINT"
ENV_AUTHORITY = "AZURE_AUTHORITY_HOST"


@dataclass(frozen=True)
class Selection:
    """Which content goes to a target: path globs (relative to the project root) and families.

    Empty `include` and `families` mean everything; `exclude` always wins. Objects a selected
    query needs (its watchlists and parsers) are deployed with it (deploy.targets_render).
    """

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    families: tuple[str, ...] = ()

    def selects(self, rel_path: str, family: str | None) -> bool:
        from fnmatch import fnmatchcase

        def match(patterns: tuple[str, ...]) -> bool:
            return any(fnmatchcase(rel_path, p) or fnmatchcase(rel_path, p.rstrip("/") + "/*") for p in patterns)

        if match(self.exclude):
            return False
        chosen = not self.include and not self.families
        return chosen or match(self.include) or (family is not None and family in self.families)


@dataclass(frozen=True)
class RuleOverride:
    enabled: bool | None = None
    severity: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    pos: Pos = field(default_factory=lambda: Pos(0, 0))


@dataclass(frozen=True)
class Overrides:
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Values for every rule declaring the parameter (a rule's own override wins)."""
    enabled: bool | None = None
    """Deploy every rule enabled or disabled (a rule's own override wins)."""
    rules: Mapping[str, RuleOverride] = field(default_factory=dict)
    """By rule id (GUID, any case) or by rule name."""
    watchlists: Mapping[str, Path] = field(default_factory=dict)
    """Alias → the CSV this target gets instead of the project's (e.g. its own allowlist)."""


@dataclass(frozen=True)
class Target:
    name: str
    tenant_id: str
    subscription_id: str
    resource_group: str
    workspace_name: str
    workspace_id: str
    """The workspace's customer id (the Log Analytics query API addresses workspaces by it)."""
    cloud: Cloud
    location: str = "westeurope"
    selection: Selection = field(default_factory=Selection)
    overrides: Overrides = field(default_factory=Overrides)
    file: str = TARGETS_FILE
    line: int = 0
    source: YamlDoc | None = field(default=None, repr=False, compare=False)

    @property
    def workspace(self) -> WorkspaceRef:
        return WorkspaceRef(self.subscription_id, self.resource_group, self.workspace_name, self.location)

    @property
    def workspace_resource_id(self) -> str:
        return self.workspace.resource_id

    def pos(self, *path: str | int) -> Pos:
        """Where a field of this target is written (for error messages)."""
        if self.source is None:
            return Pos(self.line, 0)
        return self.source.key_pos(("targets", self.name, *path))

    def where(self, *path: str | int) -> str:
        p = self.pos(*path)
        return f"{self.file}:{p.line}"

    # -- endpoints and credentials -------------------------------------------------
    def _env(self, env: Mapping[str, str] | None) -> Mapping[str, str]:
        return os.environ if env is None else env

    def arm_endpoint(self, env: Mapping[str, str] | None = None) -> str:
        return (self._env(env).get(ENV_ARM) or self.cloud.arm_endpoint).rstrip("/")

    def logs_endpoint(self, env: Mapping[str, str] | None = None) -> str:
        return (self._env(env).get(ENV_LOGS) or self.cloud.logs_endpoint).rstrip("/")

    def authority_host(self, env: Mapping[str, str] | None = None) -> str:
        return (self._env(env).get(ENV_AUTHORITY) or self.cloud.authority_host).rstrip("/")

    @property
    def arm_scope(self) -> str:
        return self.cloud.arm_scope

    def credential(self, env: Mapping[str, str] | None = None) -> TenantCredential:
        """`DefaultAzureCredential` asking for tokens of this target's tenant; never a stored secret.

        A loopback authority (the emulator) turns instance discovery off: it would otherwise ask
        login.microsoftonline.com whether the authority is known.
        """
        from azure.identity import DefaultAzureCredential

        authority = self.authority_host(env)
        local = (urlsplit(authority).hostname or "") in ("127.0.0.1", "localhost", "::1")
        base = DefaultAzureCredential(
            authority=authority,
            disable_instance_discovery=local,
            exclude_interactive_browser_credential=True,
            additionally_allowed_tenants=["*"],
        )
        return TenantCredential(base, self.tenant_id)


class TenantCredential:
    """A credential that always asks for tokens of one tenant (several tenants, one login).

    azure-core's bearer-token policy calls `get_token_info` (or `get_token`); both pass
    `tenant_id`, which azure-identity honours when the tenant is allowed.
    """

    def __init__(self, inner: Any, tenant_id: str):
        self.inner = inner
        self.tenant_id = tenant_id

    def get_token(self, *scopes: str, **kwargs: Any):
        kwargs["tenant_id"] = self.tenant_id
        return self.inner.get_token(*scopes, **kwargs)

    def get_token_info(self, *scopes: str, options: dict | None = None):
        return self.inner.get_token_info(*scopes, options={**(options or {}), "tenant_id": self.tenant_id})

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> TenantCredential:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


# -- loading -------------------------------------------------------------------------
def targets_path(root: Path) -> Path:
    return Path(root) / TARGETS_FILE


def load_targets(root: Path, path: Path | None = None) -> dict[str, Target]:
    """Read `root/workspaces.yaml` (or `path`): {name: Target}, in file order.

    Raises `ConfigError` (a SentinelDacError) naming file, line and field for every problem found;
    nothing is returned half-valid.
    """
    path = Path(path) if path is not None else targets_path(root)
    display = _display(path, root)
    if not path.is_file():
        raise ConfigError(f"{display}: no targets file; create it to name the workspaces to deploy to (docs/deploy.md)")
    from .schemas.check import check_schema

    try:
        doc = load_yaml(path, display)
    except YamlLoadError as exc:
        raise ConfigError(_describe(exc.findings)) from None
    problems = [f for f in doc.findings + check_schema(doc, "targets") if f.is_error]
    if problems:
        raise ConfigError(_describe(problems))
    targets: dict[str, Target] = {}
    findings: list[Finding] = []
    for name, raw in doc.data["targets"].items():
        targets[name] = _target(doc, name, raw, Path(root), findings)
    findings += _duplicates(doc, targets)
    if findings:
        raise ConfigError(_describe(findings))
    return targets


def _target(doc: YamlDoc, name: str, raw: dict[str, Any], root: Path, findings: list[Finding]) -> Target:
    cloud_raw = raw.get("cloud", "AzurePublic")
    if isinstance(cloud_raw, str):
        cloud = CLOUDS[cloud_raw]
    else:
        arm = cloud_raw["arm"].rstrip("/")
        cloud = Cloud("Custom", arm, cloud_raw["authority"].rstrip("/"), cloud_raw.get("logs", "").rstrip("/"))
        if not cloud.logs_endpoint:
            cloud = Cloud("Custom", arm, cloud.authority_host, CLOUDS["AzurePublic"].logs_endpoint)
    content = raw.get("content") or {}
    over = raw.get("overrides") or {}
    rules = {}
    for key, value in (over.get("rules") or {}).items():
        value = value or {}
        rules[key.lower()] = RuleOverride(
            enabled=value.get("enabled"),
            severity=value.get("severity"),
            parameters=dict(value.get("parameters") or {}),
            pos=doc.key_pos(("targets", name, "overrides", "rules", key)),
        )
    watchlists = {}
    for alias, rel in (over.get("watchlists") or {}).items():
        csv = (root / rel).resolve()
        if not csv.is_file():
            pos = doc.pos(("targets", name, "overrides", "watchlists", alias))
            findings.append(
                Finding(doc.display, pos.line, pos.column, "DAC601", f"watchlist override '{rel}' does not exist")
            )
        watchlists[alias] = csv
    return Target(
        name=name,
        tenant_id=raw["tenant"].lower(),
        subscription_id=raw["subscription"].lower(),
        resource_group=raw["resourceGroup"],
        workspace_name=raw["workspace"],
        workspace_id=raw["workspaceId"].lower(),
        cloud=cloud,
        location=raw.get("location", "westeurope"),
        selection=Selection(
            tuple(content.get("include") or ()),
            tuple(content.get("exclude") or ()),
            tuple(content.get("families") or ()),
        ),
        overrides=Overrides(
            parameters=dict(over.get("parameters") or {}),
            enabled=over.get("enabled"),
            rules=rules,
            watchlists=watchlists,
        ),
        file=doc.display,
        line=doc.key_pos(("targets", name)).line,
        source=doc,
    )


def _duplicates(doc: YamlDoc, targets: dict[str, Target]) -> list[Finding]:
    """Two targets naming the same workspace would fight over its objects (and its state)."""
    seen: dict[str, str] = {}
    out = []
    for t in targets.values():
        key = t.workspace_resource_id.lower()
        if key in seen:
            pos = doc.key_pos(("targets", t.name, "workspace"))
            out.append(
                Finding(
                    doc.display,
                    pos.line,
                    pos.column,
                    "DAC601",
                    f"target '{t.name}' names the same workspace as target '{seen[key]}'",
                )
            )
        seen.setdefault(key, t.name)
    return out


def select_targets(targets: dict[str, Target], names: tuple[str, ...] | list[str], all_: bool = False) -> list[Target]:
    """The targets a command names (`--target A --target B` or `--all`); unknown names are usage errors."""
    from .errors import UsageError

    if all_:
        return list(targets.values())
    if not names:
        raise UsageError(f"name a target with --target NAME or use --all (targets: {', '.join(targets)})")
    unknown = [n for n in names if n not in targets]
    if unknown:
        raise UsageError(f"unknown target(s) {', '.join(unknown)} (targets: {', '.join(targets)})")
    return [targets[n] for n in dict.fromkeys(names)]


def _display(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def _describe(findings: list[Finding]) -> str:
    return "invalid targets file:\n" + "\n".join(f"  {f.location}: {f.code} {f.message}" for f in findings)
