"""Connecting to a target: the SDK clients for its cloud, with its tenant's credential.

Transport options are the same for Azure and the emulator: the ARM endpoint and authority come
from the target's cloud unless the environment overrides them (`SENTINEL_DAC_ARM_ENDPOINT`,
`AZURE_AUTHORITY_HOST`, printed by `sentinel-dac emulate`); the CA bundle from
`REQUESTS_CA_BUNDLE` as the Azure SDKs read it. Retries are azure-core's RetryPolicy (408, 429,
500, 502, 503, 504 and connection errors, honouring Retry-After).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..targets import Target
from .clients import Clients, make_clients

DEFAULT_RETRIES: dict[str, Any] = {"retry_total": 10, "retry_backoff_factor": 0.5, "retry_backoff_max": 30}


def connect(target: Target, env: Mapping[str, str] | None = None, **options: Any) -> Clients:
    """Clients for `target`; `options` go to every SDK client (e.g. `connection_verify`, retries)."""
    opts = {**DEFAULT_RETRIES, **options}
    opts.setdefault("credential_scopes", [target.arm_scope])
    return make_clients(target.credential(env), target.subscription_id, base_url=target.arm_endpoint(env), **opts)
