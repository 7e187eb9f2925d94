"""Integration tests: a real Docker engine, real images, real containers, real hugepages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pytest_daos.host import docker_client
from pytest_daos.labels import SESSION_LABEL

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


@pytest.fixture(scope="session")
def docker() -> Any:
    return docker_client()


def our_containers(docker: Any) -> list[str]:
    return [c.name for c in docker.containers.list(all=True, filters={"label": SESSION_LABEL})]


def nr_hugepages() -> int:
    return int(Path("/proc/sys/vm/nr_hugepages").read_text())


def hugepage_files() -> set[str]:
    folder = Path("/dev/hugepages")
    return {entry.name for entry in folder.iterdir()} if folder.is_dir() else set()


@pytest.fixture
def leaves_nothing_behind(docker: Any) -> Iterator[None]:
    """Check after the test: no container of ours, hugepages and their files as before."""
    before = (nr_hugepages(), hugepage_files())
    assert our_containers(docker) == [], "containers of an earlier run are still there"
    yield
    assert our_containers(docker) == []
    assert (nr_hugepages(), hugepage_files()) == before
