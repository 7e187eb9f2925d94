"""The project's own parsers on each release's samples: pytest_daos.client.envelope.parse, Member,
and the Dmg/Daos wrappers through a transport that replays a sample."""

from __future__ import annotations

import pytest
from contract import Samples, series
from daos_replay import Replay

from pytest_daos.client.daos import Daos, container_ids
from pytest_daos.client.dmg import Dmg, Member, all_joined
from pytest_daos.client.envelope import DaosError, parse
from pytest_daos.client.transport import ExecResult


def dmg(samples: Samples, name: str) -> Dmg:
    return Dmg(Replay(samples.text(name)), samples.release)


def daos(samples: Samples, name: str) -> Daos:
    return Daos(Replay(samples.text(name)), samples.release)


def test_envelope_parse(samples: Samples) -> None:
    ok = ExecResult(("dmg", "-j", "system", "query"), 0, samples.text("dmg_system_query.json"), "")
    assert parse(ok)["members"][0]["state"] == "joined"
    failed = ExecResult(("dmg",), 1, samples.text("dmg_pool_create_nospace.json"), "")
    with pytest.raises(DaosError) as caught:
        parse(failed)
    assert (caught.value.name, caught.value.status) == ("DER_NOSPACE", -1007)


def test_members(samples: Samples) -> None:
    members = dmg(samples, "dmg_system_query.json").system_query()
    assert [m.rank for m in members] == [0]
    assert all_joined(members)
    stopped = [
        Member.from_json(m)
        for m in samples.json("dmg_system_query_stopped.json")["response"]["members"]
    ]
    assert [(m.state, m.info) for m in stopped] == [("stopped", "system stop")]
    assert not all_joined(stopped)


def test_storage(samples: Samples) -> None:
    scan = dmg(samples, "dmg_storage_scan.json").storage_scan()
    assert scan["host_errors"] == {}
    (entry,) = scan["HostStorage"].values()
    assert entry["hosts"].endswith(":10001")
    formatted = dmg(samples, "dmg_storage_format.json").storage_format()
    (entry,) = formatted["HostStorage"].values()
    assert entry["storage"]["scm_mount_points"][0]["info"] == "CTL_SUCCESS"


def test_pools(samples: Samples) -> None:
    created = dmg(samples, "dmg_pool_create_tank.json").pool_create("tank", "2G")
    assert (created.svc_reps, created.tier_bytes) == ((0,), (120000512, 1880000000))
    pools = dmg(samples, "dmg_pool_list.json").pool_list()
    assert [pool["label"] for pool in pools] == ["tank"]
    assert dmg(samples, "dmg_pool_list_empty.json").pool_list() == []
    query = dmg(samples, "dmg_pool_query_tank.json").pool_query("tank")
    assert query["total_targets"] == 1


@pytest.mark.parametrize(
    ("name", "der", "fault"),
    [
        ("dmg_pool_create_duplicate_label.json", None, {"2.0": 608, "2.4": 609, "2.6": 609}),
        ("dmg_pool_create_nospace.json", "DER_NOSPACE", None),
        ("dmg_storage_format_running_system.json", None, {"2.0": 508, "2.4": 509, "2.6": 509}),
        ("dmg_pool_query_unknown.json", None, None),
        ("dmg_system_query_before_format.json", None, None),
    ],
)
def test_dmg_errors(
    samples: Samples, name: str, der: str | None, fault: dict[str, int] | None
) -> None:
    with pytest.raises(DaosError) as caught:
        dmg(samples, name)("pool", "query", "x")
    assert caught.value.name == (der or "DER_MISC")
    assert caught.value.fault == (fault[series(samples.release)] if fault else None)


def test_containers(samples: Samples) -> None:
    created = daos(samples, "daos_container_create_tank_c1.json").container_create("tank", "c1")
    assert (created.label, created.type) == ("c1", "POSIX")
    tool = daos(samples, "daos_container_list_tank.json")
    ((uuid, label),) = tool.container_list("tank")
    assert label == "c1" and len(uuid) == 36
    assert daos(samples, "daos_container_list_t2_empty.json").container_list("t2") == []
    listed = samples.json("daos_container_list_tank.json")["response"]
    assert container_ids(samples.release, listed[0]) == (uuid, label)
    query = daos(samples, "daos_pool_query_tank.json").pool_query("tank")
    assert query["uuid"]


@pytest.mark.parametrize(
    ("name", "der"),
    [
        ("daos_container_create_duplicate.json", "DER_EXIST"),
        ("daos_container_create_unknown_pool.json", "DER_NONEXIST"),
        ("daos_pool_query_no_agent.json", "DER_AGENT_COMM"),
    ],
)
def test_daos_errors(samples: Samples, name: str, der: str) -> None:
    if not samples.has(name):
        name = "docker_" + name
    with pytest.raises(DaosError) as caught:
        daos(samples, name).container_create("tank", "c1")
    assert caught.value.name == der
