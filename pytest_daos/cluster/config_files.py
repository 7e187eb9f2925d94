"""The DAOS configuration files of the cluster: daos_server.yml, daos_control.yml, daos_agent.yml.

DAOS parses them strictly (an unknown key is fatal), so each file holds only keys of the
release in use: 2.0 has flat per-engine storage keys and no `system_ram_reserved`, 2.4
accepts the `storage:` list, 2.6 requires it and adds `allow_thp` (2.6.5).

What a small host needs goes in by itself: `allow_thp` where transparent hugepages are not
`[never]`, `DAOS_TARGET_OVERSUBSCRIBE=1` where the engine's targets,
helpers and the two cores DAOS reserves do not fit, a `system_ram_reserved` that fits the
host's memory (real-2.6/INDEX.md records each of these on a 2-core, 24 GiB host).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..releases import SCM_MINIMUM_GIB, TARGETS_PER_ENGINE, series
from .host import HostFacts
from .recipes import HOSTNAMES

CONTROL_PORT = 10001
FABRIC_PORT = 31416
#: Engine i listens on FABRIC_PORT + i * FABRIC_PORT_STEP (DAOS wants a port of its own for
#: each engine of a node; real-2.6/two-engines.md ran 31416 and 31516).
FABRIC_PORT_STEP = 100
SCM_MOUNT = "/mnt/daos"
BDEV_FILE = "/tmp/daos-bdev"
SERVER_LOG = "/tmp/daos_server.log"
ENGINE_LOG = "/tmp/daos_engine_0.log"
AGENT_LOG = "/tmp/daos_agent.log"


def fabric_port(index: int) -> int:
    """The fabric port of engine `index`."""
    return FABRIC_PORT + index * FABRIC_PORT_STEP


def engine_paths(index: int) -> tuple[str, str, str]:
    """(SCM mount, bdev file, log file) of engine `index`: each engine has its own (DAOS's
    multi-engine validation refuses shared ones); engine 0 keeps the one-engine paths."""
    if index == 0:
        return SCM_MOUNT, BDEV_FILE, ENGINE_LOG
    return f"{SCM_MOUNT}{index}", f"{BDEV_FILE}{index}", f"/tmp/daos_engine_{index}.log"


def log_files(engines: int = 1) -> dict[str, tuple[str, ...]]:
    """Which DAOS log files each node writes (read into failure reports)."""
    return {
        "server": (SERVER_LOG, *(engine_paths(index)[2] for index in range(engines))),
        "client": (AGENT_LOG,),
    }


LOG_FILES = log_files(1)
SOCKET_DIR = "/var/run/daos_server"
AGENT_RUNTIME_DIR = "/var/run/daos_agent"
#: The folders each node's daemon needs and does not create (daos_server exits with
#: "missing socket directory", daos_agent with "unable to listen on unix socket"); /run
#: is a fresh tmpfs in every node, so the node makes them before its daemon starts.
NODE_DIRS = {"server": (SOCKET_DIR,), "client": (AGENT_RUNTIME_DIR,)}
TARGETS = TARGETS_PER_ENGINE
XS_HELPERS = 0
#: Cores DAOS keeps for its system service (engine log: "2 cores reserved for system service").
RESERVED_CORES = 2
GIB = 1024**3


@dataclass(frozen=True)
class ClusterConfig:
    """Run-time settings the configuration files are written from."""

    daos_version: str  # "2.6.5"
    provider: str
    iface: str
    scm_size_gib: int
    bdev_size_gib: int
    hugepages: int
    engines: int = 1


#: Memory DAOS counts per engine beside its hugepages and SCM.
ENGINE_OVERHEAD = GIB


def scm_needed(scm_size_gib: int, engines: int = 1) -> int:
    """Bytes of memory the SCM tmpfs of every engine must find: its size, at least DAOS's
    minimum, per engine."""
    return max(SCM_MINIMUM_GIB, scm_size_gib) * GIB * engines


def scm_room(facts: HostFacts, hugepages: int, reserved_gib: int, engines: int = 1) -> int:
    """DAOS 2.4+'s memory rule: bytes left for the SCM tmpfs of all engines, MemTotal -
    (hugepages + system_ram_reserved + each engine's overhead); it refuses to start below
    `scm_needed` (CONTRACT.md §7; storage.CalcRamdiskSize)."""
    huge = hugepages * facts.hugepage_size_bytes
    return facts.mem_total_bytes - huge - reserved_gib * GIB - ENGINE_OVERHEAD * engines


def system_ram_reserved(facts: HostFacts, config: ClusterConfig) -> int:
    """GiB kept for the OS: the DAOS default of 16, lowered until the SCM tmpfs fits."""
    spare = scm_room(facts, config.hugepages, 0, config.engines) - scm_needed(
        config.scm_size_gib, config.engines
    )
    return max(1, min(16, int(spare / GIB)))


def server_config(config: ClusterConfig, facts: HostFacts) -> dict[str, Any]:
    version = series(config.daos_version)
    server: dict[str, Any] = {
        "name": "daos_server",
        "access_points": [HOSTNAMES["server"]],
        "port": CONTROL_PORT,
        "provider": config.provider,
        "socket_dir": SOCKET_DIR,
        "control_log_mask": "INFO",
        "control_log_file": SERVER_LOG,
        "helper_log_file": "/tmp/daos_server_helper.log",
        "transport_config": {"allow_insecure": True},
        "nr_hugepages": config.hugepages,
    }
    if version >= (2, 4):
        server["system_ram_reserved"] = system_ram_reserved(facts, config)
    if facts.thp_enabled and version >= (2, 6):
        server["allow_thp"] = True
    server["engines"] = [engine_config(config, facts, index) for index in range(config.engines)]
    return server


def engine_config(config: ClusterConfig, facts: HostFacts, index: int) -> dict[str, Any]:
    """The entry of engine `index`. Several engines share the node's cores: each gets its
    own `first_core` and DAOS_TARGET_OVERSUBSCRIBE=1 (real-2.6/two-engines.md)."""
    version = series(config.daos_version)
    scm_mount, bdev_file, log_file = engine_paths(index)
    engine: dict[str, Any] = {
        "targets": TARGETS,
        "nr_xs_helpers": XS_HELPERS,
        "fabric_iface": config.iface,
        "fabric_iface_port": fabric_port(index),
        "log_file": log_file,
        "log_mask": "INFO",
    }
    if version < (2, 6) or config.engines > 1:
        engine["first_core"] = index
    if config.engines > 1 or facts.cpu_count < TARGETS + XS_HELPERS + RESERVED_CORES:
        engine["env_vars"] = ["DAOS_TARGET_OVERSUBSCRIBE=1"]
    if version < (2, 4):
        engine.update(
            scm_class="ram", scm_mount=scm_mount, scm_size=config.scm_size_gib,
            bdev_class="file", bdev_list=[bdev_file], bdev_size=config.bdev_size_gib,
        )  # fmt: skip
    else:
        engine["storage"] = [
            {"class": "ram", "scm_mount": scm_mount, "scm_size": config.scm_size_gib},
            {"class": "file", "bdev_list": [bdev_file], "bdev_size": config.bdev_size_gib},
        ]
    return engine


def control_config() -> dict[str, Any]:
    return {
        "name": "daos_server",
        "hostlist": [HOSTNAMES["server"]],
        "port": CONTROL_PORT,
        "transport_config": {"allow_insecure": True},
    }


def agent_config(config: ClusterConfig) -> dict[str, Any]:
    agent: dict[str, Any] = {
        "name": "daos_server",
        "access_points": [HOSTNAMES["server"]],
        "port": CONTROL_PORT,
        "runtime_dir": AGENT_RUNTIME_DIR,
        "log_file": AGENT_LOG,
    }
    if series(config.daos_version) >= (2, 4):
        agent["control_log_mask"] = "info"
    agent["transport_config"] = {"allow_insecure": True}
    if series(config.daos_version) >= (2, 4):
        # The agent cannot detect fabric interfaces inside a container (DAOS-11979).
        agent["fabric_ifaces"] = [
            {"numa_node": 0, "devices": [{"iface": config.iface, "domain": config.iface}]}
        ]
    return agent


def config_files(config: ClusterConfig, facts: HostFacts) -> dict[str, str]:
    """File name -> text of every configuration file of the cluster.

    The text is JSON, which DAOS's YAML parser reads as it is (JSON is YAML), with the same
    strict check of every key."""
    return {
        "daos_server.yml": to_text(server_config(config, facts)),
        "daos_control.yml": to_text(control_config()),
        "daos_agent.yml": to_text(agent_config(config)),
    }


def to_text(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2) + "\n"
