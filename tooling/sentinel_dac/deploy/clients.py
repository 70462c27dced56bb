"""The real Azure SDK clients, one per API version we chose, and PUT/GET/DELETE of an ApiObject.

Where an SDK targets the chosen version its models carry the body:
* saved searches: azure-mgmt-loganalytics 14 (2025-07-01) `SavedSearch`;
* workbooks: azure-mgmt-applicationinsights `v2023_06_01` `Workbook`;
* NRT rules and watchlists: azure-mgmt-securityinsight 2.0.0b4 `NrtAlertRule` / `Watchlist`
  (the SDK targets 2025-10-01-preview; the client is pinned to our version with `api_version=`,
  the operations' paths being the same).
Scheduled rules are the exception: no Python SDK targets the stable 2025-09-01 API, and the
SDK's `ScheduledAlertRule` model belongs to a preview with members the stable version rejects
(`subTechniques`), so the stable body is sent as the raw JSON our mapping produced, through the
same SDK client (pipeline, retries, bearer token) pinned to 2025-09-01.

Every client shares the caller's credential and transport options (`connection_verify`,
`retry_total`, …), so the same code talks to Azure or to the emulator (`base_url`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from . import apiversions
from .objects import ApiObject, Kind, WorkspaceRef

PUBLIC_ARM = "https://management.azure.com"


@dataclass
class Clients:
    stable_insights: Any
    """SecurityInsightsMgmtClient pinned to 2025-09-01: Scheduled rules and watchlists."""
    preview_insights: Any
    """SecurityInsightsMgmtClient pinned to 2025-07-01-preview: NRT rules, listing all rules."""
    log_analytics: Any
    workbooks: Any
    polling_interval: float | None = None
    """Seconds between polls of a long-running operation (None: what the service says)."""


def make_clients(
    credential: Any,
    subscription_id: str,
    base_url: str = PUBLIC_ARM,
    polling_interval: float | None = None,
    **options: Any,
) -> Clients:
    from azure.mgmt.applicationinsights.v2023_06_01 import ApplicationInsightsManagementClient
    from azure.mgmt.loganalytics import LogAnalyticsManagementClient
    from azure.mgmt.securityinsight import SecurityInsightsMgmtClient

    def insights(version: str):
        return SecurityInsightsMgmtClient(
            credential, subscription_id, base_url=base_url, api_version=version, **options
        )

    return Clients(
        stable_insights=insights(apiversions.STABLE_SECURITY_INSIGHTS),
        preview_insights=insights(apiversions.PREVIEW_SECURITY_INSIGHTS),
        log_analytics=LogAnalyticsManagementClient(
            credential, subscription_id, base_url=base_url, api_version=apiversions.SAVED_SEARCHES, **options
        ),
        workbooks=ApplicationInsightsManagementClient(credential, subscription_id, base_url=base_url, **options),
        polling_interval=polling_interval,
    )


def sdk_model(obj: ApiObject) -> Any:
    """The SDK model that carries `obj.body`, or the body itself for Scheduled rules (see above)."""
    if obj.kind is Kind.SCHEDULED_RULE:
        return obj.body
    if obj.kind is Kind.NRT_RULE:
        from azure.mgmt.securityinsight.models import NrtAlertRule

        return NrtAlertRule(obj.body)
    if obj.kind is Kind.WATCHLIST:
        from azure.mgmt.securityinsight.models import Watchlist

        return Watchlist(obj.body)
    if obj.kind in (Kind.HUNTING_QUERY, Kind.PARSER):
        from azure.mgmt.loganalytics.models import SavedSearch

        return SavedSearch(obj.body)
    from azure.mgmt.applicationinsights.v2023_06_01.models import Workbook

    return Workbook.from_dict(obj.body)


def as_dict(result: Any) -> dict[str, Any]:
    """A response model as the JSON the service sent (camelCase member names)."""
    if result is None:
        return {}
    if isinstance(result, dict):
        return result
    if hasattr(result, "as_dict") and not hasattr(result, "serialize"):
        return result.as_dict()
    return result.serialize(keep_readonly=True)


def put(clients: Clients, ws: WorkspaceRef, obj: ApiObject, etag: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Create or update `obj`; `etag` (the current one, or `*`) guards against overwriting a newer version."""
    rg, name = ws.resource_group, ws.workspace_name
    model = sdk_model(obj if etag is None else replace(obj, body={**obj.body, "etag": etag}))
    if obj.kind is Kind.SCHEDULED_RULE:
        result = clients.stable_insights.alert_rules.create_or_update(rg, name, obj.name, model, **kwargs)
    elif obj.kind is Kind.NRT_RULE:
        result = clients.preview_insights.alert_rules.create_or_update(rg, name, obj.name, model, **kwargs)
    elif obj.kind is Kind.WATCHLIST:
        if clients.polling_interval is not None:
            kwargs.setdefault("polling_interval", clients.polling_interval)
        poller = clients.stable_insights.watchlists.begin_create_or_update(rg, name, obj.name, model, **kwargs)
        poller.result()
        result = clients.stable_insights.watchlists.get(rg, name, obj.name)
    elif obj.kind in (Kind.HUNTING_QUERY, Kind.PARSER):
        result = clients.log_analytics.saved_searches.create_or_update(rg, name, obj.name, model, **kwargs)
    else:
        result = clients.workbooks.workbooks.create_or_update(rg, obj.name, model, **kwargs)
    return as_dict(result)


def get(clients: Clients, ws: WorkspaceRef, obj: ApiObject) -> dict[str, Any] | None:
    """The object as the service holds it, or None when it does not exist."""
    rg, name = ws.resource_group, ws.workspace_name
    try:
        if obj.kind is Kind.SCHEDULED_RULE:
            return as_dict(clients.stable_insights.alert_rules.get(rg, name, obj.name))
        if obj.kind is Kind.NRT_RULE:
            return as_dict(clients.preview_insights.alert_rules.get(rg, name, obj.name))
        if obj.kind is Kind.WATCHLIST:
            return as_dict(clients.stable_insights.watchlists.get(rg, name, obj.name))
        if obj.kind in (Kind.HUNTING_QUERY, Kind.PARSER):
            return as_dict(clients.log_analytics.saved_searches.get(rg, name, obj.name))
        return as_dict(clients.workbooks.workbooks.get(rg, obj.name, can_fetch_content=True))
    except ResourceNotFoundError:
        return None


def watchlist_items(clients: Clients, ws: WorkspaceRef, alias: str) -> list[dict[str, Any]]:
    """Every item of a watchlist (all pages)."""
    pages = clients.stable_insights.watchlist_items.list(ws.resource_group, ws.workspace_name, alias)
    return [as_dict(i) for i in pages]


def endpoint_from_env(env: dict[str, str] | None = None) -> str:
    """The ARM endpoint: `SENTINEL_DAC_ARM_ENDPOINT` (the emulator prints it), else public Azure."""
    import os

    return (env if env is not None else os.environ).get("SENTINEL_DAC_ARM_ENDPOINT") or PUBLIC_ARM


def credential_from_env(env: dict[str, str] | None = None) -> Any:
    """A credential from the environment, never from a stored secret.

    `DefaultAzureCredential` (environment, workload identity, managed identity, Azure CLI). When
    `AZURE_AUTHORITY_HOST` is a loopback address (the emulator), instance discovery is turned off:
    it would otherwise ask login.microsoftonline.com whether the authority is known.
    """
    import os
    from urllib.parse import urlsplit

    from azure.identity import DefaultAzureCredential

    env = env if env is not None else os.environ
    host = urlsplit(env.get("AZURE_AUTHORITY_HOST", "")).hostname or ""
    local = host in ("127.0.0.1", "localhost", "::1")
    return DefaultAzureCredential(disable_instance_discovery=local, exclude_interactive_browser_credential=True)
