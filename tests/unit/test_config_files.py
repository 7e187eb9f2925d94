"""The DAOS configuration files the plugin writes."""

from __future__ import annotations

import dataclasses
import json

import pytest
import yaml

from pytest_daos.cluster import config_files as daos_config
from pytest_daos.cluster.host import HostFacts
from pytest_daos.releases import NVME_PER_TARGET, NVME_SHARE
from pytest_daos.settings import Settings
from pytest_daos.sizes import parse_bytes

GIB = 1024**3
CONFIG = daos_config.ClusterConfig(
    daos_version="2.6.5", provider="ofi+tcp", iface="eth0", scm_size_gib=4, bdev_size_gib=8,
    hugepages=1024,
)  # fmt: skip
SMALL = HostFacts(cpu_count=2, thp_enabled=True, mem_total_bytes=24 * GIB,
                  hugepage_size_bytes=2 * 1024 * 1024)  # fmt: skip
BIG = HostFacts(cpu_count=32, thp_enabled=False, mem_total_bytes=256 * GIB,
                hugepage_size_bytes=2 * 1024 * 1024)  # fmt: skip


def load(name, facts=SMALL):
    return yaml.safe_load(daos_config.config_files(CONFIG, facts)[name])


def test_server_yaml_has_the_keys_real_2_6_5_accepted(real_output):
    real = yaml.safe_load(real_output("2.6", "daos_server.yml"))
    ours = load("daos_server.yml")
    assert set(ours) - {"name"} <= set(real) | {"name"}
    assert set(ours["engines"][0]) <= set(real["engines"][0])
    assert [set(tier) for tier in ours["engines"][0]["storage"]] == [
        set(tier) for tier in real["engines"][0]["storage"]
    ]


def test_server_yaml_values():
    server = load("daos_server.yml")
    engine = server["engines"][0]
    assert server["access_points"] == ["daos-server"]
    assert server["port"] == 10001
    assert server["provider"] == "ofi+tcp"
    assert server["nr_hugepages"] == 1024
    assert engine["fabric_iface"] == "eth0"
    assert engine["storage"] == [
        {"class": "ram", "scm_mount": "/mnt/daos", "scm_size": 4},
        {"class": "file", "bdev_list": ["/tmp/daos-bdev"], "bdev_size": 8},
    ]


def test_small_host_gets_what_real_2_6_5_needed():
    server = load("daos_server.yml", SMALL)
    assert server["allow_thp"] is True
    assert server["engines"][0]["env_vars"] == ["DAOS_TARGET_OVERSUBSCRIBE=1"]


def test_big_host_gets_neither_override():
    server = load("daos_server.yml", BIG)
    assert "allow_thp" not in server
    assert "env_vars" not in server["engines"][0]
    assert server["system_ram_reserved"] == 16


def test_system_ram_reserved_fits_the_scm_on_small_hosts():
    # 24 GiB - 2 GiB hugepages - 1 GiB engine - 4 GiB scm leaves 17 -> the default 16
    assert daos_config.system_ram_reserved(SMALL, CONFIG) == 16
    tight = HostFacts(2, True, 12 * GIB, 2 * 1024 * 1024)
    # 12 - 2 - 1 - 4 = 5
    assert daos_config.system_ram_reserved(tight, CONFIG) == 5
    tiny = HostFacts(2, True, 6 * GIB, 2 * 1024 * 1024)
    assert daos_config.system_ram_reserved(tiny, CONFIG) == 1


def test_control_and_agent_yaml(real_output):
    control = load("daos_control.yml")
    assert control == {"name": "daos_server", "hostlist": ["daos-server"], "port": 10001,
                       "transport_config": {"allow_insecure": True}}  # fmt: skip
    agent = load("daos_agent.yml")
    real = yaml.safe_load(real_output("2.6", "daos_agent.yml"))
    assert set(real) <= set(agent)
    assert agent["fabric_ifaces"] == [
        {"numa_node": 0, "devices": [{"iface": "eth0", "domain": "eth0"}]}
    ]


def test_the_files_are_json_that_a_yaml_parser_reads_as_written():
    value = {
        "a": ["ofi+tcp;ofi_rxm", "yes", "007", "-x", "k: v", "", "DAOS_X=1", ":x"],
        "nested": [{"k": [1, 2], "e": []}, {"d": {}}],
        "flag": False,
        "n": None,
    }
    text = daos_config.to_text(value)
    assert json.loads(text) == value
    assert yaml.safe_load(text) == value  # "yes", "007", ":x" stay strings


def with_version(version):
    from dataclasses import replace

    return replace(CONFIG, daos_version=version)


def test_2_4_has_the_storage_list_and_no_allow_thp():
    server = yaml.safe_load(
        daos_config.to_text(daos_config.server_config(with_version("2.4.2"), SMALL))
    )
    assert "allow_thp" not in server
    assert server["system_ram_reserved"] == 16
    assert [tier["class"] for tier in server["engines"][0]["storage"]] == ["ram", "file"]
    assert server["engines"][0]["first_core"] == 0


def test_2_0_has_flat_storage_keys_and_no_2_4_keys():
    server = daos_config.server_config(with_version("2.0.3"), SMALL)
    engine = server["engines"][0]
    assert "system_ram_reserved" not in server and "allow_thp" not in server
    assert "storage" not in engine
    assert (engine["scm_class"], engine["scm_mount"], engine["scm_size"]) == ("ram", "/mnt/daos", 4)
    assert (engine["bdev_class"], engine["bdev_list"], engine["bdev_size"]) == (
        "file", ["/tmp/daos-bdev"], 8,
    )  # fmt: skip
    agent = daos_config.agent_config(with_version("2.0.3"))
    assert "fabric_ifaces" not in agent and "control_log_mask" not in agent


TWO = daos_config.ClusterConfig(
    daos_version="2.6.5", provider="ofi+tcp", iface="eth0", scm_size_gib=4, bdev_size_gib=8,
    hugepages=1024, engines=2,
)  # fmt: skip


def test_two_engines_as_the_config_that_ran_on_real_2_6_5(real_output):
    real = yaml.safe_load(real_output("2.6", "two_engines_daos_server.yml"))
    ours = json.loads(daos_config.config_files(TWO, SMALL)["daos_server.yml"])
    assert ours["nr_hugepages"] == real["nr_hugepages"] == 1024
    assert len(ours["engines"]) == len(real["engines"]) == 2
    same = ("targets", "nr_xs_helpers", "first_core", "fabric_iface", "fabric_iface_port",
            "env_vars", "log_mask")  # fmt: skip
    for mine, theirs in zip(ours["engines"], real["engines"], strict=True):
        assert set(mine) == set(theirs)
        assert {key: mine[key] for key in same} == {key: theirs[key] for key in same}
        assert [(tier["class"], tier.get("scm_size"), tier.get("bdev_size"))
                for tier in mine["storage"]] == [
            (tier["class"], tier.get("scm_size"), tier.get("bdev_size"))
            for tier in theirs["storage"]
        ]  # fmt: skip


def test_each_engine_has_its_own_files_port_and_core():
    engines = json.loads(daos_config.config_files(
        dataclasses.replace(TWO, engines=3), BIG)["daos_server.yml"])["engines"]  # fmt: skip
    owned = [(e["log_file"], e["storage"][0]["scm_mount"], e["storage"][1]["bdev_list"][0],
              e["fabric_iface_port"], e["first_core"]) for e in engines]  # fmt: skip
    assert owned == [
        ("/tmp/daos_engine_0.log", "/mnt/daos", "/tmp/daos-bdev", 31416, 0),
        ("/tmp/daos_engine_1.log", "/mnt/daos1", "/tmp/daos-bdev1", 31516, 1),
        ("/tmp/daos_engine_2.log", "/mnt/daos2", "/tmp/daos-bdev2", 31616, 2),
    ]
    # several engines share the cores even on a big host
    assert all(e["env_vars"] == ["DAOS_TARGET_OVERSUBSCRIBE=1"] for e in engines)
    assert daos_config.log_files(3)["server"] == (
        "/tmp/daos_server.log", "/tmp/daos_engine_0.log", "/tmp/daos_engine_1.log",
        "/tmp/daos_engine_2.log",
    )  # fmt: skip


def test_two_engines_on_2_4_use_the_storage_list_and_first_core():
    config = dataclasses.replace(TWO, daos_version="2.4.2")
    engines = json.loads(daos_config.config_files(config, SMALL)["daos_server.yml"])["engines"]
    assert [e["first_core"] for e in engines] == [0, 1]
    assert [e["storage"][0]["scm_mount"] for e in engines] == ["/mnt/daos", "/mnt/daos1"]


def test_system_ram_reserved_leaves_scm_for_every_engine():
    one = daos_config.system_ram_reserved(SMALL, CONFIG)
    two = daos_config.system_ram_reserved(SMALL, TWO)
    # 24 GiB - 2 GiB hugepages - 1 GiB per engine - 4 GiB SCM per engine
    assert (one, two) == (16, 12)
    room = daos_config.scm_room(SMALL, TWO.hugepages, two, engines=2)
    assert room >= daos_config.scm_needed(4, engines=2)


@pytest.mark.parametrize("engines", [1, 2])
def test_the_default_pool_fits_every_engine_as_the_config_writes_it(engines):
    """A pool spans every rank: the default size gives each target of each engine the
    1 GiB of NVMe DAOS wants (94% of the size goes to NVMe), within that engine's bdev
    file and SCM (each engine has its own, of --daos-bdev-size and --daos-scm-size)."""
    settings = Settings(engines=engines, hugepages=512 * max(2, engines))
    config = daos_config.ClusterConfig(
        daos_version="2.6.5", provider="ofi+tcp", iface="lo", scm_size_gib=settings.scm_size,
        bdev_size_gib=settings.bdev_size, hugepages=settings.hugepages, engines=engines,
    )  # fmt: skip
    written = daos_config.server_config(config, SMALL)["engines"]
    targets = sum(engine["targets"] for engine in written)
    size = parse_bytes(settings.pool_size)
    assert size * NVME_SHARE / targets >= NVME_PER_TARGET
    for engine in written:
        scm, bdev = engine["storage"]
        share = size / len(written)  # each rank's part of the pool
        assert share * NVME_SHARE <= bdev["bdev_size"] * GIB * len(bdev["bdev_list"])
        assert share * (1 - NVME_SHARE) <= scm["scm_size"] * GIB
