"""Containers made ahead of need: each goes to exactly one test, those given back are
destroyed, closing destroys the ready ones and reports every failure."""

from __future__ import annotations

import threading

import pytest

from pytest_daos.client import supply as supply_module
from pytest_daos.client.supply import ContainerSupply


class Container:
    def __init__(self, pool: Pool, label: str) -> None:
        self.pool, self.label = pool, label

    def unmount_all(self) -> None:
        self.pool.events.append(f"unmount {self.label}")

    def destroy(self) -> None:
        if self.label in self.pool.refuse_destroy:
            raise RuntimeError(f"cannot destroy {self.label}")
        with self.pool.lock:
            self.pool.live.remove(self.label)
            self.pool.events.append(f"destroy {self.label}")


class Pool:
    """The narrow seam: what a supply asks of a DaosPool."""

    label = "tank"

    def __init__(self, fail_create: bool = False) -> None:
        self.lock = threading.Lock()
        self.live: set[str] = set()
        self.made: list[tuple[str, str]] = []
        self.fail_create = fail_create
        self.refuse_destroy: set[str] = set()
        self.events: list[str] = []

    def create_container(self, label: str, type: str) -> Container:
        if self.fail_create:
            raise RuntimeError("DER_NOSPACE(-1007): No space on storage target")
        with self.lock:
            self.live.add(label)
            self.made.append((label, type))
            self.events.append(f"make {label}")
        return Container(self, label)


def labels() -> object:
    counter = iter(range(1000))
    return lambda: f"cont_{next(counter)}"


def test_every_container_goes_to_one_test_and_none_is_left():
    pool = Pool()
    supply = ContainerSupply(pool, labels(), "HDF5", ahead=2)  # type: ignore[arg-type]
    taken = [supply.take() for _ in range(5)]
    assert len({container.label for container in taken}) == 5
    for container in taken:
        supply.give_back(container)  # type: ignore[arg-type]
    assert supply.close() == []
    assert pool.live == set()  # the given back and the ready ones: all destroyed
    assert {type for _, type in pool.made} == {"HDF5"}
    assert len(pool.made) <= 5 + 2 + 1  # never more than `ahead` beyond what was taken


def test_no_prefetch_makes_one_per_take():
    pool = Pool()
    supply = ContainerSupply(pool, labels(), ahead=0)  # type: ignore[arg-type]
    supply.give_back(supply.take())  # type: ignore[arg-type]
    assert supply.close() == [] and len(pool.made) == 1 and pool.live == set()


def test_a_failed_make_is_raised_to_the_test_that_takes_it():
    supply = ContainerSupply(Pool(fail_create=True), labels())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="DER_NOSPACE"):
        supply.take()
    assert [str(error) for error in supply.close()][:1] == [
        "DER_NOSPACE(-1007): No space on storage target"
    ]


def test_failed_destructions_are_reported_when_closing():
    pool = Pool()
    supply = ContainerSupply(pool, labels(), ahead=1)  # type: ignore[arg-type]
    container = supply.take()
    pool.refuse_destroy.add(container.label)
    supply.give_back(container)  # type: ignore[arg-type]
    failures = supply.close()
    assert [str(error) for error in failures] == [f"cannot destroy {container.label}"]
    with pytest.raises(RuntimeError, match="is closed"):
        supply.take()


def test_a_test_waiting_for_a_container_comes_before_destructions(monkeypatch):
    pool = Pool()
    given_back = [pool.create_container(f"old_{n}", "POSIX") for n in range(2)]
    monkeypatch.setattr(supply_module, "WORKERS", 0)  # queued, no thread yet
    supply = ContainerSupply(pool, labels(), ahead=0)  # type: ignore[arg-type]
    for container in given_back:
        supply.give_back(container)  # type: ignore[arg-type]
    monkeypatch.setattr(supply_module, "WORKERS", 1)
    taken = supply.take()  # starts the one thread: it makes this first
    assert supply.close() == []
    assert pool.events == [
        "make old_0",
        "make old_1",
        f"make {taken.label}",
        "destroy old_0",
        "destroy old_1",
    ]


def test_what_is_left_when_the_pool_goes_is_only_unmounted(monkeypatch):
    """Destructions still queued go with the pool's own recursive destroy that follows:
    only their dfuse mounts are undone."""
    pool = Pool()
    given_back = pool.create_container("old", "POSIX")
    monkeypatch.setattr(supply_module, "WORKERS", 0)  # queued, no thread yet
    supply = ContainerSupply(pool, labels(), ahead=1)  # type: ignore[arg-type]
    supply.give_back(given_back)  # type: ignore[arg-type]
    monkeypatch.setattr(supply_module, "WORKERS", 1)
    assert supply.close(pool_goes=True) == []
    assert pool.events == ["make old", "unmount old"]
