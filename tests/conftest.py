"""Shared fixtures of the project's own tests, and the one place where tests marked `root`
are skipped when pytest does not run as root."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from samples import sample
from sim_base import SIM_BASE_IMAGE

#: the real DAOS samples, one folder per release (tests/README.md says where each came from)
NOT_ROOT = "needs root (marker root: mounts tmpfs and FUSE, reserves hugepages)"


#: the tiers whose every test needs a Docker engine (marker `docker`)
DOCKER_TIERS = ("integration", "reliability", "real")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    docker_tiers = [here / tier for tier in DOCKER_TIERS]
    for item in items:
        if any(tier in Path(item.path).parents for tier in docker_tiers):
            item.add_marker(pytest.mark.docker)
        if os.geteuid() != 0 and item.get_closest_marker("root"):
            item.add_marker(pytest.mark.skip(reason=NOT_ROOT))


@pytest.fixture(scope="session")
def base_image() -> str:
    """The sim base image (integration and reliability tiers)."""
    return SIM_BASE_IMAGE


@pytest.fixture
def real_output() -> object:
    """Read a real DAOS output sample: real_output("2.6", "dmg_pool_list.json") -> str."""

    def read(version: str, name: str) -> str:
        return sample(version, name)

    return read


@pytest.fixture(scope="session")
def docker() -> Any:
    """A client of the Docker engine (integration and real-DAOS tests)."""
    from pytest_daos.cluster.host import docker_client

    return docker_client()


def our_containers(docker: Any) -> list[str]:
    from pytest_daos.cluster.labels import SESSION_LABEL

    return [
        c.name
        for c in docker.containers.list(
            all=True, filters={"label": SESSION_LABEL}, ignore_removed=True
        )
    ]


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
