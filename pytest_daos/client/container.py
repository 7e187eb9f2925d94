"""`DaosContainer`: a container as tests reach it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .daos import dfuse_argv
from .transport import ExecResult

if TYPE_CHECKING:  # a pool makes its containers: it imports this module
    from .pool import DaosPool


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
