"""How the plugin runs its nodes, read from a running plugin cluster: images, commands,
environment, security options, host names and the configuration files it wrote. The
references (`bare.sh`, `floor.py`) start the same nodes from this."""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .host import SESSION_LABEL

ROLE_LABEL = "org.pytest-daos.role"
ROLES = ("server", "admin", "client")
HOSTNAMES = {"server": "daos-server", "admin": "daos-admin", "client": "daos-client"}
#: The configuration file each node's program reads.
CONFIG_FILES = {
    "server": "daos_server.yml",
    "admin": "daos_control.yml",
    "client": "daos_agent.yml",
}
#: The entrypoint of every node: the daemons' folders on the fresh /run, then the command.
ENTRYPOINT = (
    "/bin/sh",
    "-c",
    'mkdir -p /var/run/daos_server /var/run/daos_agent && exec "$@"',
    "sh",
)


class CaptureError(RuntimeError):
    """The running cluster is not what the references can copy."""


@dataclass(frozen=True)
class NodeRun:
    role: str
    image: str
    command: tuple[str, ...]
    environment: dict[str, str] = field(default_factory=dict)

    @property
    def hostname(self) -> str:
        return HOSTNAMES[self.role]


@dataclass(frozen=True)
class ClusterSpec:
    """The three nodes as the plugin ran them, and what the references need around them."""

    nodes: tuple[NodeRun, ...]
    config_dir: str  # where the nodes' programs read their configuration files
    files: str  # folder on this host holding the configuration files
    ip: str
    privileged: bool
    cap_drop: tuple[str, ...]
    hugepages: int
    pool_size: str

    def node(self, role: str) -> NodeRun:
        return next(node for node in self.nodes if node.role == role)

    def config_path(self, role: str) -> str:
        return f"{self.config_dir}/{CONFIG_FILES[role]}"

    def dmg(self, *args: str) -> list[str]:
        return ["dmg", "-j", "-o", self.config_path("admin"), *args]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path) -> ClusterSpec:
        data = json.loads(path.read_text())
        nodes = tuple(
            NodeRun(node["role"], node["image"], tuple(node["command"]), node["environment"])
            for node in data.pop("nodes")
        )
        return cls(nodes=nodes, **{**data, "cap_drop": tuple(data["cap_drop"])})

    def write_shell(self, path: Path) -> None:
        """The settings of `bare.sh` as shell assignments, and one env file per node."""
        values = {
            "SERVER_IMAGE": self.node("server").image,
            "ADMIN_IMAGE": self.node("admin").image,
            "CLIENT_IMAGE": self.node("client").image,
            "CONFIG_DIR": self.config_dir,
            "IP": self.ip,
            "PRIVILEGED": "1" if self.privileged else "0",
            "CAP_DROP": " ".join(self.cap_drop),
            "HUGEPAGES": str(self.hugepages),
            "POOL_SIZE": self.pool_size,
        }
        path.write_text("".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items()))
        for node in self.nodes:
            lines = (f"{key}={value}\n" for key, value in sorted(node.environment.items()))
            (Path(self.files) / f"{node.role}.env").write_text("".join(lines))


def capture(client: Any, folder: Path, hugepages: int, pool_size: str) -> ClusterSpec:
    """Read the running plugin cluster's nodes and configuration files into `folder`."""
    containers = {
        container.labels.get(ROLE_LABEL): container
        for container in client.containers.list(filters={"label": SESSION_LABEL})
    }
    if sorted(role for role in containers if role) != sorted(ROLES):
        raise CaptureError(f"expected one running node per role, found {sorted(containers)}")
    server_command = containers["server"].attrs["Config"]["Cmd"]
    config_dir = str(PurePosixPath(server_command[server_command.index("-o") + 1]).parent)
    folder.mkdir(parents=True, exist_ok=True)
    nodes = []
    for role in ROLES:
        container = containers[role]
        config = container.attrs["Config"]
        image_env = set(client.images.get(config["Image"]).attrs["Config"].get("Env") or [])
        environment = dict(
            entry.split("=", 1)
            for entry in config.get("Env") or []
            if entry not in image_env and not entry.startswith("PYTEST_DAOS_")
        )
        nodes.append(NodeRun(role, config["Image"], tuple(config["Cmd"]), environment))
        code, text = container.exec_run(["cat", f"{config_dir}/{CONFIG_FILES[role]}"])
        if code != 0:
            raise CaptureError(f"cannot read {CONFIG_FILES[role]} in the {role} node: {text!r}")
        (folder / CONFIG_FILES[role]).write_bytes(text)
    host = containers["server"].attrs["HostConfig"]
    extra_hosts = host.get("ExtraHosts") or []
    ip = next(
        (entry.split(":", 1)[1] for entry in extra_hosts if entry.startswith("daos-server:")), ""
    )
    if not ip:
        raise CaptureError(f"the server node maps no daos-server address: {extra_hosts}")
    return ClusterSpec(
        nodes=tuple(nodes),
        config_dir=config_dir,
        files=str(folder),
        ip=ip,
        privileged=bool(host.get("Privileged")),
        cap_drop=tuple(host.get("CapDrop") or ()),
        hugepages=hugepages,
        pool_size=pool_size,
    )
