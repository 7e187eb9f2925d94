"""`reap_orphans`: a start removes only the containers of sessions whose owner is
provably gone. Docker is the fake SDK of tests/helpers/fake_docker.py, /proc a fake tree
(test_labels.fake_proc) where this host cannot show the case."""

from __future__ import annotations

import dataclasses
import os

import pytest
from fake_docker import FakeClient, FakeContainer
from test_labels import CONTAINER_NS, TICKS, UNREADABLE, fake_proc, owner

from pytest_daos.cluster.containers import ClusterConflict, reap_orphans
from pytest_daos.cluster.labels import INITIAL_PID_NAMESPACE, Owner


def a_host_with(*owners: Owner) -> FakeClient:
    """A fake engine running a server node of each owner's session."""
    client = FakeClient()
    for one in owners:
        name = f"pytest-daos-{one.session}-server"
        client.containers.by_name[name] = FakeContainer(name, one.labels())
    return client


def test_a_provably_gone_owners_containers_are_removed(tmp_path):
    """Seen from the initial namespace, every namespace link readable: no process is pid
    8 of the owner's namespace."""
    root = fake_proc(tmp_path, INITIAL_PID_NAMESPACE, {4242: (CONTAINER_NS, [4242, 7])})
    client = a_host_with(owner(8, CONTAINER_NS))
    assert reap_orphans(client, root) == ["pytest-daos-s-server"]
    assert client.containers.list() == []


def test_an_owner_whose_namespace_link_cannot_be_read_keeps_its_containers(tmp_path):
    """A user who may not read root's /proc/<pid>/ns/pid (setpriv as nobody in the docker
    group) finds root's cluster: its owner may be behind the unreadable link."""
    processes = {4242: (CONTAINER_NS, [4242, 7]), 4300: (UNREADABLE, [4300, 8])}
    root = fake_proc(tmp_path, INITIAL_PID_NAMESPACE, processes)
    theirs = owner(8, CONTAINER_NS)
    client = a_host_with(theirs)
    with pytest.raises(ClusterConflict) as conflict:
        reap_orphans(client, root)
    assert conflict.value.waitable
    assert f"owner pid 8 in pid namespace {CONTAINER_NS}, which is out of this process's " in (
        str(conflict.value)
    )
    assert "`pytest-daos down --force`" in str(conflict.value)
    assert [c.calls for c in client.containers.list()] == [[]]


def test_an_owner_with_the_same_start_ticks_runs_whatever_the_wall_clock_says(tmp_path):
    root = fake_proc(tmp_path, CONTAINER_NS, {1: (CONTAINER_NS, [1])}, btime=10**9)
    running = dataclasses.replace(owner(1, CONTAINER_NS), ticks=TICKS, uid=os.geteuid())
    client = a_host_with(running)
    with pytest.raises(ClusterConflict, match="which is running"):
        reap_orphans(client, root)
    assert len(client.containers.list()) == 1
