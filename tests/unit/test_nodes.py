"""The start's waits on real DAOS answers: an answer that waiting cannot change ends the
start at once, naming the cause; one that can (the system still coming up) is polled."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_daos.client import envelope
from pytest_daos.client.transport import ExecResult
from pytest_daos.cluster.nodes import DockerCluster, StartError
from pytest_daos.waiting import Deadline

DATA = Path(__file__).parents[1] / "data"


class Node:
    """A running container whose `docker exec` of dmg prints a real sample."""

    name = "pytest-daos-x-admin"
    status = "running"

    def __init__(self, stdout: str, stderr: str, exit_code: int) -> None:
        self.attrs: dict[str, object] = {}
        self.answer = (exit_code, (stdout.encode(), stderr.encode()))
        self.dmg_calls: list[list[str]] = []

    def reload(self) -> None:
        pass

    def logs(self, tail: int) -> bytes:
        return b"daos_agent running\n"

    def exec_run(self, argv, environment, demux):
        command = [arg for arg in argv if arg != "timeout"]
        if "dmg" in argv:
            self.dmg_calls.append(argv)
            return self.answer
        return 1, (b"", f"{command[0]}: not here".encode())


def sample(release: str, stem: str) -> tuple[str, str]:
    folder = DATA / release
    return (folder / f"{stem}.json").read_text(), (folder / f"{stem}.stderr").read_text()


def cluster(node: Node) -> DockerCluster:
    docker = DockerCluster(None, "2.6.5", {}, "/opt/daos/etc/daos_control.yml")
    docker.containers["admin"] = node
    return docker


@pytest.mark.parametrize("release", ["2.6", "2.4"])
def test_certificates_not_found_ends_the_start_at_once(release):
    node = Node(*sample(release, "dmg_storage_scan_no_certs"), exit_code=1)
    with pytest.raises(StartError) as caught:
        cluster(node).wait_ready(Deadline(300))
    assert caught.value.phase == "control plane"
    text = str(caught.value)
    assert "DAOS answered fault 901; waiting cannot change this answer" in text
    assert "certificates are enabled, but /etc/daos/certs/daosCA.crt was not found" in text
    # one storage scan to learn it, the diagnostics' system query: no polling
    assert [call[call.index("dmg") + 1 :][:4] for call in node.dmg_calls] == [
        ["-j", "-o", "/opt/daos/etc/daos_control.yml", "storage"],
        ["-o", "/opt/daos/etc/daos_control.yml", "system", "query"],
    ]


@pytest.mark.parametrize(
    ("stem", "why"),
    [
        ("dmg_storage_scan_no_certs", "DAOS answered fault 901"),
        ("dmg_system_query_missing_config", "DAOS cannot read its configuration"),
        ("dmg_system_query_unknown_key", "DAOS cannot read its configuration"),
    ],
)
def test_permanent_answers_of_real_dmg(stem, why):
    stdout, stderr = sample("2.6", stem)
    result = ExecResult(("dmg", "-j", "system", "query"), 1, stdout, stderr)
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result)
    assert envelope.permanent(caught.value) == why


@pytest.mark.parametrize("stem", ["dmg_system_query_before_format", "dmg_system_query_server_down"])
def test_answers_that_waiting_changes_are_not_permanent(stem):
    stdout = (DATA / "2.6" / f"{stem}.json").read_text()
    result = ExecResult(("dmg", "-j", "system", "query"), 1, stdout, "")
    with pytest.raises(envelope.DaosError) as caught:
        envelope.parse(result)
    assert envelope.permanent(caught.value) is None


def test_a_missing_dmg_is_permanent():
    result = ExecResult(("dmg", "-j", "storage", "scan"), 127, "", "exec: dmg: not found\n")
    with pytest.raises(envelope.ProtocolError) as caught:
        envelope.parse(result)
    assert envelope.permanent(caught.value) == "`dmg` cannot run in the node (exit status 127)"


def test_a_recorded_cluster_is_attached_with_one_system_query():
    """A cluster whose record says it formatted and joined: no storage scan, no format
    check, one `dmg system query` that finds every rank joined."""
    node = Node((DATA / "2.6" / "dmg_system_query.json").read_text(), "", exit_code=0)
    members = cluster(node).wait_joined(Deadline(300))
    assert [member.state for member in members] == ["joined"]
    assert [call[call.index("dmg") + 1 :][-2:] for call in node.dmg_calls] == [["system", "query"]]


def _planned(missing_caps: tuple[str, ...], privileged: str) -> DockerCluster:
    from pytest_daos.cluster.host import Interface
    from pytest_daos.cluster.labels import Owner
    from pytest_daos.cluster.node_options import ClusterPlan
    from pytest_daos.cluster.recipes.sim import sim_recipe

    recipe = sim_recipe("2.6", "base:1")
    plan = ClusterPlan(
        recipe=recipe, image_tags={image.name: image.tag for image in recipe.images},
        iface=Interface("eth0", "192.0.2.2"), config_files={},
        owner=Owner(session="abc123", pid=42, boot="boot", started=1.0),
        privileged=privileged, missing_caps=missing_caps,
    )  # fmt: skip
    return DockerCluster.planned(None, plan)


@pytest.mark.parametrize(
    ("missing", "mode", "tried"),
    [
        (("SYS_RESOURCE",), "auto", [("server", False), ("admin", False), ("client", False)]),
        ((), "no", [("server", False), ("admin", False), ("client", False)]),
        ((), "yes", [("server", True), ("admin", True), ("client", True)]),
        ((), "auto", [("server", True), ("server", False), ("admin", False), ("client", False)]),
    ],
    ids=["runtime lacks caps", "never privileged", "always privileged", "privileged refused"],
)
def test_nodes_start_at_once_unless_privileged_must_be_tried_first(monkeypatch, missing, mode,
                                                                   tried):  # fmt: skip
    import docker.errors

    docker_cluster = _planned(missing, mode)
    seen: list[tuple[str, bool]] = []

    def start_node(node, privileged):
        seen.append((node.role, privileged))
        if privileged and mode == "auto":
            raise docker.errors.APIError("OCI runtime: unable to apply caps: not permitted")
        return f"container of {node.role}"

    monkeypatch.setattr(docker_cluster, "_start_node", start_node)
    docker_cluster.start_nodes()
    alone = 2 if tried[0] == ("server", True) and mode == "auto" else 0  # tried, refused
    assert seen[:alone] == tried[:alone]  # the first node alone, before the others
    assert sorted(seen) == sorted(tried)  # the others at once, in any order
    assert set(docker_cluster.containers) == {"server", "admin", "client"}


class Registering(Node):
    """A node whose `dmg system query` lists rank 0 joined before rank 1 registers."""

    def __init__(self) -> None:
        super().__init__("", "", 0)
        folder = DATA / "2.6"
        self.answers = [
            (folder / "dmg_system_query.json").read_text(),
            (folder / "two_engines_system_query.json").read_text(),
        ]

    def exec_run(self, argv, environment, demux):
        if "dmg" in argv:
            self.dmg_calls.append(argv)
            stdout = self.answers[min(len(self.dmg_calls), len(self.answers)) - 1]
            return 0, (stdout.encode(), b"")
        return super().exec_run(argv, environment, demux)


def test_the_start_waits_for_every_engines_rank_not_the_first_to_join():
    """With two engines rank 0 may be listed, joined, before rank 1 is listed at all."""
    node = Registering()
    members = cluster(node).wait_joined(Deadline(300), ranks=2)
    assert [(member.rank, member.state) for member in members] == [(0, "joined"), (1, "joined")]
    assert len(node.dmg_calls) == 2
