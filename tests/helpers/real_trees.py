"""The real DAOS install trees of the real-DAOS tier (tests/real): which releases it runs.

The trees are found at the paths in PYTEST_DAOS_REAL_TREES (space-separated), by default
/opt/daos (DAOS 2.6.5) and /opt/daos-2.4.2.
"""

from __future__ import annotations

import os
from pathlib import Path

from pytest_daos.cluster.recipes.local import TreeError, tree_version

TREES = os.environ.get("PYTEST_DAOS_REAL_TREES", "/opt/daos /opt/daos-2.4.2").split()


def found_trees() -> dict[str, str]:
    """DAOS release -> install tree, for each tree that exists."""
    found = {}
    for prefix in TREES:
        try:
            found[tree_version(Path(prefix))] = prefix
        except TreeError:
            continue
    return found


FOUND = found_trees()


def releases() -> list[str]:
    """The releases to run (one placeholder when there is none, skipped)."""
    return sorted(FOUND) or ["none"]


def newest() -> list[str]:
    return releases()[-1:]
