"""The pseudonymisation key: read from the environment, never written anywhere.

Keyed (HMAC) pseudonyms cannot be reversed or confirmed by guessing without the key, unlike plain
hashes of low-entropy values such as user names or IPv4 addresses. Keep the key in a secret store;
rotating it changes every pseudonym (recorded samples from two keys no longer join).
"""

from __future__ import annotations

import os

from ..errors import ConfigError

KEY_ENV = "SENTINEL_DAC_PSEUDONYM_KEY"
MIN_KEY_LENGTH = 16


def load_key(environ: dict[str, str] | None = None) -> bytes:
    value = (os.environ if environ is None else environ).get(KEY_ENV, "")
    if not value:
        raise ConfigError(
            f"{KEY_ENV} is not set: pseudonymising needs a secret key (at least {MIN_KEY_LENGTH} characters), "
            f"e.g. `export {KEY_ENV}=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')`; "
            "keep it out of the repository"
        )
    if len(value) < MIN_KEY_LENGTH:
        raise ConfigError(f"{KEY_ENV} is too short ({len(value)} characters; at least {MIN_KEY_LENGTH})")
    return value.encode("utf-8")
