"""Rows for Key Vault data-plane access: AZKVAuditLogs, or AzureDiagnostics for vaults still in legacy mode.

Shapes follow `content-logs.md` §5: OperationName `Secret<Action>`/`Key<Action>`/`Vault<Action>`;
`HttpStatusCode` int and `ResultSignature` as the reason phrase ("OK", "Unauthorized", "Forbidden"),
so rules should filter on the code; `Identity` is `{"claim": {objectidentifier, appid, upn}}`; VaultPatch
rows carry NetworkAcls, EnableRbacAuthorization and EnablePurgeProtection. Legacy rows use the flattened
AzureDiagnostics names (`identity_claim_appid_g`, `requestUri_s`, `httpStatusCode_d`, …, §5.4).

Every client session starts with the unauthenticated request Key Vault answers with 401 and a
WWW-Authenticate challenge (§5.3): a 401 is the normal first step, never evidence on its own. The
generator writes one before every session, so rules that count 401s trip on every poller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .timeutil import iso
from .world import Principal, Vault

if TYPE_CHECKING:
    from .context import Ctx

DATA_API = "7.4"
ARM_API = "2023-07-01"
OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
REASON = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 429: "TooManyRequests"}
DENIED = "Caller is not authorized to perform action on resource."
FIREWALLED = "Client address is not authorized and caller is not a trusted service."

_PATHS = {
    "Secret": "secrets",
    "Key": "keys",
    "Certificate": "certificates",
}


@dataclass(frozen=True)
class KvOp:
    operation: str  # SecretGet, SecretList, KeyGet, SecretBackup, SecretDelete, SecretPurge, ...
    obj: str | None = None
    status: int = 200
    description: str = ""


def session(
    ctx: Ctx,
    t: int,
    vault: Vault,
    who: Principal,
    ip: str,
    client: str,
    ops: list[KvOp],
    *,
    challenge: bool = True,
    gap_ms: tuple[int, int] = (15, 300),
) -> int:
    """A client's burst of calls: the 401 challenge, then each operation; returns the end time."""
    rng = ctx.rng
    if challenge and ops:
        first = ops[0]
        _write(ctx, t, vault, None, ip, client, KvOp(first.operation, first.obj, 401))
        t += rng.randint(30, 120) * 1000
    for op in ops:
        _write(ctx, t, vault, who, ip, client, op)
        t += rng.randint(*gap_ms) * 1000
    return t


def get_secrets(names: list[str] | tuple[str, ...], status: int = 200) -> list[KvOp]:
    return [KvOp("SecretGet", n, status, DENIED if status == 403 else "") for n in names]


def vault_patch(
    ctx: Ctx,
    t: int,
    vault: Vault,
    who: Principal,
    ip: str,
    *,
    default_action: str,
    rbac: bool,
    purge_protection: bool = True,
    ip_rules: tuple[str, ...] = (),
) -> None:
    """A VaultPatch as Key Vault logs it, with the vault's new settings (§5.1)."""
    acls = {
        "bypass": "AzureServices",
        "defaultAction": default_action,
        "ipRules": [{"value": r} for r in ip_rules],
        "virtualNetworkRules": [],
    }
    if vault.legacy:
        row = _legacy_row(ctx, t, vault, who, ip, "azure-resource-manager/2.0", KvOp("VaultPatch"), _control_uri(vault))
        row["OperationVersion"] = ARM_API
        row["properties_enableRbacAuthorization_b"] = rbac
        row["properties_networkAcls_defaultAction_s"] = default_action
        row["properties_networkAcls_bypass_s"] = "AzureServices"
        ctx.sink.add("AzureDiagnostics", t, row)
        return
    row = _row(ctx, t, vault, who, ip, "azure-resource-manager/2.0", KvOp("VaultPatch"), _control_uri(vault))
    row.update(
        OperationVersion=ARM_API,
        Id=vault.uri + "/",
        NetworkAcls=acls,
        EnableRbacAuthorization=rbac,
        EnablePurgeProtection=purge_protection,
        EnableSoftDelete=True,
        SoftDeleteRetentionInDays=90,
        Sku={"Family": "A", "Name": "standard"},
    )
    ctx.sink.add("AZKVAuditLogs", t, row)


def _write(ctx: Ctx, t: int, vault: Vault, who: Principal | None, ip: str, client: str, op: KvOp) -> None:
    uri, obj_id = _uris(ctx, vault, op)
    if vault.legacy:
        row = _legacy_row(ctx, t, vault, who, ip, client, op, uri)
        row["id_s"] = obj_id
        ctx.sink.add("AzureDiagnostics", t, row)
    else:
        row = _row(ctx, t, vault, who, ip, client, op, uri)
        row["Id"] = obj_id
        ctx.sink.add("AZKVAuditLogs", t, row)


def _row(ctx: Ctx, t: int, vault: Vault, who: Principal | None, ip: str, client: str, op: KvOp, uri: str) -> dict:
    w = ctx.world
    private = ip.startswith("10.")
    row: dict[str, Any] = {
        "TimeGenerated": iso(t),
        "TenantId": w.workspace_id,
        "OperationName": op.operation,
        "OperationVersion": DATA_API,
        "ResultType": "Success" if op.status < 300 else "Failure",
        "ResultSignature": REASON.get(op.status, str(op.status)),
        "HttpStatusCode": op.status,
        "DurationMs": ctx.rng.randint(2, 25) if op.status != 401 else ctx.rng.randint(0, 3),
        "CallerIpAddress": ip,
        "ClientInfo": client,
        "RequestUri": uri,
        "CorrelationId": ctx.guid(),
        "IsAddressAuthorized": op.description != FIREWALLED,
        "Tlsversion": "TLS1_2",
        "Type": "AZKVAuditLogs",
        "_ResourceId": vault.resource_id.lower(),
        "_SubscriptionId": vault.subscription,
        "SourceSystem": "Azure",
    }
    if op.description:
        row["ResultDescription"] = op.description
    if who is not None:
        row["Identity"] = {"claim": _claims(w, who)}
        row["IsRbacAuthorized"] = op.status < 300
    if private:
        row["SubnetId"] = _subnet(w, ip)
    return row


def _legacy_row(
    ctx: Ctx, t: int, vault: Vault, who: Principal | None, ip: str, client: str, op: KvOp, uri: str
) -> dict:
    rid = vault.resource_id
    row: dict[str, Any] = {
        "TimeGenerated": iso(t),
        "TenantId": ctx.world.workspace_id,
        "ResourceId": rid.upper(),
        "SubscriptionId": vault.subscription,
        "ResourceGroup": vault.rg.upper(),
        "ResourceProvider": "MICROSOFT.KEYVAULT",
        "ResourceType": "VAULTS",
        "Resource": vault.name.upper(),
        "Category": "AuditEvent",
        "OperationName": op.operation,
        "OperationVersion": DATA_API,
        "ResultType": "Success" if op.status < 300 else "Failure",
        "ResultSignature": REASON.get(op.status, str(op.status)),
        "DurationMs": ctx.rng.randint(2, 25),
        "CallerIPAddress": ip,
        "CorrelationId": ctx.guid(),
        "requestUri_s": uri,
        "clientInfo_s": client,
        "httpStatusCode_d": float(op.status),
        "Type": "AzureDiagnostics",
        "_ResourceId": rid.lower(),
        "_SubscriptionId": vault.subscription,
        "SourceSystem": "Azure",
    }
    if op.description:
        row["ResultDescription"] = op.description
    if who is not None:
        claims = _claims(ctx.world, who)
        row["identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g"] = claims[OID]
        row["identity_claim_appid_g"] = claims["appid"]
        if UPN in claims:
            row["identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s"] = claims[UPN]
        row["isAccessPolicyMatch_b"] = op.status < 300
    return row


def _claims(w, who: Principal) -> dict[str, str]:
    if who.is_human:
        return {OID: who.object_id, UPN: who.upn or "", "appid": w.app("fp-azure-cli").app_id}
    return {OID: who.object_id, "appid": who.app_id or ""}


def _uris(ctx: Ctx, vault: Vault, op: KvOp) -> tuple[str, str]:
    base = vault.uri
    kind = next((k for k in _PATHS if op.operation.startswith(k)), "Vault")
    if kind == "Vault":
        return _control_uri(vault), base + "/"
    coll = _PATHS[kind]
    action = op.operation[len(kind) :]
    if op.obj is None:  # List, ListDeleted, ...
        return f"{base}/{coll}?api-version={DATA_API}", f"{base}/{coll}"
    version = ctx.world.version(vault.name, op.obj)
    suffix = {"Backup": "/backup", "Restore": "/restore"}.get(action, "/")
    if action in ("Purge", "Recover", "GetDeleted"):
        return f"{base}/deleted{coll}/{op.obj}?api-version={DATA_API}", f"{base}/deleted{coll}/{op.obj}"
    return f"{base}/{coll}/{op.obj}{suffix}?api-version={DATA_API}", f"{base}/{coll}/{op.obj}/{version}"


def _control_uri(vault: Vault) -> str:
    return f"https://control-prod-weu.vaultcore.azure.net{vault.resource_id}?api-version={ARM_API}"


def _subnet(w, ip: str) -> str:
    name = {"10.20": "snet-aks", "10.30": "snet-build", "10.10": "snet-clients"}.get(ip[:5], "snet-apps")
    return w.rid("Microsoft.Network/virtualNetworks", f"vnet-hub/subnets/{name}", rg="rg-network")
