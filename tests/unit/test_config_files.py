"""The DAOS configuration files the plugin writes."""

from __future__ import annotations

import json

import yaml

from pytest_daos.cluster import config_files as daos_config
from pytest_daos.cluster.host import HostFacts

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
