"""Shared helpers of the project's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "unit" / "data"


@pytest.fixture
def real_output() -> object:
    """Read a real DAOS output sample: real_output("2.6", "dmg_pool_list.json") -> str."""

    def read(version: str, name: str) -> str:
        return (DATA / version / name).read_text()

    return read


@pytest.fixture(scope="session")
def docker() -> Any:
    """A client of the Docker engine (integration and real-DAOS tests)."""
    from pytest_daos.cluster.host import docker_client

    return docker_client()


def our_containers(docker: Any) -> list[str]:
    from pytest_daos.cluster.labels import SESSION_LABEL

    return [c.name for c in docker.containers.list(all=True, filters={"label": SESSION_LABEL})]


def nr_hugepages() -> int:
    return int(Path("/proc/sys/vm/nr_hugepages").read_text())


def hugepage_files() -> set[str]:
    folder = Path("/dev/hugepages")
    return {entry.name for entry in folder.iterdir()} if folder.is_dir() else set()


@pytest.fixture
def leaves_nothing_behind(docker: Any) -> Iterator[None]:
    """Check after the test: no container of ours, hugepages and their files (the engine's
    `spdk_pid*map_*`) as before."""
    before = (nr_hugepages(), hugepage_files())
    assert our_containers(docker) == [], "containers of an earlier run are still there"
    yield
    assert our_containers(docker) == []
    assert not {name for name in hugepage_files() - before[1] if name.startswith("spdk_pid")}
    assert (nr_hugepages(), hugepage_files()) == before
