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

from ..client.dmg import release
from .host import HostFacts
from .recipes import HOSTNAMES

CONTROL_PORT = 10001
FABRIC_PORT = 31416
SCM_MOUNT = "/mnt/daos"
BDEV_FILE = "/tmp/daos-bdev"
SERVER_LOG = "/tmp/daos_server.log"
ENGINE_LOG = "/tmp/daos_engine_0.log"
AGENT_LOG = "/tmp/daos_agent.log"
SOCKET_DIR = "/var/run/daos_server"
AGENT_RUNTIME_DIR = "/var/run/daos_agent"
#: The folders each node's daemon needs and does not create (daos_server exits with
#: "missing socket directory", daos_agent with "unable to listen on unix socket"); /run
#: is a fresh tmpfs in every node, so the node makes them before its daemon starts.
NODE_DIRS = {"server": (SOCKET_DIR,), "client": (AGENT_RUNTIME_DIR,)}
TARGETS = 1
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


def system_ram_reserved(facts: HostFacts, config: ClusterConfig) -> int:
    """GiB kept for the OS: the DAOS default of 16, lowered until the SCM tmpfs fits.

    DAOS 2.4+ refuses to start unless MemTotal - (hugepages + reserved + per-engine
    overhead of 1 GiB) covers both 4 GiB and scm_size (CONTRACT.md §7).
    """
    hugepage_gib = config.hugepages * facts.hugepage_size_bytes / GIB
    room = facts.mem_total_bytes / GIB - hugepage_gib - 1 - max(4, config.scm_size_gib)
    return max(1, min(16, int(room)))


def server_config(config: ClusterConfig, facts: HostFacts) -> dict[str, Any]:
    version = release(config.daos_version)
    engine_env = []
    if facts.cpu_count < TARGETS + XS_HELPERS + RESERVED_CORES:
        engine_env.append("DAOS_TARGET_OVERSUBSCRIBE=1")
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
    engine: dict[str, Any] = {
        "targets": TARGETS,
        "nr_xs_helpers": XS_HELPERS,
        "fabric_iface": config.iface,
        "fabric_iface_port": FABRIC_PORT,
        "log_file": ENGINE_LOG,
        "log_mask": "INFO",
    }
    if version < (2, 6):
        engine["first_core"] = 0
    if engine_env:
        engine["env_vars"] = engine_env
    if version < (2, 4):
        engine.update(
            scm_class="ram", scm_mount=SCM_MOUNT, scm_size=config.scm_size_gib,
            bdev_class="file", bdev_list=[BDEV_FILE], bdev_size=config.bdev_size_gib,
        )  # fmt: skip
    else:
        engine["storage"] = [
            {"class": "ram", "scm_mount": SCM_MOUNT, "scm_size": config.scm_size_gib},
            {"class": "file", "bdev_list": [BDEV_FILE], "bdev_size": config.bdev_size_gib},
        ]
    server["engines"] = [engine]
    return server


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
    if release(config.daos_version) >= (2, 4):
        agent["control_log_mask"] = "info"
    agent["transport_config"] = {"allow_insecure": True}
    if release(config.daos_version) >= (2, 4):
        # The agent cannot detect fabric interfaces inside a container (DAOS-11979).
        agent["fabric_ifaces"] = [
            {"numa_node": 0, "devices": [{"iface": config.iface, "domain": config.iface}]}
        ]
    return agent


def config_files(config: ClusterConfig, facts: HostFacts) -> dict[str, str]:
    """File name -> YAML text of every configuration file of the cluster."""
    return {
        "daos_server.yml": to_yaml(server_config(config, facts)),
        "daos_control.yml": to_yaml(control_config()),
        "daos_agent.yml": to_yaml(agent_config(config)),
    }


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML of dicts, lists and scalars (scalars written as JSON, valid YAML)."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:")
                lines.append(to_yaml(item, indent + 2).rstrip("\n"))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                body = to_yaml(item, indent + 2).rstrip("\n")
                lines.append(f"{pad}- {body.lstrip()}")
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    else:
        lines.append(pad + _scalar(value))
    return "\n".join(lines) + "\n"


def _scalar(value: Any) -> str:
    if value == [] or value == {}:
        return json.dumps(value)
    if isinstance(value, str) and _plain_string(value):
        return value
    return json.dumps(value)


def _plain_string(value: str) -> bool:
    """Whether YAML reads `value` unquoted as this same string."""
    return (
        bool(value)
        and all(c.isalnum() or c in "_-./+;:" for c in value)
        and value.lower() not in ("true", "false", "yes", "no", "null", "on", "off", "~")
        and not (value[0].isdigit() or value[0] in "-.:" or value.endswith(":"))
    )
