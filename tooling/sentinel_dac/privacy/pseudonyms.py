"""Keyed, deterministic pseudonyms per kind of value, shaped like the original.

Each kind keeps what queries rely on: an e-mail stays an e-mail (domain pseudonymised once, so
`split(upn, '@')[1]` still groups users by tenant domain), a GUID stays a GUID, an Azure resource
id keeps its provider and type segments (rules match on `/providers/Microsoft.KeyVault/vaults/`)
with subscription, resource group and names replaced, a Key Vault URI keeps its shape with vault and
secret names replaced. Identities are compared ignoring case (Entra and ARM treat them so), so
`Alice@X` and `alice@x` get one pseudonym. The well-known zero GUID and empty values are kept.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from .ipaddr import IpPseudonymiser

EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RESOURCE_ID = re.compile(r"^/subscriptions/", re.IGNORECASE)
URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
ZERO_GUID = "00000000-0000-0000-0000-000000000000"

KEPT_HOST_SUFFIXES = (
    "vault.azure.net",
    "managedhsm.azure.net",
    "openai.azure.com",
    "cognitiveservices.azure.com",
    "services.ai.azure.com",
    "azure-api.net",
    "blob.core.windows.net",
    "queue.core.windows.net",
    "table.core.windows.net",
    "file.core.windows.net",
    "dfs.core.windows.net",
    "database.windows.net",
    "azurewebsites.net",
    "azurecr.io",
    "azmk8s.io",
    "search.windows.net",
)
"""Service domains whose leftmost label is the customer's resource name (replaced) and the rest Azure's (kept)."""

PUBLIC_HOSTS = frozenset({"management.azure.com", "login.microsoftonline.com", "graph.microsoft.com", "api.openai.com"})
"""Hosts that name a public service, not a customer: kept as they are."""

KEYVAULT_COLLECTIONS = frozenset({"secrets", "keys", "certificates", "storage", "deletedsecrets", "deletedkeys"})


class Pseudonyms:
    def __init__(self, key: bytes):
        self._mac = hmac.new(key, digestmod=hashlib.sha256)  # keyed once; copied per message (faster)
        self.ip = IpPseudonymiser(key)
        self._digests: dict[tuple[str, str], str] = {}

    def _hmac(self, message: bytes) -> bytes:
        mac = self._mac.copy()
        mac.update(message)
        return mac.digest()

    def digest(self, kind: str, value: str, length: int = 10) -> str:
        key = (kind, value)
        full = self._digests.get(key)
        if full is None:
            full = self._digests[key] = self._hmac(f"{kind}\x00{value}".encode()).hex()
        return full[:length]

    # -- identities ------------------------------------------------------------------------------------------
    def email(self, value: str) -> str:
        local, _, domain = value.rpartition("@")
        return f"user-{self.digest('user', local.casefold() + '@' + domain.casefold())}@{self.domain(domain)}"

    def domain(self, value: str) -> str:
        return f"dom-{self.digest('domain', value.casefold(), 8)}.example"

    def guid(self, value: str) -> str:
        if value == ZERO_GUID:
            return value
        raw = bytearray(self._hmac(b"guid\x00" + value.casefold().encode())[:16])
        raw[6] = (raw[6] & 0x0F) | 0x40
        raw[8] = (raw[8] & 0x3F) | 0x80
        text = str(uuid.UUID(bytes=bytes(raw)))
        return text.upper() if value.isupper() else text

    def name(self, kind: str, value: str) -> str:
        """A user, host, resource or other name: `<kind>-<hash>`."""
        return f"{kind}-{self.digest(kind, value.casefold(), 8)}"

    # -- structured identifiers -------------------------------------------------------------------------------
    def resource_id(self, value: str) -> str:
        """`/subscriptions/S/resourceGroups/G/providers/NS/type/name/...`: names replaced, structure kept."""
        parts = value.split("/")
        out = list(parts)
        i = 1
        while i < len(parts) - 1:
            segment, name = parts[i].lower(), parts[i + 1]
            if segment == "subscriptions":
                out[i + 1] = self.guid(name) if GUID.match(name) else self.name("sub", name)
                i += 2
            elif segment == "resourcegroups":
                out[i + 1] = self.name("rg", name)
                i += 2
            elif segment == "providers":
                i += 2  # the namespace is Azure's
            else:
                out[i + 1] = self.name("res", name) if name else name  # type segment kept, its name replaced
                i += 2
        return "/".join(out)

    def host(self, host: str) -> str:
        lowered = host.lower()
        if lowered in PUBLIC_HOSTS:
            return host
        try:
            return self.ip(host)
        except ValueError:
            pass
        for suffix in KEPT_HOST_SUFFIXES:
            if lowered.endswith("." + suffix):
                head = lowered[: -len(suffix) - 1]
                return f"{self.name('res', head)}.{suffix}"
        return f"host-{self.digest('host', lowered, 8)}.example"

    def url(self, value: str) -> str:
        """Host (resource names), Key Vault object names and query values replaced; path words kept."""
        parts = urlsplit(value)
        host = parts.hostname or ""
        netloc = self.host(host) if host else ""
        if parts.port:
            netloc += f":{parts.port}"
        segments = parts.path.split("/")
        if host.lower().endswith(("vault.azure.net", "managedhsm.azure.net")):
            for i in range(1, len(segments)):
                if segments[i - 1].lower() in KEYVAULT_COLLECTIONS and segments[i]:
                    segments[i] = self.name("kvobj", segments[i])
                    if i + 1 < len(segments) and segments[i + 1]:
                        segments[i + 1] = self.digest("kvver", segments[i + 1], 32)
        else:
            segments = [self._path_segment(s) for s in segments]
        query = "&".join(
            f"{k}={v if k.lower() == 'api-version' else quote(self.name('v', v))}"
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        )
        return urlunsplit((parts.scheme, netloc, "/".join(segments), query, ""))

    def _path_segment(self, segment: str) -> str:
        if GUID.match(segment):
            return self.guid(segment)
        if EMAIL.match(segment):
            return self.email(segment)
        return segment

    # -- text ---------------------------------------------------------------------------------------------------
    def placeholder(self, kind: str, text: str) -> str:
        """Same length as `text`, a keyed hash of it inside: repetition and size survive, content does not."""
        if not text:
            return text
        tag = f"<{kind}:{self.digest(kind, text, 16)}>"
        if len(tag) >= len(text):
            return self.digest(kind, text, 64)[: len(text)]
        return tag + "." * (len(text) - len(tag))
