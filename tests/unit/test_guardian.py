"""The guardian of a cluster: it removes the cluster once no session that uses it is alive,
and otherwise leaves it to the sessions."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from pytest_daos.cluster.guardian import guard
from pytest_daos.cluster.labels import Owner
from pytest_daos.cluster.record import ClusterRecord, load_record, save_record


class NoNodes:
    """A Docker client with no containers at all (the record names none)."""

    class containers:
        @staticmethod
        def get(name):
            raise AssertionError(f"{name} is not in the record")


def recorded(folder, owner: Owner, **fields) -> ClusterRecord:
    values = dict(
        owner=dataclasses.asdict(owner), keep=False, compat="", containers={}, recipe="sim",
        daos_version="2.6.5", iface="lo", ip="127.0.0.1", log_files={},
    )  # fmt: skip
    record = ClusterRecord(**{**values, **fields})
    save_record(folder, record)
    return record


def gone_owner() -> Owner:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    return dataclasses.replace(Owner.current(), pid=int(child.stdout))


def test_a_cluster_whose_sessions_are_gone_is_removed(tmp_path):
    owner = gone_owner()
    recorded(tmp_path, owner)
    said = guard(tmp_path, owner.session, sleep=lambda _: None, client_factory=NoNodes)
    assert said == [f"removed the cluster of session {owner.session}: no session uses it"]
    assert load_record(tmp_path) is None


def test_a_live_sharer_keeps_the_cluster_and_the_guard_ends_with_its_record(tmp_path):
    owner = gone_owner()
    recorded(tmp_path, owner, sharers=[dataclasses.asdict(Owner.current())])
    looks = []

    def sleep(_: float) -> None:  # the sharer's teardown removes the record meanwhile
        looks.append(load_record(tmp_path))
        (tmp_path / "cluster.json").unlink()

    said = guard(tmp_path, owner.session, sleep=sleep, client_factory=NoNodes)
    assert looks and looks[0] is not None  # it looked, and left the cluster alone
    assert said == [f"the record no longer names the cluster of session {owner.session}"]


def test_a_kept_cluster_is_not_guarded(tmp_path):
    owner = gone_owner()
    recorded(tmp_path, owner, keep=True)
    said = guard(tmp_path, owner.session, sleep=lambda _: None, client_factory=NoNodes)
    assert said == [f"the cluster of session {owner.session} is kept: not guarded"]
    assert load_record(tmp_path) is not None
