"""A shelf: named records kept as files in a POSIX container, through a dfuse mount on the
client node. What is written lives in DAOS: another mount of the container reads it."""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path

from pytest_daos import DaosContainer

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
#: Where records pass through on the client node on their way in and out of the mount.
STAGING = "/tmp"


class Shelf:
    """Records (name -> bytes) in one container, read and written under its mount point."""

    def __init__(self, container: DaosContainer, mountpoint: str) -> None:
        self.container = container
        self.mountpoint = mountpoint
        self.client = container.pool.cluster.client

    @classmethod
    def open(cls, container: DaosContainer) -> Shelf:
        """Mount the container with dfuse on the client node and open a shelf on it."""
        return cls(container, container.mount())

    def close(self) -> None:
        """Unmount the shelf's dfuse mount; the records stay in the container."""
        self.container.unmount(self.mountpoint)

    def path(self, name: str) -> str:
        """The record's file under the mount point (ValueError for a name that is none)."""
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"{name!r} is not a record name: letters, digits, '.', '_' and '-', up to 128, "
                "starting with a letter or digit"
            )
        return f"{self.mountpoint}/{name}"

    def put(self, name: str, data: bytes) -> None:
        """Write the record `name` (replacing it): copied to the client node, then into the
        mount with `cp`."""
        target = self.path(name)
        staged = f"{STAGING}/daos_shelf-{uuid.uuid4().hex}"
        with tempfile.TemporaryDirectory() as folder:
            local = Path(folder) / "record"
            local.write_bytes(data)
            self.client.put(local, staged)
        try:
            self.client.exec(["cp", staged, target])
        finally:
            self.client.exec(["rm", "-f", staged])

    def get(self, name: str) -> bytes:
        """The record `name`, copied out of the mount; KeyError when there is none."""
        source = self.path(name)
        staged = f"{STAGING}/daos_shelf-{uuid.uuid4().hex}"
        if self.client.exec(["cp", source, staged], check=False).exit_code != 0:
            raise KeyError(name)
        try:
            with tempfile.TemporaryDirectory() as folder:
                return self.client.get(staged, Path(folder) / "record").read_bytes()
        finally:
            self.client.exec(["rm", "-f", staged])

    def delete(self, name: str) -> None:
        """Remove the record `name`; KeyError when there is none."""
        if self.client.exec(["rm", self.path(name)], check=False).exit_code != 0:
            raise KeyError(name)

    def names(self) -> list[str]:
        """The names of the records, sorted."""
        listing = self.client.exec(["ls", "-1A", self.mountpoint]).stdout
        return sorted(line for line in listing.splitlines() if line)
