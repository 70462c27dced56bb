"""Which kind of value a column (or a key inside a dynamic column) holds, from its name.

Shapes that identify themselves (addresses, e-mails, GUIDs, resource ids, URLs) are recognised from
the value, whatever the column; the name rules here cover what a value's shape cannot tell: a bare
user or host name, a resource name, and free text that is a prompt or a completion. Names are
matched case-insensitively on the column's name (AzureDiagnostics suffixes `_s`, `_g`, `_d` are
ignored).
"""

from __future__ import annotations

import re

PROMPT = "prompt"
USER = "user"
HOST = "host"
RESOURCE = "res"

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        PROMPT,
        re.compile(
            r"^(prompt|prompts|completion|completions|(backend)?(request|response)(body|messages)|messages?|content|"
            r"input|output|rawdata|rawmessage|question|answer|choices|text|arguments)$"
        ),
    ),
    (
        USER,
        re.compile(
            r"(user(name|principalname|id)?|caller|identity|upn|owner|actor|initiatedby|principal(name|id)?|"
            r"account(name|upn)?|sender|recipient|email|mail|claims?|appdisplayname|displayname|name_identifier|oid)$"
        ),
    ),
    (HOST, re.compile(r"(host(name)?|computer|device(name)?|machine(name)?|workstation|fqdn|clientname)$")),
    (
        RESOURCE,
        re.compile(
            r"(resource(name|group)?|vault(name)?|workspace(name)?|servicename|service_name|deployment(name)?|"
            r"subscription(name)?|apiid|productid|backendid|asset_id|subnet(id)?|storageaccount|containername|"
            r"secretname|keyname|objectname|clusterName|namespace|podname|sourcesystem_resource)$",
            re.IGNORECASE,
        ),
    ),
)
_SUFFIX = re.compile(r"_[sgdbt]$")
_KEEP = frozenset(
    {
        "type",
        "sourcesystem",
        "category",
        "operationname",
        "resulttype",
        "resultsignature",
        "resultdescription",
        "modelname",
        "apiversion",
        "region",
        "location",
        "method",
        "level",
        "role",
    }
)
"""Names whose values describe the event, not who or what it was about: never treated as identities."""


def column_kind(name: str) -> str | None:
    """PROMPT, USER, HOST, RESOURCE or None (no name rule: the value's shape decides)."""
    base = _SUFFIX.sub("", name).lower()
    if base in _KEEP:
        return None
    for kind, pattern in _RULES:
        if pattern.search(base):
            return kind
    return None
