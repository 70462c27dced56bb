"""Rows for egress and file activity: CommonSecurityLog (proxy), DeviceNetworkEvents, AZFWApplicationRule,
OfficeActivity.

What each source can see (`content-logs.md` §6) is kept strictly: only the proxy has byte counts
(`SentBytes`) and a user; DeviceNetworkEvents has process and account but no bytes; the firewall has a
source IP and FQDN, no user, no bytes; OfficeActivity has `FileDownloaded` rows for SharePoint/OneDrive.
The proxy's vendor strings are taken from Azure-Sentinel's Zscaler sample (`DeviceVendor` "Zscaler",
`DeviceProduct` "NSSWeblog"); DeviceNetworkEvents uses `ActionType` "ConnectionSuccess".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .names import BROWSER_UA, ONEDRIVE_HOST, SHAREPOINT_HOST
from .timeutil import iso
from .world import Device, Principal

if TYPE_CHECKING:
    from .context import Ctx

_WINDOWS_PATHS = {
    "msedge.exe": r"c:\program files (x86)\microsoft\edge\application\msedge.exe",
    "chrome.exe": r"c:\program files\google\chrome\application\chrome.exe",
    "code.exe": r"c:\users\{sam}\appdata\local\programs\microsoft vs code\code.exe",
    "python.exe": r"c:\users\{sam}\appdata\local\programs\python\python312\python.exe",
    "teams.exe": r"c:\program files\windowsapps\msteams\ms-teams.exe",
    "onedrive.exe": r"c:\program files\microsoft onedrive\onedrive.exe",
}
_PARENTS = {
    "msedge.exe": "explorer.exe",
    "chrome.exe": "explorer.exe",
    "code.exe": "explorer.exe",
    "python.exe": "code.exe",
    "teams.exe": "explorer.exe",
    "onedrive.exe": "explorer.exe",
}


def proxy(
    ctx: Ctx,
    t: int,
    user: Principal,
    host: str,
    path: str = "/",
    *,
    method: str = "GET",
    sent: int = 900,
    received: int = 20_000,
    category: str = "Business Use",
    action: str = "Allowed",
    user_agent: str = BROWSER_UA,
) -> None:
    """One web-proxy transaction (Zscaler-style CEF in CommonSecurityLog)."""
    w = ctx.world
    device = user.device
    row = {
        "TimeGenerated": iso(t),
        "TenantId": w.workspace_id,
        "DeviceVendor": "Zscaler",
        "DeviceProduct": "NSSWeblog",
        "DeviceVersion": "5.7",
        "DeviceEventClassID": action,
        "Activity": action,
        "DeviceAction": action,
        "SimplifiedDeviceAction": action,
        "LogSeverity": "3",
        "ApplicationProtocol": "HTTPS",
        "DestinationHostName": host,
        "DestinationIP": w.service_ip(host),
        "DestinationPort": 443,
        "DestinationServiceName": category,
        "RequestURL": f"https://{host}{path}",
        "RequestMethod": method,
        "RequestClientApplication": user_agent,
        "SourceUserName": user.upn,
        "SourceIP": device.local_ip if device else "10.10.0.1",
        "SentBytes": sent,
        "ReceivedBytes": received if action == "Allowed" else 0,
        "AdditionalExtensions": f"reason={action};outcome={200 if action == 'Allowed' else 403};cat={category}",
        "Computer": "zscaler-nss-weu-01",
        "CommunicationDirection": "Outbound",
        "Type": "CommonSecurityLog",
        "SourceSystem": "OpsManager",
    }
    ctx.sink.add("CommonSecurityLog", t, row)


def endpoint(
    ctx: Ctx,
    t: int,
    device: Device,
    process: str,
    host: str,
    *,
    account: Principal | None = None,
    command_line: str | None = None,
    remote_ip: str | None = None,
) -> None:
    """One outbound connection seen by Defender for Endpoint (DeviceNetworkEvents)."""
    w = ctx.world
    sam = account.sam if account else ("azdevops" if device.linux else "system")
    folder = (
        f"/usr/bin/{process}"
        if device.linux
        else _WINDOWS_PATHS.get(process, rf"c:\windows\system32\{process}").format(sam=sam)
    )
    row = {
        "TimeGenerated": iso(t),
        "Timestamp": iso(t),
        "TenantId": w.workspace_id,
        "DeviceId": device.device_id,
        "DeviceName": device.name,
        "ActionType": "ConnectionSuccess",
        "RemoteUrl": host,
        "RemoteIP": remote_ip or w.service_ip(host),
        "RemotePort": 443,
        "RemoteIPType": "Public",
        "LocalIP": device.local_ip,
        "LocalIPType": "Private",
        "LocalPort": ctx.rng.randint(49152, 65000),
        "Protocol": "Tcp",
        "InitiatingProcessFileName": process,
        "InitiatingProcessFolderPath": folder,
        "InitiatingProcessCommandLine": command_line or process,
        "InitiatingProcessId": ctx.rng.randint(800, 60000),
        "InitiatingProcessParentFileName": "bash" if device.linux else _PARENTS.get(process, "services.exe"),
        "InitiatingProcessAccountName": sam,
        "InitiatingProcessAccountDomain": "contoso" if account else ("" if device.linux else "nt authority"),
        "InitiatingProcessIntegrityLevel": "Medium" if account else "System",
        "ReportId": ctx.rng.getrandbits(36),
        "MachineGroup": "Build agents" if device.linux else "Workstations",
        "Type": "DeviceNetworkEvents",
        "SourceSystem": "",
    }
    if account is not None:
        row["InitiatingProcessAccountUpn"] = account.upn
        row["InitiatingProcessAccountObjectId"] = account.object_id
    ctx.sink.add("DeviceNetworkEvents", t, row)


def firewall(
    ctx: Ctx,
    t: int,
    source_ip: str,
    fqdn: str,
    *,
    allowed: bool = True,
    collection: str = "aks-egress",
    rule: str = "allow-platform-dependencies",
) -> None:
    """One Azure Firewall application-rule decision (AZFWApplicationRule; not TLS-inspected)."""
    w = ctx.world
    row = {
        "TimeGenerated": iso(t),
        "TenantId": w.workspace_id,
        "Protocol": "HTTPS",
        "SourceIp": source_ip,
        "SourcePort": ctx.rng.randint(30000, 60999),
        "DestinationPort": 443,
        "Fqdn": fqdn,
        "TargetUrl": "",
        "Action": "Allow" if allowed else "Deny",
        "ActionReason": "" if allowed else "Default Action",
        "Policy": "fwpol-hub-weu",
        "RuleCollectionGroup": "DefaultApplicationRuleCollectionGroup",
        "RuleCollection": collection if allowed else "",
        "Rule": rule if allowed else "",
        "IsTlsInspected": False,
        "WebCategory": "",
        "IsExplicitProxyRequest": False,
        "Type": "AZFWApplicationRule",
        "_ResourceId": w.firewall_id.lower(),
        "_SubscriptionId": w.subscriptions["platform"],
        "SourceSystem": "Azure",
    }
    ctx.sink.add("AZFWApplicationRule", t, row)


def file_download(ctx: Ctx, t: int, user: Principal, site: str, filename: str, *, onedrive: bool = False) -> None:
    """A `FileDownloaded` audit record from SharePoint Online / OneDrive (OfficeActivity, §6.4)."""
    w = ctx.world
    if onedrive:
        site_url = f"https://{ONEDRIVE_HOST}/personal/{user.sam.replace('.', '_')}_contoso_example/"
        rel = "Documents"
    else:
        site_url = f"https://{SHAREPOINT_HOST}/sites/{site}/"
        rel = f"sites/{site}/Shared Documents"
    ext = filename.rsplit(".", 1)[-1]
    row = {
        "TimeGenerated": iso(t),
        "TenantId": w.workspace_id,
        "RecordType": "SharePointFileOperation",
        "Operation": "FileDownloaded",
        "OfficeWorkload": "OneDrive" if onedrive else "SharePoint",
        "OrganizationId": w.tenant_id,
        "OfficeId": ctx.guid(),
        "UserType": "Regular",
        "UserId": user.upn,
        "ClientIP": user.ip,
        "UserAgent": BROWSER_UA,
        "Site_Url": site_url,
        "SourceRelativeUrl": rel,
        "SourceFileName": filename,
        "SourceFileExtension": ext,
        "OfficeObjectId": f"{site_url}{rel.split('/', 2)[-1] if not onedrive else rel}/{filename}",
        "ItemType": "File",
        "EventSource": "SharePoint",
        "IsManagedDevice": True,
        "Type": "OfficeActivity",
        "SourceSystem": "OfficeActivityManager",
    }
    ctx.sink.add("OfficeActivity", t, row)
