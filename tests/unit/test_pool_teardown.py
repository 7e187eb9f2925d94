"""The teardown of the pool fixtures: the container supplies of each pool closed, then every
pool destroyed, newest first; the first failure raised after all were tried."""

from __future__ import annotations

import pytest

from pytest_daos.factories import _destroy_all, _destroy_pools


class Pool:
    def __init__(self, name: str, events: list[str], refuse: bool = False) -> None:
        self.uuid, self.events, self.refuse = name, events, refuse

    def destroy(self) -> None:
        self.events.append(f"destroy {self.uuid}")
        if self.refuse:
            raise RuntimeError(f"cannot destroy {self.uuid}")


class State:
    """What the teardown asks of the run state: to close the supplies of a pool."""

    def __init__(self, events: list[str], failing: tuple[str, ...] = ()) -> None:
        self.events, self.failing = events, failing

    def close_supplies(self, pool: Pool) -> list[Exception]:
        self.events.append(f"close {pool.uuid}")
        if pool.uuid in self.failing:
            return [RuntimeError(f"a container of {pool.uuid} stays")]
        return []


def test_supplies_closed_then_pools_destroyed_newest_first():
    events: list[str] = []
    pools = [Pool("a", events), Pool("b", events)]
    _destroy_pools(State(events), pools)  # type: ignore[arg-type]
    assert events == ["close a", "close b", "destroy b", "destroy a"]


def test_the_first_failed_destroy_is_raised_after_every_pool_was_tried():
    events: list[str] = []
    pools = [Pool("a", events, refuse=True), Pool("b", events, refuse=True), Pool("c", events)]
    with pytest.raises(RuntimeError, match="cannot destroy b"):
        _destroy_pools(State(events), pools)  # type: ignore[arg-type]
    assert events[-3:] == ["destroy c", "destroy b", "destroy a"]


def test_a_supply_failure_is_raised_after_every_pool_is_destroyed():
    events: list[str] = []
    pools = [Pool("a", events), Pool("b", events)]
    with pytest.raises(RuntimeError, match="a container of a stays"):
        _destroy_pools(State(events, failing=("a", "b")), pools)  # type: ignore[arg-type]
    assert events == ["close a", "close b", "destroy b", "destroy a"]


def test_a_pool_that_stays_is_said_before_a_container_that_stays():
    events: list[str] = []
    pools = [Pool("a", events, refuse=True)]
    with pytest.raises(RuntimeError, match="cannot destroy a"):
        _destroy_pools(State(events, failing=("a",)), pools)  # type: ignore[arg-type]


def test_destroy_all_tries_every_object():
    events: list[str] = []
    with pytest.raises(RuntimeError, match="cannot destroy y"):
        _destroy_all([Pool("x", events, refuse=True), Pool("y", events, refuse=True)])
    assert events == ["destroy y", "destroy x"]
