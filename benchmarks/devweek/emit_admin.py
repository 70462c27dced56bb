"""Rows for control-plane and identity events: AzureActivity, AuditLogs, SecurityAlert.

AzureActivity (`content-logs.md` §4): one Start and one Success (or Accept/Failure) row per
operation, `OperationNameValue` upper-case as Azure-Sentinel content shows it (compare with `=~`);
`Properties` is a JSON *string* (the catalogue types it so) holding `requestbody` on the Start row —
role assignments put PrincipalId/RoleDefinitionId/Scope there in PascalCase, as Azure-Sentinel's
Granting_Permissions_To_Account_detection parses it (§4.2) — and `responseBody` on the Success row
(SKU/capacity/vmSize: *inferred*, §4.1/§4.4 could not confirm it). `Caller` is the UPN for people and
the object id for applications. Key Vault purge is `deletedVaults/purge/action` (§4.3).

AuditLogs (§7): "Add service principal credentials" / "Update application – Certificates and secrets
management" with TargetResources[].modifiedProperties KeyDescription and InitiatedBy.user|app.

SecurityAlert (§6.6): Defender for AI alerts keyed on documented `AlertType` values; ProductName is
not documented for them (NOT FOUND) — the generator uses "Azure Security Center", like other
Defender for Cloud alerts in SecurityAlert.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .timeutil import US, iso
from .world import Principal

if TYPE_CHECKING:
    from .context import Ctx

ROLES = {
    "Cognitive Services OpenAI User": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "Cognitive Services OpenAI Contributor": "a001fd3d-188f-4b5d-821b-7da978bf7442",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
}
"""Azure built-in role definition ids (product constants, identical in every tenant)."""

DISPLAY = {
    "accounts/write": "Create or Update Account",
    "accounts/listkeys/action": "List Keys",
    "accounts/regeneratekey/action": "Regenerate Key",
    "deployments/write": "Create or Update Deployment",
    "raipolicies/write": "Create or Update Rai Policy",
    "roleassignments/write": "Create role assignment",
    "vaults/write": "Update Key Vault",
    "vaults/delete": "Delete Key Vault",
    "purge/action": "Purge Deleted Vault",
    "accesspolicies/write": "Update Access Policy",
    "secrets/write": "Write Secret",
    "agentpools/write": "Create or Update Agent Pool",
    "computes/write": "Create or Update Compute",
    "storageaccounts/write": "Create/Update Storage Account",
    "virtualmachines/write": "Create or Update Virtual Machine",
    "sites/write": "Create or Update Web App",
    "deployments/validate/action": "Validate Deployment",
}
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def arm(
    ctx: Ctx,
    t: int,
    who: Principal,
    ip: str,
    operation: str,
    resource_id: str,
    *,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    status_code: str = "OK",
    failed: bool = False,
    role: str = "Contributor",
) -> int:
    """An ARM operation as two AzureActivity rows; returns the time of the final row."""
    w = ctx.world
    parts = resource_id.split("/")
    sub, rg = parts[2], parts[4] if len(parts) > 4 else ""
    provider = operation.split("/")[0]
    corr, op_id = ctx.guid(), ctx.guid()
    method = "DELETE" if operation.endswith("/delete") else ("POST" if operation.endswith("/action") else "PUT")
    claims = {
        "http://schemas.microsoft.com/identity/claims/objectidentifier": who.object_id,
        "appid": who.app_id or w.app("fp-azure-portal").app_id,
        "ipaddr": ip,
        "name": who.display,
    }
    if who.upn:
        claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"] = who.upn
    auth = {
        "action": operation,
        "scope": resource_id,
        "evidence": {
            "role": role,
            "roleAssignmentScope": f"/subscriptions/{sub}",
            "principalId": who.object_id.replace("-", ""),
            "principalType": "User" if who.is_human else "ServicePrincipal",
        },
    }
    base_props = {
        "eventCategory": "Administrative",
        "entity": resource_id,
        "message": operation,
        "hierarchy": f"{w.tenant_id}/{sub}",
    }
    key = "/".join(operation.lower().split("/")[-2:])
    display = DISPLAY.get(key, DISPLAY.get(operation.lower().split("/")[-1], operation))
    rows = [("Started", "Start", {**base_props, **({"requestbody": _dumps(request)} if request else {})})]
    end_status = (
        ("Failed", "Failure")
        if failed
        else (("Accepted", "Accept") if status_code == "Accepted" else ("Succeeded", "Success"))
    )
    done_props = {**base_props, "statusCode": "Forbidden" if failed else status_code, "serviceRequestId": ctx.guid()}
    if response and not failed:
        done_props["responseBody"] = _dumps(response)
    rows.append((end_status[0], end_status[1], done_props))
    when = t
    for status, status_value, props in rows:
        row = {
            "TimeGenerated": iso(when),
            "TenantId": w.workspace_id,
            "OperationName": display,
            "OperationNameValue": operation.upper(),
            "Level": "Error" if status == "Failed" else "Informational",
            "ActivityStatus": status,
            "ActivityStatusValue": status_value,
            "ResourceGroup": rg.upper(),
            "SubscriptionId": sub,
            "CorrelationId": corr,
            "Caller": who.caller,
            "CallerIpAddress": ip,
            "Category": "Administrative",
            "CategoryValue": "Administrative",
            "HTTPRequest": _dumps({"clientRequestId": ctx.guid(), "clientIpAddress": ip, "method": method}),
            "Properties": _dumps(props),
            "EventSubmissionTimestamp": iso(when + ctx.rng.randint(1, 20) * US),
            "Authorization": _dumps(auth),
            "Claims": _dumps(claims),
            "ResourceId": resource_id,
            "OperationId": op_id,
            "ResourceProvider": provider,
            "ResourceProviderValue": provider.upper(),
            "Resource": parts[-1],
            "EventDataId": ctx.guid(),
            "Hierarchy": f"{w.tenant_id}/{sub}",
            "Type": "AzureActivity",
            "_ResourceId": resource_id.lower(),
            "_SubscriptionId": sub,
            "SourceSystem": "Azure",
        }
        ctx.sink.add("AzureActivity", when, row)
        when += ctx.rng.randint(2, 40) * US
    return when


def role_assignment(ctx: Ctx, t: int, who: Principal, ip: str, scope: str, principal: Principal, role: str) -> int:
    """`roleAssignments/write` with the request body Azure-Sentinel content parses (§4.2)."""
    sub = scope.split("/")[2]
    assignment = ctx.guid()
    body = {
        "Id": assignment,
        "Properties": {
            "PrincipalId": principal.object_id,
            "PrincipalType": "User" if principal.is_human else "ServicePrincipal",
            "RoleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{ROLES[role]}",
            "Scope": scope,
            "Condition": None,
            "ConditionVersion": None,
        },
    }
    rid = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{assignment}"
    return arm(
        ctx,
        t,
        who,
        ip,
        "Microsoft.Authorization/roleAssignments/write",
        rid,
        request=body,
        response=body,
        status_code="Created",
        role="Owner",
    )


def credential_added(ctx: Ctx, t: int, actor: Principal, ip: str, target: Principal, key_name: str) -> None:
    """An app/service-principal secret added (AuditLogs, §7); an app actor when `actor` is not a person."""
    w = ctx.world
    key_id = ctx.guid()
    new = f'["[KeyIdentifier={key_id},KeyType=Password,KeyUsage=Verify,DisplayName={key_name}]"]'
    initiated = (
        {"user": {"id": actor.object_id, "userPrincipalName": actor.upn, "ipAddress": ip, "displayName": None}}
        if actor.is_human
        else {
            "app": {
                "appId": actor.app_id,
                "displayName": actor.display,
                "servicePrincipalId": actor.object_id,
                "ipAddress": ip,
            }
        }
    )
    for op, typ in (
        ("Update application – Certificates and secrets management", "Application"),
        ("Add service principal credentials", "ServicePrincipal"),
    ):
        row = {
            "TimeGenerated": iso(t),
            "TenantId": w.workspace_id,
            "AADTenantId": w.tenant_id,
            "Id": f"Directory_{ctx.guid()}",
            "Category": "ApplicationManagement",
            "OperationName": op,
            "ActivityDisplayName": op,
            "ActivityDateTime": iso(t),
            "AADOperationType": "Update",
            "OperationVersion": "1.0",
            "Result": "success",
            "ResultReason": "",
            "LoggedByService": "Core Directory",
            "CorrelationId": ctx.guid(),
            "Identity": actor.display if not actor.is_human else (actor.upn or ""),
            "InitiatedBy": initiated,
            "TargetResources": [
                {
                    "id": target.object_id,
                    "displayName": target.display,
                    "type": typ,
                    "modifiedProperties": [
                        {"displayName": "KeyDescription", "oldValue": "[]", "newValue": new},
                        {
                            "displayName": "Included Updated Properties",
                            "oldValue": None,
                            "newValue": '"KeyDescription"',
                        },
                    ],
                }
            ],
            "AdditionalDetails": [
                {"key": "User-Agent", "value": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/130.0.0.0"},
                {"key": "AppId", "value": target.app_id or ""},
            ],
            "Type": "AuditLogs",
            "SourceSystem": "Azure AD",
        }
        ctx.sink.add("AuditLogs", t, row)
        t += ctx.rng.randint(200, 900) * 1000


def defender_ai_alert(
    ctx: Ctx,
    t: int,
    alert_type: str,
    name: str,
    severity: str,
    resource_id: str,
    *,
    ip: str | None = None,
    principal: Principal | None = None,
    tactics: str = "InitialAccess",
) -> None:
    """A Defender for AI services alert (`AI.Azure_*` AlertType, §6.6)."""
    w = ctx.world
    alert_id = ctx.guid()
    entities: list[dict[str, Any]] = [{"$id": "2", "ResourceId": resource_id, "Type": "azure-resource"}]
    if ip:
        entities.append({"$id": "3", "Address": ip, "Type": "ip"})
    if principal:
        entities.append({"$id": "4", "AadUserId": principal.object_id, "Name": principal.sam, "Type": "account"})
    row = {
        "TimeGenerated": iso(t + 4 * 60 * US),
        "TenantId": w.workspace_id,
        "DisplayName": name,
        "AlertName": name,
        "AlertSeverity": severity,
        "AlertType": alert_type,
        "Description": f"{name} on {resource_id.split('/')[-1]}.",
        "ProviderName": "Azure Security Center",
        "VendorName": "Microsoft",
        "ProductName": "Azure Security Center",
        "ProductComponentName": "AI",
        "SystemAlertId": alert_id,
        "VendorOriginalId": ctx.hexid(32),
        "ResourceId": resource_id,
        "CompromisedEntity": resource_id.split("/")[-1],
        "StartTime": iso(t),
        "EndTime": iso(t + 60 * US),
        "ProcessingEndTime": iso(t + 4 * 60 * US),
        "Status": "New",
        "ConfidenceLevel": "Unknown",
        "IsIncident": False,
        "Entities": _dumps(entities),
        "ExtendedProperties": _dumps({"resourceType": "Azure OpenAI", "alert type": alert_type}),
        "Tactics": tactics,
        "Techniques": "",
        "Type": "SecurityAlert",
    }
    ctx.sink.add("SecurityAlert", t + 4 * 60 * US, row)
