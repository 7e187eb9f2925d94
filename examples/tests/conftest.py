"""Fixtures of daos-shelf's tests: pytest-daos's own (daos_cluster, daos_pool,
daos_container, the factories, daos_client) and more made by its factories."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from daos_shelf import Shelf

from pytest_daos import DaosContainer, factories

#: A pool per test, for tests that make and remove shelves of their own tenant.
tenant_per_test = factories.daos_pool_factory(scope="function")


@pytest.fixture
def shelf(daos_container: DaosContainer) -> Iterator[Shelf]:
    """A shelf on the test's own fresh container, unmounted after the test."""
    opened = Shelf.open(daos_container)
    yield opened
    opened.close()
