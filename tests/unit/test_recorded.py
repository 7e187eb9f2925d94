"""What a start does with the recorded cluster (`cluster/recorded.py`): a kept cluster whose
nodes stopped is removed, a dead session's is replaced, a compatible kept one is reused
and a live one refused; whether it fits is asked only when that decides. Docker is the
fake SDK of test_lifecycle_start, the hugepages the fake kernel of test_hugepages."""

from __future__ import annotations

from typing import Any

import pytest
from test_hugepages import FakeKernel, SyncingHugepages
from test_operations import a_gone_owner, host_with_a_cluster

from pytest_daos.cluster import recorded
from pytest_daos.cluster.containers import ClusterConflict
from pytest_daos.cluster.labels import Owner
from pytest_daos.cluster.record import load_record
from pytest_daos.cluster.recorded import RecordedCluster
from pytest_daos.settings import Settings


def seen_by_a_start(tmp_path, owner: Owner, keep: bool) -> tuple[RecordedCluster, list[str]]:
    client, record = host_with_a_cluster(tmp_path / "state", owner, keep=keep)
    root = tmp_path / "root"
    root.mkdir()
    hugepages = SyncingHugepages(FakeKernel(root, total=0, free=0, mounted=True))
    said: list[str] = []
    return RecordedCluster(record, client, tmp_path / "state", hugepages, said.append), said


def counted(asked: list[str]) -> Any:
    """A `compatible` that notes each time it is asked."""
    return lambda: asked.append("compatible?") or True


def test_a_kept_cluster_whose_nodes_stopped_is_removed(tmp_path):
    found, said = seen_by_a_start(tmp_path, Owner.current(), keep=True)
    found.client.containers.by_name[found.record.containers["server"]].status = "exited"
    asked: list[str] = []
    assert not found.nodes_running()
    assert found.use(Owner.current(), Settings(reuse=True), "key", counted(asked)) is None
    assert said == [
        f"removing the kept cluster of session {found.record.session}: its nodes are not running"
    ]
    assert asked == [] and found.client.containers.list() == []
    assert load_record(found.folder) is None


def test_a_dead_sessions_cluster_is_replaced_without_asking_whether_it_fits(tmp_path):
    found, said = seen_by_a_start(tmp_path, a_gone_owner(), keep=False)
    asked: list[str] = []
    assert found.use(Owner.current(), Settings(), "key", counted(asked)) is None
    assert said == [f"removing the dead session's cluster of session {found.record.session}"]
    assert asked == [] and found.client.containers.list() == []


def test_a_compatible_kept_cluster_is_reused(tmp_path, monkeypatch):
    found, said = seen_by_a_start(tmp_path, a_gone_owner(), keep=True)
    waited: list[float] = []

    class Nodes:
        def wait_joined(self, deadline: Any) -> None:
            waited.append(deadline.remaining())

    monkeypatch.setattr(recorded, "attach_record", lambda client, record: (Nodes(), "handles"))
    used = found.use(Owner.current(), Settings(reuse=True, start_timeout=9), "key", lambda: True)
    assert used == ("handles", f"reused the kept cluster of session {found.record.session}")
    assert len(waited) == 1 and 0 < waited[0] <= 9
    assert said == [] and len(found.client.containers.list()) == 3


def test_a_live_sessions_cluster_with_other_settings_is_refused(tmp_path):
    found, said = seen_by_a_start(tmp_path, Owner.current(), keep=False)
    with pytest.raises(ClusterConflict, match="wait for that run to end"):
        found.use(Owner.current(), Settings(), "key", lambda: False)
    assert said == [] and len(found.client.containers.list()) == 3
