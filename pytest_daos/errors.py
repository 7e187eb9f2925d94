"""The base of every error pytest-daos raises.

Each names its cause and the fix in its message, so the plugin, the fixtures and the
`pytest-daos` command can show it as one message and catch one class. Errors keep the
built-in base they always had (ValueError for bad settings, RuntimeError otherwise).
"""

from __future__ import annotations


class PytestDaosError(Exception):
    """Something pytest-daos could not do; the message says why and what to do."""


class PoolSpaceError(PytestDaosError, RuntimeError):
    """A pool does not fit in the cluster's storage; the message says what to change."""
