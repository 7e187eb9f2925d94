"""The handles tests of downstream users call (DaosCluster, DaosPool, DaosContainer,
DaosNode), through a fake transport at the transport seam only: every command's argv, env
and time limit are recorded, and DAOS commands are answered with real captured output of
DAOS 2.4.2 and 2.6.5 (2.0 with the samples written from the v2.0.3 sources, see
data/2.0/SOURCES.md: no 2.0 run was available)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from daos_replay import Call, Recorder
from samples import sample

from pytest_daos.client.dmg import Member
from pytest_daos.client.envelope import DaosError
from pytest_daos.client.handles import DaosCluster, DaosContainer, DaosNode, DaosPool
from pytest_daos.client.transport import CommandError, ExecResult


@dataclass(frozen=True)
class Answer:
    stdout: str = ""
    exit_code: int = 0
    stderr: str = ""


def answer(release: str, name: str) -> Answer:
    """A real `-j` answer, with the exit status DAOS gives it (1 when its envelope has an
    error, as dmg and daos exit)."""
    stdout = sample(release, name)
    return Answer(stdout, 0 if json.loads(stdout)["error"] is None else 1)


Reply = Answer | Callable[[tuple[str, ...]], Answer]


class FakeTransport(Recorder):
    """The transport of one node: answers by the words of the command (e.g. ("dmg", "pool",
    "create") matches `dmg -j -o X pool create ...`). A command it has no answer for fails
    the test."""

    def __init__(self, name: str, replies: Mapping[tuple[str, ...], Reply] | None = None) -> None:
        super().__init__(name)
        self.replies = dict(replies or {})

    def answer(self, argv: tuple[str, ...]) -> ExecResult:
        for words, reply in self.replies.items():
            if _in_order(words, argv):
                got = reply(argv) if callable(reply) else reply
                return ExecResult(argv, got.exit_code, got.stdout, got.stderr)
        raise AssertionError(f"{self.name}: no answer for {argv}")


def _in_order(words: tuple[str, ...], argv: tuple[str, ...]) -> bool:
    rest = iter(argv)
    return argv[:1] == words[:1] and all(word in rest for word in words)


CONF = "/etc/daos/daos_control.yml"

#: What each release's real answers hold.
POOL = {
    "2.0": "54930f74-3366-4f37-93c7-daeb9434480a",
    "2.4": "54930f74-3366-4f37-93c7-daeb9434480a",
    "2.6": "3611afcc-4714-41c7-8f3d-bf257f15229f",
}
CONT = {
    "2.0": "3bca4021-1460-41f5-ac77-a237dc597957",
    "2.4": "3bca4021-1460-41f5-ac77-a237dc597957",
    "2.6": "8a81727d-d1fa-4679-bde6-0a4e2945d118",
}


def make_cluster(
    release: str,
    admin: Mapping[tuple[str, ...], Reply] | None = None,
    client: Mapping[tuple[str, ...], Reply] | None = None,
    with_server: bool = True,
) -> tuple[DaosCluster, dict[str, FakeTransport]]:
    transports = {
        "server": FakeTransport("daos-server"),
        "admin": FakeTransport("daos-admin", admin),
        "client": FakeTransport("daos-client", client),
    }
    if not with_server:
        del transports["server"]
    nodes = {
        role: DaosNode(role, transport.name, transport, dict)
        for role, transport in transports.items()
    }
    cluster = DaosCluster(nodes, release, "eth0", "192.0.2.2", dmg_config=CONF)
    return cluster, transports


#: `{"response": null, "error": null, "status": 0}`: what dmg and daos print for a command
#: without a body (2.0 has no captured pool destroy; its container destroy prints the same).
NO_BODY = "daos_container_destroy_t2_c2.json"


def lifecycle_replies(release: str) -> tuple[dict[tuple[str, ...], Reply], dict]:
    """Answers of a pool / container / dfuse round trip, each as the release gives it: an
    option the release does not know is answered with the release's real refusal."""

    def pool_destroy(argv: tuple[str, ...]) -> Answer:
        if "--recursive" in argv:  # 2.0's sample is its "unknown flag `recursive'" refusal
            return answer(release, "dmg_pool_destroy_tank_recursive.json")
        return answer(release, NO_BODY)

    def container_create(argv: tuple[str, ...]) -> Answer:
        if release != "2.0" and "--label=c1" in argv:  # refused from 2.4 on (captured on 2.4.2)
            return answer("2.4", "daos_container_create_label_flag.json")
        return answer(release, "daos_container_create_tank_c1.json")

    admin: dict[tuple[str, ...], Reply] = {
        ("dmg", "pool", "create"): answer(release, "dmg_pool_create_tank.json"),
        ("dmg", "pool", "destroy"): pool_destroy,
    }
    client: dict[tuple[str, ...], Reply] = {
        ("daos", "container", "create"): container_create,
        ("daos", "container", "destroy"): answer(release, NO_BODY),
        ("mkdir",): Answer(),
        ("dfuse",): Answer(sample("2.4", "dfuse_mount_positional.txt")),  # prints nothing
        ("fusermount3",): Answer(),
    }
    return admin, client


#: argv each release needs for the same calls (label, dfuse syntax, --recursive).
EXPECTED = {
    "2.0": {
        "create": ("--label=c1", "--type=POSIX", "--", "{pool}"),
        "dfuse": ("dfuse", "--mountpoint={mp}", "--pool={pool}", "--container={cont}"),
        "destroy": ("--force",),
    },
    "2.4": {
        "create": ("--type=POSIX", "--", "{pool}", "c1"),
        "dfuse": ("dfuse", "{mp}", "{pool}", "{cont}"),
        "destroy": ("--force", "--recursive"),
    },
    "2.6": {
        "create": ("--type=POSIX", "--", "{pool}", "c1"),
        "dfuse": ("dfuse", "{mp}", "{pool}", "{cont}"),
        "destroy": ("--force", "--recursive"),
    },
}


@pytest.mark.parametrize("release", ["2.0", "2.4", "2.6"])
def test_pool_container_mount_and_destroy_per_release(release):
    admin_replies, client_replies = lifecycle_replies(release)
    cluster, t = make_cluster(release, admin_replies, client_replies)
    expected = EXPECTED[release]

    pool = cluster.create_pool("tank", "2G")
    assert t["admin"].calls == [
        Call(("dmg", "-j", "-o", CONF, "pool", "create", "--size=2G", "--", "tank"), None, 60)
    ]
    assert isinstance(pool, DaosPool)
    assert (pool.label, pool.uuid) == ("tank", POOL[release])
    assert pool.tier_bytes == (120000512, 1880000000)
    assert pool.svc_reps == (0,)
    assert pool.total_bytes == 2000000512
    assert pool.cluster is cluster

    container = pool.create_container("c1")
    assert t["client"].calls == [
        Call(
            ("daos", "-j", "container", "create",
             *(word.format(pool=POOL[release]) for word in expected["create"])),
            None,
            60,
        )
    ]  # fmt: skip
    assert isinstance(container, DaosContainer)
    assert (container.label, container.uuid, container.type) == ("c1", CONT[release], "POSIX")
    assert container.pool is pool

    mountpoint = container.mount()
    assert mountpoint == f"/mnt/dfuse/{CONT[release]}"
    assert t["client"].calls[1:] == [
        Call(("mkdir", "-p", mountpoint), None, None),
        Call(
            tuple(
                word.format(mp=mountpoint, pool=POOL[release], cont=CONT[release])
                for word in expected["dfuse"]
            ),
            None,
            60,
        ),
    ]
    assert container.mounts == [mountpoint]

    container.destroy()
    assert t["client"].calls[3:] == [
        Call(("fusermount3", "-u", mountpoint), None, 30),
        Call(("daos", "-j", "container", "destroy", POOL[release], CONT[release], "--force"),
             None, 60),
    ]  # fmt: skip
    assert container.mounts == []

    pool.destroy()
    assert t["admin"].argvs[1:] == [
        ("dmg", "-j", "-o", CONF, "pool", "destroy", *expected["destroy"], POOL[release])
    ]
    assert t["server"].calls == []  # dmg runs on the admin node, daos and dfuse on the client


@pytest.mark.parametrize(
    ("release", "name"),
    [("2.4", "daos_container_create_hdf5.json"), ("2.6", "docker_daos_container_create_hdf5.json")],
)
def test_container_label_uuid_and_type_come_from_the_answer(release, name):
    cluster, t = make_cluster(
        release,
        admin={("dmg", "pool", "create"): answer(release, "dmg_pool_create_tank.json")},
        client={("daos", "container", "create"): answer(release, name)},
    )
    pool = cluster.create_pool("tank", "50%")
    container = pool.create_container("ch5", type="HDF5", properties="rd_fac:0")
    assert t["client"].argvs == [
        ("daos", "-j", "container", "create", "--type=HDF5", "--properties=rd_fac:0", "--",
         POOL[release], "ch5"),
    ]  # fmt: skip
    expected = json.loads(sample(release, name))["response"]
    assert (container.label, container.type) == ("ch5", "HDF5")
    assert container.uuid == expected["container_uuid"]
    assert t["admin"].argvs == [
        ("dmg", "-j", "-o", CONF, "pool", "create", "--size=50%", "--", "tank")
    ]


def test_second_mount_own_mountpoint_and_unmount_newest_first():
    admin, client = lifecycle_replies("2.6")
    cluster, t = make_cluster("2.6", admin, client)
    container = cluster.create_pool("tank", "2G").create_container("c1")
    first, second, mine = container.mount(), container.mount(), container.mount("/mnt/mine")
    base = f"/mnt/dfuse/{CONT['2.6']}"
    assert (first, second, mine) == (base, f"{base}-1", "/mnt/mine")
    assert [argv for argv in t["client"].argvs if argv[0] == "dfuse"] == [
        ("dfuse", base, POOL["2.6"], CONT["2.6"]),
        ("dfuse", f"{base}-1", POOL["2.6"], CONT["2.6"]),
        ("dfuse", "/mnt/mine", POOL["2.6"], CONT["2.6"]),
    ]
    container.unmount(second)
    assert container.mounts == [base, "/mnt/mine"]
    del t["client"].calls[:]
    container.destroy()
    assert t["client"].argvs == [
        ("fusermount3", "-u", "/mnt/mine"),
        ("fusermount3", "-u", base),
        ("daos", "-j", "container", "destroy", POOL["2.6"], CONT["2.6"], "--force"),
    ]


def test_a_failed_unmount_stops_the_destroy_and_keeps_the_mount():
    admin, client = lifecycle_replies("2.6")
    client[("fusermount3",)] = Answer(
        "", 1, f"fusermount3: entry for /mnt/dfuse/{CONT['2.6']} not found in /etc/mtab\n"
    )
    cluster, t = make_cluster("2.6", admin, client)
    container = cluster.create_pool("tank", "2G").create_container("c1")
    mountpoint = container.mount()
    with pytest.raises(CommandError) as caught:
        container.destroy()
    assert caught.value.result.argv == ("fusermount3", "-u", mountpoint)
    assert container.mounts == [mountpoint]
    destroys = [
        argv for argv in t["client"].argvs if argv[:4] == ("daos", "-j", "container", "destroy")
    ]
    assert destroys == []


def test_container_exec_names_the_container_in_the_environment():
    admin, client = lifecycle_replies("2.6")
    client[("sh",)] = Answer(f"{CONT['2.6']}\n")
    client[("false",)] = Answer("", 1, "")
    cluster, t = make_cluster("2.6", admin, client)
    container = cluster.create_pool("tank", "2G").create_container("c1")
    del t["client"].calls[:]

    result = container.exec(["sh", "-c", "echo $DAOS_CONT"], env={"D_LOG_MASK": "INFO"})
    assert result.stdout == f"{CONT['2.6']}\n"
    assert t["client"].calls == [
        Call(
            ("sh", "-c", "echo $DAOS_CONT"),
            {"DAOS_POOL": POOL["2.6"], "DAOS_CONT": CONT["2.6"], "D_LOG_MASK": "INFO"},
            None,
        )
    ]
    failed = container.exec(["false"], check=False)
    assert (failed.argv, failed.exit_code) == (("false",), 1)
    with pytest.raises(CommandError):
        container.exec(["false"])
    assert t["admin"].argvs == [
        ("dmg", "-j", "-o", CONF, "pool", "create", "--size=2G", "--", "tank")
    ]


def test_node_exec_check_raises_with_argv_exit_and_both_streams():
    client = FakeTransport(
        "daos-client",
        {
            ("ls",): Answer(
                "partial listing\n", 2, "ls: cannot access '/nope': No such file or directory\n"
            )
        },
    )
    node = DaosNode("client", "daos-client", client, dict)
    with pytest.raises(CommandError) as caught:
        node.exec(["ls", "/nope"], env={"LANG": "C"}, timeout=5)
    assert str(caught.value).splitlines() == [
        "command failed on daos-client",
        "$ ls /nope",
        "exit status 2",
        "stdout:",
        "partial listing",
        "stderr:",
        "ls: cannot access '/nope': No such file or directory",
    ]
    assert caught.value.result == ExecResult(
        ("ls", "/nope"), 2, "partial listing\n",
        "ls: cannot access '/nope': No such file or directory\n",
    )  # fmt: skip
    assert client.calls == [Call(("ls", "/nope"), {"LANG": "C"}, 5)]

    unchecked = node.exec(["ls", "/nope"], check=False)
    assert unchecked.exit_code == 2
    with pytest.raises(TypeError, match="argv list"):
        node.exec("ls /nope")  # type: ignore[arg-type]
    assert len(client.calls) == 2  # the string never reached the node


def test_node_copies_and_logs():
    transport = FakeTransport("daos-server")
    node = DaosNode("server", "daos-server", transport, lambda: {"daos_server.log": "INFO started"})
    node.put("/tmp/input.bin", "/tmp/in-node.bin")
    assert node.get("/var/log/daos/engine.log", "out/engine.log") == Path("out/engine.log")
    assert transport.copies == [
        ("put", Path("/tmp/input.bin"), "/tmp/in-node.bin"),
        ("get", "/var/log/daos/engine.log", Path("out/engine.log")),
    ]
    logs = node.logs()
    assert logs == {"daos_server.log": "INFO started"}
    logs["mine"] = "x"
    assert node.logs() == {"daos_server.log": "INFO started"}  # a copy each time
    assert repr(node) == "DaosNode('daos-server')"


@pytest.mark.parametrize("release", ["2.4", "2.6"])
def test_members_and_queries_parse_real_answers(release):
    pool_query = answer(release, "dmg_pool_query_tank.json")
    cluster, t = make_cluster(
        release,
        admin={
            ("dmg", "system", "query"): answer(release, "dmg_system_query.json"),
            ("dmg", "pool", "create"): answer(release, "dmg_pool_create_tank.json"),
            ("dmg", "pool", "query"): pool_query,
        },
        client={
            ("daos", "container", "create"): answer(release, "daos_container_create_tank_c1.json"),
            ("daos", "container", "query"): answer(release, "daos_container_query_tank_c1.json"),
        },
    )
    members = cluster.members()
    raw = json.loads(sample(release, "dmg_system_query.json"))["response"]["members"][0]
    assert members == [
        Member(
            rank=0,
            state="joined",
            addr="127.0.0.1:10001",
            uuid=raw["uuid"],
            fabric_uri=raw["fabric_uri"],
            info="",
        )
    ]
    assert t["admin"].argvs == [("dmg", "-j", "-o", CONF, "system", "query")]

    pool = cluster.create_pool("tank", "2G")
    assert pool.query() == json.loads(pool_query.stdout)["response"]
    assert t["admin"].argvs[-1] == ("dmg", "-j", "-o", CONF, "pool", "query", POOL[release])

    container = pool.create_container("c1")
    info = container.query()
    assert (info["container_uuid"], info["container_label"]) == (CONT[release], "c1")
    assert t["client"].argvs[-1] == (
        "daos", "-j", "container", "query", POOL[release], CONT[release],
    )  # fmt: skip

    assert cluster.dmg("system", "query")["members"][0]["state"] == "joined"
    assert t["admin"].argvs[-1] == ("dmg", "-j", "-o", CONF, "system", "query")
    assert cluster.daos("container", "query", "tank", "c1")["container_type"] == "POSIX"
    assert t["client"].argvs[-1] == ("daos", "-j", "container", "query", "tank", "c1")


def test_cluster_nodes_with_and_without_a_server():
    cluster, t = make_cluster("2.6")
    assert [node.hostname for node in cluster.nodes] == ["daos-server", "daos-admin", "daos-client"]
    assert cluster.server is not None and cluster.server.transport is t["server"]
    assert cluster.dmg_tool.transport is t["admin"]
    assert cluster.daos_tool.transport is t["client"]
    assert repr(cluster) == "DaosCluster(version='2.6', iface='eth0', ip='192.0.2.2')"

    remote, _ = make_cluster("2.6", with_server=False)
    assert remote.server is None
    assert [node.hostname for node in remote.nodes] == ["daos-admin", "daos-client"]


@pytest.mark.parametrize("release", ["2.4", "2.6"])
def test_der_error_of_a_pool_create(release):
    cluster, _ = make_cluster(
        release, admin={("dmg", "pool", "create"): answer(release, "dmg_pool_create_nospace.json")}
    )
    with pytest.raises(DaosError) as caught:
        cluster.create_pool("big", "100T")
    error = caught.value
    assert error.status == -1007
    assert error.name == "DER_NOSPACE"
    assert error.fault is None
    assert error.message == "pool create failed: DER_NOSPACE(-1007): No space on storage target"
    assert error.result.argv == (
        "dmg", "-j", "-o", CONF, "pool", "create", "--size=100T", "--", "big",
    )  # fmt: skip
    assert error.result.exit_code == 1
    assert error.response is None
    assert str(error).splitlines()[-1] == f"$ dmg -j -o {CONF} pool create --size=100T -- big"


@pytest.mark.parametrize("release", ["2.4", "2.6"])
def test_fault_error_of_a_duplicate_pool_label(release):
    cluster, _ = make_cluster(
        release,
        admin={("dmg", "pool", "create"): answer(release, "dmg_pool_create_duplicate_label.json")},
    )
    with pytest.raises(DaosError) as caught:
        cluster.create_pool("tank", "2G")
    error = caught.value
    assert (error.status, error.name, error.fault) == (-1025, "DER_MISC", 609)
    assert error.message == (
        'pool create failed: server: code = 609 description = "pool label \\"tank\\" already '
        'exists in the system"'
    )
    assert "[DER_MISC] (status -1025, exit 1)" in str(error)


@pytest.mark.parametrize("release", ["2.4", "2.6"])
def test_der_error_of_a_duplicate_container(release):
    admin, _ = lifecycle_replies(release)
    cluster, _ = make_cluster(
        release,
        admin,
        client={
            ("daos", "container", "create"): answer(release, "daos_container_create_duplicate.json")
        },
    )
    pool = cluster.create_pool("tank", "2G")
    with pytest.raises(DaosError) as caught:
        pool.create_container("c1")
    error = caught.value
    assert (error.status, error.name, error.fault) == (-1004, "DER_EXIST", None)
    assert error.message == "failed to create container: DER_EXIST(-1004): Entity already exists"
    assert error.result.argv == (
        "daos", "-j", "container", "create", "--type=POSIX", "--", POOL[release], "c1",
    )  # fmt: skip


def test_a_default_mount_point_is_never_one_still_mounted():
    admin, client = lifecycle_replies("2.6")
    cluster, _ = make_cluster("2.6", admin, client)
    container = cluster.create_pool("tank", "2G").create_container("c1")
    first = container.mount()
    container.mount()
    container.unmount(first)
    container.mount()
    assert len(set(container.mounts)) == len(container.mounts) == 2, container.mounts
