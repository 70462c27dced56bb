"""Pseudonymising recorded logs before they enter the repository.

Logs of AI workloads hold customer prompts, identities and addresses; recorded samples must not.
`Scrubber` replaces each identifying value by a deterministic keyed pseudonym (HMAC-SHA256 with a
key from the environment, never stored), so the same user, address or vault keeps the same
pseudonym in every table and joins still work; prompts become same-length placeholders carrying a
keyed hash (repetition stays visible); secrets are redacted. `scrub_file` applies it to a sample
file and returns a `MaskingReport` of what was changed and what was left as is.
"""

from __future__ import annotations

from .keys import KEY_ENV, load_key
from .report import MaskingReport
from .scrub import Scrubber, scrub_file, scrub_rows

__all__ = ["KEY_ENV", "MaskingReport", "Scrubber", "load_key", "scrub_file", "scrub_rows"]
