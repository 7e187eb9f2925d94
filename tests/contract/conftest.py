"""Fixtures of the contract tests: every test runs once per imitated release."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from contract import RELEASES, Samples, new_system, series
from simsupport import SimSystem


@pytest.fixture(scope="session", params=RELEASES)
def release(request: pytest.FixtureRequest) -> str:
    """The DAOS release imitated (DAOS_SIM_VERSION)."""
    return str(request.param)


@pytest.fixture(scope="session")
def samples(release: str) -> Samples:
    return Samples(release)


@pytest.fixture
def make_system(tmp_path: Path, release: str) -> Iterator[Callable[..., SimSystem]]:
    """Fresh systems of the release, cleaned up (mounts, processes, tmpfs) after the test."""
    systems: list[SimSystem] = []

    def make(**kwargs: Any) -> SimSystem:
        path = tmp_path / f"sys{len(systems)}"
        path.mkdir()
        systems.append(new_system(path, release, **kwargs))
        return systems[-1]

    yield make
    for system in systems:
        system.cleanup()


@pytest.fixture(scope="session")
def cluster(release: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimSystem]:
    """One running system of the release (formatted, rank joined, agent up): SCM 1 GiB and a
    2 GiB bdev, room for one pool of --size=2G as in the real runs."""
    yield from new_system(tmp_path_factory.mktemp(f"contract-{series(release)}"), release).running()


@pytest.fixture
def system(cluster: SimSystem, release: str) -> Iterator[SimSystem]:
    """The release's running system, without dfuse mounts or pools before and after."""

    def clean() -> None:
        cluster.unmount_all()
        listed = cluster.dmg("-j", "pool", "list", "--no-query")
        assert listed.returncode == 0, listed.stderr
        recursive = ["--recursive"] if series(release) != "2.0" else []
        for pool in listed.json["response"]["pools"] or []:
            result = cluster.dmg("-j", "pool", "destroy", "--force", *recursive, pool["uuid"])
            assert result.returncode == 0, result.stderr

    clean()
    yield cluster
    clean()
