"""How each node of a cluster is created on Docker: the plan of a start (recipe, images,
address, configuration files, owner) and the container options of one node, as the DAOS
docker quick start runs them (host network, the three host names, /run on tmpfs, the
host's hugetlbfs on the server), privileged or with explicit capabilities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .host import Interface
from .labels import ROLE_LABEL, Owner
from .recipes import DIRS_ENV, HOSTNAMES, NodeSpec, Recipe

#: `--security-opt systempaths=unconfined` is a docker CLI option: the API form is empty
#: MaskedPaths and ReadonlyPaths (no /proc or /sys paths hidden or read-only).
UNCONFINED = ("seccomp=unconfined", "apparmor=unconfined")
UNCONFINED_PATHS: dict[str, list[str]] = {"MaskedPaths": [], "ReadonlyPaths": []}


@dataclass(frozen=True)
class ClusterPlan:
    """Everything needed to run the nodes: recipe, image tags, address, files, owner."""

    recipe: Recipe
    image_tags: Mapping[str, str]
    iface: Interface
    config_files: Mapping[str, str]
    owner: Owner
    privileged: str = "auto"  # "yes", "no" or "auto"
    missing_caps: tuple[str, ...] = ()
    log_files: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extra_labels: Mapping[str, str] = field(default_factory=dict)
    absent_devices: frozenset[str] = frozenset()  # left out: this host has no such device
    #: role -> folders its daemon needs (socket_dir, runtime_dir): made before it starts
    node_dirs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def dmg_config(self) -> str:
        """The control configuration file in the admin node, passed to every `dmg`."""
        return self.recipe.config_path("daos_control.yml")


def container_name(owner: Owner, role: str) -> str:
    return f"pytest-daos-{owner.session}-{role}"


@dataclass(frozen=True)
class NodeRun:
    """How one node is created: `create_container` arguments, host config arguments, and
    raw HostConfig fields the SDK has no argument for."""

    create: dict[str, Any]
    host: dict[str, Any]
    raw_host: dict[str, Any]


def run_options(plan: ClusterPlan, node: NodeSpec, privileged: bool) -> NodeRun:
    """How to create one node (the DAOS docker quick start: host network, the three host
    names, /run on tmpfs, the host's hugetlbfs on the server)."""
    create: dict[str, Any] = {
        "image": plan.image_tags[node.image],
        "name": container_name(plan.owner, node.role),
        "hostname": node.hostname,
        "labels": {**plan.owner.labels(), **plan.extra_labels, ROLE_LABEL: node.role},
        "environment": {**node.environment, DIRS_ENV: " ".join(plan.node_dirs.get(node.role, ()))},
        "entrypoint": list(node.entrypoint),
        "command": list(node.command),
        # the images' own STOPSIGNAL (systemd's SIGRTMIN+3 in the upstream ones) stops no
        # DAOS daemon: they stop on SIGTERM
        "stop_signal": "SIGTERM",
        "detach": True,
    }
    host: dict[str, Any] = {
        "network_mode": "host",
        "extra_hosts": {hostname: plan.iface.ip for hostname in HOSTNAMES.values()},
        "tmpfs": {"/run": ""},
        "init": True,
        "binds": [
            f"{mount.source}:{mount.target}:{'ro' if mount.read_only else 'rw'}"
            for mount in node.mounts
        ],
        "devices": [
            f"{device}:{device}:rwm" for device in node.devices if device not in plan.absent_devices
        ],
    }
    raw_host: dict[str, Any] = {}
    if privileged:
        host["privileged"] = True
    else:
        host["cap_add"] = ["ALL"]
        if plan.missing_caps:
            host["cap_drop"] = list(plan.missing_caps)
        host["security_opt"] = list(UNCONFINED)
        raw_host.update(UNCONFINED_PATHS)
    return NodeRun(create, host, raw_host)


def is_caps_refusal(error: Exception) -> bool:
    """Docker refused a privileged container because capabilities are missing."""
    return "unable to apply caps" in str(error)
