"""What the command asks of this host's cluster (`cluster/operations.py`): `down`, the node
states and ranks of `status`, the log tails of `logs`, and the header's words for a
cluster. Docker is the fake SDK of tests/helpers/fake_docker.py; records are real files."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from fake_docker import FakeClient, FakeContainer

from pytest_daos.client.dmg import Member
from pytest_daos.cluster import operations
from pytest_daos.cluster.host import Interface, InterfaceError
from pytest_daos.cluster.labels import KEEP_LABEL, Owner
from pytest_daos.cluster.node_options import container_name
from pytest_daos.cluster.recipes import load_recipe
from pytest_daos.cluster.record import ClusterRecord, load_record, save_record
from pytest_daos.settings import Settings

ROLES = ("server", "admin", "client")


class LoggingContainer(FakeContainer):
    def logs(self, tail: int) -> bytes:
        return f"{self.name}: the last {tail} lines\n".encode()


def host_with_a_cluster(
    folder: Path, owner: Owner, keep: bool = False
) -> tuple[FakeClient, ClusterRecord]:
    """A fake engine running the three nodes of `owner`'s cluster, and its record saved."""
    client = FakeClient()
    names = {role: container_name(owner, role) for role in ROLES}
    labels = {**owner.labels(), **({KEEP_LABEL: "true"} if keep else {})}
    for name in names.values():
        client.containers.by_name[name] = LoggingContainer(name, labels)
    record = ClusterRecord(
        owner=asdict(owner), keep=keep, compat="k", containers=names, recipe="sim",
        daos_version="2.6.5", iface="lo", ip="127.0.0.1", log_files={},
    )  # fmt: skip
    save_record(folder, record)
    return client, record


def a_gone_owner() -> Owner:
    return Owner("deaddeaddead", 2**22 + 12345, "another boot", 1.0)


def test_down_removes_the_recorded_cluster_of_a_session_that_is_gone(tmp_path):
    client, record = host_with_a_cluster(tmp_path, a_gone_owner())
    done = operations.down(Settings(state_dir=tmp_path), False, lambda: client)
    assert (done.record, done.removed, done.refused, done.problems) == (record, [], "", [])
    assert client.containers.list() == [] and load_record(tmp_path) is None


def an_unknown_owner() -> Owner:
    """An owner on another machine sharing the engine: nothing here can tell its end."""
    return Owner("0ther0ther00", 4242, "its boot", 1.0, "pid:[4026533111]", "ci-runner-2")


def test_down_leaves_a_running_sessions_cluster_alone_unless_forced(tmp_path):
    owner = Owner.current()
    client, record = host_with_a_cluster(tmp_path, owner)
    done = operations.down(Settings(state_dir=tmp_path), False, lambda: client)
    assert done.record == record and done.problems == []
    assert done.refused == (
        f"the cluster is in use by session {owner.session} (owner pid {owner.pid}, "
        "running): let that run end, or, if it has ended, use --force"
    )
    assert len(client.containers.list()) == 3 and load_record(tmp_path) == record
    forced = operations.down(Settings(state_dir=tmp_path), True, lambda: client)
    assert not forced.refused and client.containers.list() == []
    assert load_record(tmp_path) is None


def test_down_refuses_while_any_user_runs_or_is_unknown(tmp_path):
    """The starter is gone, but a session sharing the cluster runs and another's end
    cannot be seen from here: each is named."""
    client, record = host_with_a_cluster(tmp_path, a_gone_owner())
    unknown, running = an_unknown_owner(), Owner.current()
    record.sharers = [asdict(unknown), asdict(running)]
    save_record(tmp_path, record)
    done = operations.down(Settings(state_dir=tmp_path), False, lambda: client)
    assert done.refused == (
        f"the cluster is in use by session {unknown.session} (owner "
        f"{unknown.describe()}, out of this process's sight (another pid namespace, user or "
        f"machine)); session {running.session} (owner pid {running.pid}, running): let that "
        "run end, or, if it has ended, use --force"
    )
    assert len(client.containers.list()) == 3 and load_record(tmp_path) == record
    record.left = [running.session]  # done with it: only the unknown one holds it now
    save_record(tmp_path, record)
    done = operations.down(Settings(state_dir=tmp_path), False, lambda: client)
    assert done.refused.startswith(f"the cluster is in use by session {unknown.session} (")


def test_down_refuses_a_kept_cluster_a_live_session_runs_in(tmp_path):
    client, _ = host_with_a_cluster(tmp_path, Owner.current(), keep=True)
    done = operations.down(Settings(state_dir=tmp_path), False, lambda: client)
    assert done.refused and len(client.containers.list()) == 3


def test_down_removes_a_kept_cluster_whose_session_ended(tmp_path):
    client, _ = host_with_a_cluster(tmp_path, a_gone_owner(), keep=True)
    done = operations.down(Settings(state_dir=tmp_path), False, lambda: client)
    assert not done.refused and client.containers.list() == []


def test_down_without_a_record_removes_the_containers_no_record_names(tmp_path):
    mine = dataclasses.replace(a_gone_owner(), uid=os.geteuid())
    client, _ = host_with_a_cluster(tmp_path / "elsewhere", mine, keep=True)
    done = operations.down(Settings(state_dir=tmp_path), False, lambda: client)
    assert done.record is None and done.left == []
    assert sorted(done.removed) == sorted(container_name(mine, r) for r in ROLES)
    assert client.containers.list() == []


@pytest.mark.parametrize("force", [False, True])
def test_down_without_a_record_leaves_other_users_containers(tmp_path, force):
    """Only containers labelled with this user's uid are this user's: another uid's, and
    those of an earlier version (no uid label), stay, each named."""
    theirs = dataclasses.replace(a_gone_owner(), session="theirs000000", uid=os.geteuid() + 1)
    earlier = dataclasses.replace(a_gone_owner(), session="earlier00000")
    client = FakeClient()
    for owner in (theirs, earlier):
        name = container_name(owner, "server")
        client.containers.by_name[name] = FakeContainer(
            name, {**owner.labels(), KEEP_LABEL: "true"}
        )
    done = operations.down(Settings(state_dir=tmp_path), force, lambda: client)
    assert done.removed == [] and len(client.containers.list()) == 2
    assert done.left == [
        f"pytest-daos-theirs000000-server (owner uid {os.geteuid() + 1})",
        "pytest-daos-earlier00000-server (no org.pytest-daos.owner-uid label)",
    ]


def test_down_with_force_and_no_record_removes_all_of_this_users(tmp_path):
    mine = dataclasses.replace(an_unknown_owner(), uid=os.geteuid())
    client, _ = host_with_a_cluster(tmp_path / "elsewhere", mine)
    assert operations.down(Settings(state_dir=tmp_path), False, lambda: client).removed == []
    done = operations.down(Settings(state_dir=tmp_path), True, lambda: client)
    assert sorted(done.removed) == sorted(container_name(mine, r) for r in ROLES)


def test_node_states_say_gone_for_a_node_docker_does_not_have(tmp_path):
    client, record = host_with_a_cluster(tmp_path, a_gone_owner())
    client.containers.by_name[record.containers["admin"]].status = "exited"
    client.containers.by_name[record.containers["client"]].calls.append("remove")
    assert operations.node_states(client, record) == {
        "server": "running", "admin": "exited", "client": "gone",
    }  # fmt: skip


def test_status_says_why_the_ranks_cannot_be_asked(tmp_path):
    client, record = host_with_a_cluster(tmp_path, a_gone_owner())
    client.containers.by_name[record.containers["admin"]].status = "exited"
    seen = operations.status(record, lambda: client)
    assert seen.states["admin"] == "exited" and seen.members is None
    assert seen.problem == (
        f"DAOS cluster start failed in phase 'attach': the admin node "
        f"{record.containers['admin']} is exited"
    )


def test_status_has_the_ranks_of_the_recorded_cluster(tmp_path, monkeypatch):
    client, record = host_with_a_cluster(tmp_path, a_gone_owner())
    joined = [Member(0, "joined", "127.0.0.1:10001", "u", "f", "")]

    class Handles:
        def members(self) -> list[Member]:
            return joined

    monkeypatch.setattr(operations, "attach_record", lambda c, r: (None, Handles()))
    seen = operations.status(record, lambda: client)
    assert seen == operations.Status(dict.fromkeys(ROLES, "running"), joined)


@pytest.mark.parametrize(("roles", "shown"), [([], list(ROLES)), (["client"], ["client"])])
def test_node_logs_are_each_nodes_tail(tmp_path, roles, shown):
    client, record = host_with_a_cluster(tmp_path, a_gone_owner())
    tails = list(operations.node_logs(record, roles, 7, lambda: client))
    assert tails == [
        (role, "output", f"{record.containers[role]}: the last 7 lines\n") for role in shown
    ]


@pytest.mark.parametrize(
    ("privileged", "missing", "mode"),
    [
        ("auto", [], "--privileged"),
        ("yes", ["SYS_ADMIN"], "--privileged"),
        ("auto", ["SYS_ADMIN", "BPF"],
         "explicit capabilities (this runtime lacks CAP_SYS_ADMIN, CAP_BPF)"),
        ("no", [], "explicit capabilities"),
    ],
)  # fmt: skip
def test_the_header_says_how_the_nodes_will_run(monkeypatch, privileged, missing, mode):
    monkeypatch.setattr(operations, "missing_capabilities", lambda: missing)
    settings = Settings(version="2.6", privileged=privileged)
    words = operations.describe_cluster(settings, Interface("lo", "127.0.0.1"), "sim")
    assert words == f"DAOS 2.6, recipe sim, interface lo (127.0.0.1), nodes run with {mode}"


def test_the_header_says_an_interface_is_unusable(monkeypatch):
    monkeypatch.setattr(operations, "missing_capabilities", lambda: [])
    unusable = InterfaceError("network interface 'nope0' does not exist", "pass one")
    words = operations.describe_cluster(Settings(version="2.6"), unusable, "upstream")
    assert words.startswith("DAOS 2.6, recipe upstream, interface unusable: network interface")


class Builder:
    """The image builder's part the command uses."""

    def __init__(self, client: Any, folder: Path, progress: Any = None) -> None:
        self.client, self.folder, self.progress = client, folder, progress

    def ensure(self, recipe: Any, rebuild: bool = False) -> list[Any]:
        self.progress(f"ensure {recipe.name} rebuild={rebuild}")
        return ["images"]

    def prune(self, recipes: list[Any], dry_run: bool = False) -> list[str]:
        return [f"{len(recipes)} recipes kept, dry run {dry_run}"]


def test_build_and_prune_use_the_settings_recipes(tmp_path, monkeypatch):
    monkeypatch.setattr(operations, "ImageBuilder", Builder)
    settings = Settings(recipe="sim", sim_base_image="b:1", state_dir=tmp_path, rebuild=True)
    recipe = load_recipe(settings)
    said: list[str] = []
    assert operations.build_images(settings, recipe, said.append, lambda: "client") == ["images"]
    assert said == ["ensure sim rebuild=True"]
    pruned = operations.prune_images(settings, recipe, True, lambda: "client")
    kept = len(operations.known_recipes(settings, recipe))
    assert pruned == [f"{kept} recipes kept, dry run True"]
