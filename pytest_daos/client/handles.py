"""The objects tests use: `DaosCluster`, `DaosNode`, `DaosPool`, `DaosContainer`.

They hold no pytest state: each wraps transports and the `dmg`/`daos` command layers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .daos import Daos, dfuse_argv
from .dmg import Dmg, Member, Properties
from .transport import CommandError, ExecResult, NodeTransport

LogReader = Callable[[], Mapping[str, str]]


class DaosNode:
    """One node of the cluster (daos-server, daos-admin or daos-client)."""

    def __init__(self, role: str, hostname: str, transport: NodeTransport, logs: LogReader) -> None:
        self.role = role
        self.hostname = hostname
        self.transport = transport
        self._logs = logs

    def __repr__(self) -> str:
        return f"DaosNode({self.hostname!r})"

    def exec(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run argv (a list, never a shell string) on the node.

        With `check`, a non-zero exit raises CommandError showing argv, exit code and both
        streams. `timeout` (seconds) stops the command inside the node.
        """
        if isinstance(argv, str):
            raise TypeError("exec takes an argv list such as ['ls', '-l'], not a string")
        result = self.transport.run(argv, env=env, timeout=timeout)
        if check and result.exit_code != 0:
            raise CommandError(self.hostname, result)
        return result

    def put(self, local: str | Path, remote: str) -> None:
        """Copy a file or folder from this host to the path `remote` on the node."""
        self.transport.put(Path(local), remote)

    def get(self, remote: str, local: str | Path) -> Path:
        """Copy the file or folder `remote` on the node to `local` on this host."""
        self.transport.get(remote, Path(local))
        return Path(local)

    def logs(self) -> dict[str, str]:
        """The tail of the node's output and of its DAOS log files, by source."""
        return dict(self._logs())


class DaosCluster:
    """A running DAOS system: its nodes, `dmg` on the admin node, `daos` on the client."""

    def __init__(
        self,
        nodes: Mapping[str, DaosNode],
        version: str,
        iface: str,
        ip: str,
        dmg_config: str | None = None,
    ) -> None:
        #: None against an existing system (--daos-system=existing): only dmg and daos reach it
        self.server: DaosNode | None = nodes.get("server")
        self.admin = nodes["admin"]
        self.client = nodes["client"]
        self.version = version
        self.iface = iface
        self.ip = ip
        self._dmg = Dmg(self.admin.transport, version, config=dmg_config)
        self._daos = Daos(self.client.transport, version)

    def __repr__(self) -> str:
        return f"DaosCluster(version={self.version!r}, iface={self.iface!r}, ip={self.ip!r})"

    @property
    def nodes(self) -> tuple[DaosNode, ...]:
        """The nodes this process can reach: server (when known), admin, client."""
        return tuple(node for node in (self.server, self.admin, self.client) if node is not None)

    def dmg(self, *args: str) -> Any:
        """Run `dmg -j ARGS` on the admin node; the parsed `response` (DaosError on failure)."""
        return self._dmg(*args)

    def daos(self, *args: str) -> Any:
        """Run `daos -j ARGS` on the client node; the parsed `response`."""
        return self._daos(*args)

    @property
    def dmg_tool(self) -> Dmg:
        """The typed `dmg` wrapper (pool_create, system_query, ...)."""
        return self._dmg

    @property
    def daos_tool(self) -> Daos:
        """The typed `daos` wrapper (container_create, container_list, ...)."""
        return self._daos

    def members(self) -> list[Member]:
        """The ranks as `dmg system query` reports them."""
        return self._dmg.system_query()

    def create_pool(self, label: str, size: str, properties: Properties | None = None) -> DaosPool:
        """Create a pool of `size` (`dmg --size`: total bytes, or N% of the free space);
        the caller destroys it (`DaosPool.destroy`).

        `label` must meet DAOS's label rule and `properties` is DAOS's `key:value,...` or a
        mapping such as {"rd_fac": 1}; both are checked before any command (LabelError,
        PropertyError)."""
        created = self._dmg.pool_create(label, size, properties=properties)
        return DaosPool(self, created.label, created.uuid, created.tier_bytes, created.svc_reps)


@dataclass
class DaosPool:
    """A pool: label, uuid, sizes per tier, service ranks."""

    cluster: DaosCluster = field(repr=False)
    label: str
    uuid: str
    tier_bytes: tuple[int, ...]
    svc_reps: tuple[int, ...]

    @property
    def total_bytes(self) -> int:
        return sum(self.tier_bytes)

    def query(self) -> dict[str, Any]:
        """`dmg pool query` of this pool (the parsed response)."""
        return self.cluster.dmg_tool.pool_query(self.uuid)

    def create_container(
        self, label: str | None = None, type: str = "POSIX",
        properties: Properties | None = None,
    ) -> DaosContainer:  # fmt: skip
        """Create a container in this pool; the caller destroys it (`DaosContainer.destroy`).

        `label` and `properties` are checked as in `DaosCluster.create_pool`."""
        info = self.cluster.daos_tool.container_create(self.uuid, label, type, properties)
        return DaosContainer(self, info.label, info.uuid, info.type)

    def destroy(self) -> None:
        """Destroy the pool and every container in it."""
        self.cluster.dmg_tool.pool_destroy(self.uuid, force=True, recursive=True)


@dataclass
class DaosContainer:
    """A container in a pool."""

    pool: DaosPool = field(repr=False)
    label: str
    uuid: str
    type: str
    mounts: list[str] = field(default_factory=list, repr=False)

    def mount(self, mountpoint: str | None = None) -> str:
        """Mount the container with dfuse on the client node; returns the mount point.

        The default mount point is /mnt/dfuse/<container uuid>, or <uuid>-N (the lowest N
        not mounted) while that one is. Every mount is unmounted by `unmount_all` (the
        fixtures do it after the test).
        """
        client = self.pool.cluster.client
        if mountpoint is None:
            base = f"/mnt/dfuse/{self.uuid}"
            names = (base, *(f"{base}-{n}" for n in range(1, len(self.mounts) + 1)))
            mountpoint = next(name for name in names if name not in self.mounts)
        client.exec(["mkdir", "-p", mountpoint])
        version = self.pool.cluster.version
        client.exec(dfuse_argv(version, mountpoint, self.pool.uuid, self.uuid), timeout=60)
        self.mounts.append(mountpoint)
        return mountpoint

    def unmount(self, mountpoint: str) -> None:
        """Unmount one dfuse mount of this container."""
        self.pool.cluster.client.exec(["fusermount3", "-u", mountpoint], timeout=30)
        self.mounts.remove(mountpoint)

    def unmount_all(self) -> None:
        """Unmount every dfuse mount of this container (newest first)."""
        for mountpoint in reversed(list(self.mounts)):
            self.unmount(mountpoint)

    def query(self) -> dict[str, Any]:
        """`daos container query` of this container (the parsed response)."""
        response: dict[str, Any] = self.pool.cluster.daos(
            "container", "query", self.pool.uuid, self.uuid
        )
        return response

    def exec(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, check: bool = True
    ) -> ExecResult:
        """Run argv on the client node with DAOS_POOL and DAOS_CONT naming this container."""
        full_env = {"DAOS_POOL": self.pool.uuid, "DAOS_CONT": self.uuid, **(env or {})}
        return self.pool.cluster.client.exec(argv, env=full_env, check=check)

    def destroy(self) -> None:
        """Unmount what `mount` mounted, then destroy the container."""
        self.unmount_all()
        self.pool.cluster.daos_tool.container_destroy(self.pool.uuid, self.uuid, force=True)
