"""Exceptions the library raises; the CLI turns them into exit codes.

Library code never prints or exits: a problem with user input is either a
`Finding` (content problems, collected and reported together) or one of these
exceptions (problems that stop the command, such as a broken config file).
"""

from __future__ import annotations


class SentinelDacError(Exception):
    """Base class: a message fit to show the user as-is."""

    exit_code = 1


class ConfigError(SentinelDacError):
    """The project configuration (sentinel-dac.yaml) is missing or invalid."""


class UsageError(SentinelDacError):
    """The command was called with arguments that cannot work."""

    exit_code = 2


class DeployError(SentinelDacError):
    """Content cannot be turned into API objects, or a deployment request failed."""
