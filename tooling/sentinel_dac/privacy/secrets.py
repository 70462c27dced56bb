"""What looks like a secret or key, found anywhere in text: redacted, never pseudonymised.

A keyed hash of a secret would still let someone holding the key confirm a guess; a secret has no
analytic value in a sample, so it is replaced by `[REDACTED:<kind>]`. Patterns are deliberately
broad (false positives cost a little realism; false negatives leak a credential). Kinds follow
common secret-scanner patterns: Azure storage/connection-string keys, SAS signatures, JWTs and bearer
tokens, OpenAI-style `sk-` keys, GitHub tokens, PEM private keys, `password=`/`secret=`/`key=`
assignments, and long high-entropy base64 or hex runs.
"""

from __future__ import annotations

import math
import re
from collections import Counter

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private-key",
        re.compile(r"(?P<s>-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$))"),
    ),
    ("jwt", re.compile(r"\b(?P<s>eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)")),
    ("bearer-token", re.compile(r"(?i)\bbearer\s+(?P<s>[A-Za-z0-9._~+/=-]{16,})")),
    ("api-key", re.compile(r"\b(?P<s>sk-(?:proj-)?[A-Za-z0-9_-]{16,})")),
    ("github-token", re.compile(r"\b(?P<s>gh[pousr]_[A-Za-z0-9]{30,})")),
    (
        "assignment",
        re.compile(
            r"(?i)\b(?:accountkey|sharedaccesskey|password|passwd|pwd|secret|client_secret|api[-_]?key|"
            r"access[-_]?token|sig|token|code)=(?P<s>[^;&\s\"']{6,})"
        ),
    ),
    (
        "assignment",
        re.compile(
            r"(?i)\b(?:password|secret|api[-_]?key|apikey|ocp-apim-subscription-key|authorization)\"?\s?[:=]\s?\"?"
            r"(?P<s>[^\"',;\s\[]{6,})"
        ),
    ),
    ("base64-key", re.compile(r"(?<![A-Za-z0-9+/])(?P<s>[A-Za-z0-9+/]{40,}={0,2})(?![A-Za-z0-9+/=])")),
    ("hex-key", re.compile(r"(?<![0-9A-Fa-f])(?P<s>[0-9A-Fa-f]{40,})(?![0-9A-Fa-f])")),
)


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _random_looking(value: str, kind: str) -> bool:
    """Keys mix character classes; paths (`/openai/deployments/...`) and words do not."""
    digits = any(c.isdigit() for c in value)
    if kind == "hex-key":
        return digits and any(c.isalpha() for c in value)
    return digits and any(c.islower() for c in value) and any(c.isupper() for c in value) and _entropy(value) >= 3.5


def redact_secrets(text: str, found: Counter[str] | None = None) -> str:
    """`text` with every secret-looking run replaced by `[REDACTED:<kind>]`; kinds counted in `found`."""
    for kind, pattern in _PATTERNS:

        def replace(m: re.Match[str], kind: str = kind) -> str:
            value = m.group("s")
            if kind in ("base64-key", "hex-key") and not _random_looking(value, kind):
                return m.group(0)
            if value.startswith("[REDACTED:"):
                return m.group(0)
            if found is not None:
                found[kind] += 1
            start, end = m.span("s")
            whole = m.group(0)
            offset = m.start()
            return whole[: start - offset] + f"[REDACTED:{kind}]" + whole[end - offset :]

        text = pattern.sub(replace, text)
    return text
