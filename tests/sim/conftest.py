"""Fixtures of the sim's tests (helpers live in tests/helpers/simsupport.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from simsupport import SimSystem


@pytest.fixture
def make_system(tmp_path: Path) -> Iterator[Callable[..., SimSystem]]:
    """A factory of SimSystems, each cleaned up after the test."""
    systems: list[SimSystem] = []

    def make(**kwargs: Any) -> SimSystem:
        path = tmp_path / f"sys{len(systems)}"
        path.mkdir()
        system = SimSystem(path, **kwargs)
        systems.append(system)
        return system

    yield make
    for system in systems:
        system.cleanup()


@pytest.fixture(scope="session")
def shared_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimSystem]:
    """One running system with an agent, shared by the pool and container tests.

    SCM 2 GiB and a 4 GiB bdev: room for two pools of --size=2G, as in the real run.
    """
    yield from SimSystem(tmp_path_factory.mktemp("shared"), scm_size=2, bdev_size=4).running()


@pytest.fixture
def system(shared_system: SimSystem) -> Iterator[SimSystem]:
    """The shared system, without pools before and after the test."""

    def destroy_all() -> None:
        listed = shared_system.dmg("-j", "pool", "list")
        assert listed.returncode == 0, listed.stderr
        for pool in listed.json["response"]["pools"] or []:
            result = shared_system.dmg("-j", "pool", "destroy", "--recursive", pool["label"])
            assert result.returncode == 0, result.stderr

    destroy_all()
    yield shared_system
    destroy_all()
