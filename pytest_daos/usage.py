"""Which tests use pytest-daos, and with which cluster settings: read from the fixtures
each test uses, as pytest's fixture manager knows them (`item.fixturenames` and the
manager's `getfixturedefs`, never pytest's private `item._fixtureinfo`). A fixture made by
the factories carries `factories.MARK`; a cluster fixture also its settings
(`factories.SETTINGS`)."""

from __future__ import annotations

from typing import Any

import pytest

from . import factories


def fixture_functions(item: pytest.Item) -> list[Any]:
    """The functions of every fixture the test uses, directly or not (none for an item
    without fixtures), as pytest's fixture manager knows them."""
    names = getattr(item, "fixturenames", None)
    manager = item.config.pluginmanager.get_plugin("funcmanage")
    if not names or manager is None:
        return []
    # pytest 8.0 finds the fixtures a test sees by its node id, later releases by the node
    seen_from = item.nodeid if pytest.version_tuple < (8, 1) else item
    # a name the test is parametrized with is given its values there, not by a fixture
    given = getattr(getattr(item, "callspec", None), "params", {})
    return [
        definition.func
        for name in names
        if name not in given
        for definition in manager.getfixturedefs(name, seen_from) or ()
    ]


def uses_daos(item: pytest.Item) -> bool:
    """Whether the test uses a fixture made by pytest-daos's factories (directly or not)."""
    return any(getattr(func, factories.MARK, False) for func in fixture_functions(item))


def cluster_settings(item: pytest.Item) -> dict[str, Any]:
    """The settings of the cluster fixture the test uses (a factory's own, or none)."""
    for func in fixture_functions(item):
        settings = getattr(func, factories.SETTINGS, None)
        if settings is not None:
            return dict(settings)
    return {}
