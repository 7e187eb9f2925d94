"""Integration tests: a real Docker engine, real images, real containers, real hugepages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BASE_IMAGE = os.environ.get("PYTEST_DAOS_SIM_BASE_IMAGE", "pytest-daos/sim-base:bookworm")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def base_image() -> str:
    """The sim base image made by scripts/host-setup.sh (or named in the environment)."""
    return BASE_IMAGE
