"""The labels that mark everything pytest-daos creates, and who owns it.

Every container carries the session id and its owner (pid, host boot id, start time), so a
later run can tell a live session's containers from those of a killed one. Nothing without
these labels is ever touched.
"""

from __future__ import annotations

import enum
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

LABEL_PREFIX = "org.pytest-daos."
SESSION_LABEL = LABEL_PREFIX + "session"
KEY_LABEL = LABEL_PREFIX + "key"
ROLE_LABEL = LABEL_PREFIX + "role"
PID_LABEL = LABEL_PREFIX + "owner-pid"
BOOT_LABEL = LABEL_PREFIX + "boot-id"
STARTED_LABEL = LABEL_PREFIX + "started"
PIDNS_LABEL = LABEL_PREFIX + "owner-pidns"  # the owner's pid namespace ("pid:[inode]")
HOST_LABEL = LABEL_PREFIX + "owner-host"  # the owner's host name (a container's id in one)
KEEP_LABEL = LABEL_PREFIX + "keep"  # left running on purpose (--daos-keep, pytest-daos up)


def boot_id(root: Path = Path("/")) -> str:
    try:
        return (root / "proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


#: The kernel's initial pid namespace (PROC_PID_INIT_INO): a process in it sees them all.
INITIAL_PID_NAMESPACE = "pid:[4026531836]"


def pid_namespace(pid: int | str = "self", root: Path = Path("/")) -> str:
    """The pid namespace of process `pid` ("pid:[inode]"), "" when it cannot be read."""
    try:
        return os.readlink(root / f"proc/{pid}/ns/pid")
    except OSError:
        return ""


class Liveness(enum.Enum):
    """What this process can tell about a cluster's owner."""

    ALIVE = "running"
    GONE = "provably gone"
    UNKNOWN = "out of this process's sight (another pid namespace or machine)"


@dataclass(frozen=True)
class Owner:
    """The process that owns a cluster: its pid within its pid namespace `pidns`, on the
    host named `host` (the hostname: a container's id inside one)."""

    session: str
    pid: int
    boot: str
    started: float
    pidns: str = ""  # "" in records of earlier versions: taken as this process's
    host: str = ""

    @classmethod
    def current(cls) -> Owner:
        return cls(
            uuid.uuid4().hex[:12], os.getpid(), boot_id(), time.time(), pid_namespace(),
            socket.gethostname(),
        )  # fmt: skip

    def labels(self) -> dict[str, str]:
        return {
            SESSION_LABEL: self.session,
            PID_LABEL: str(self.pid),
            BOOT_LABEL: self.boot,
            STARTED_LABEL: f"{self.started:.0f}",
            PIDNS_LABEL: self.pidns,
            HOST_LABEL: self.host,
        }

    @classmethod
    def from_labels(cls, labels: dict[str, str]) -> Owner:
        return cls(
            session=labels.get(SESSION_LABEL, ""),
            pid=int(labels.get(PID_LABEL) or 0),
            boot=labels.get(BOOT_LABEL, ""),
            started=float(labels.get(STARTED_LABEL) or 0),
            pidns=labels.get(PIDNS_LABEL, ""),
            host=labels.get(HOST_LABEL, ""),
        )

    def is_alive(self) -> bool:
        """Whether the owner may still run: only an owner that is provably gone is not
        (its cluster may be removed); one out of sight counts as running."""
        return self.liveness() is not Liveness.GONE

    def liveness(self, root: Path = Path("/")) -> Liveness:
        """Whether the owning process still runs: the same boot, its pid present in its pid
        namespace, and that process started before the owner recorded its start (not a
        reused pid). An owner in another pid namespace (a CI job in a container that shares
        the Docker socket) is looked up through /proc from an ancestor namespace; where
        this process cannot see that namespace, or the owner is on another machine, the
        answer is UNKNOWN, never GONE."""
        if self.pid <= 0:
            return Liveness.GONE
        if self.boot != boot_id(root):
            same_host = not self.host or self.host == socket.gethostname()
            return Liveness.GONE if same_host else Liveness.UNKNOWN  # rebooted since
        here = pid_namespace(root=root)
        if not self.pidns or self.pidns == here:
            return self._started_as_recorded(self.pid, root)
        seen = pid_in_namespace(self.pidns, self.pid, root)
        if seen is not None:
            return self._started_as_recorded(seen, root)
        return Liveness.GONE if here == INITIAL_PID_NAMESPACE else Liveness.UNKNOWN

    def _started_as_recorded(self, pid: int, root: Path) -> Liveness:
        if not (root / f"proc/{pid}").exists():
            return Liveness.GONE
        started = process_start(pid, root)
        if started is None or started <= self.started + 2:  # btime has whole seconds
            return Liveness.ALIVE
        return Liveness.GONE

    def describe(self) -> str:
        """Who this is, for messages: pid, and where when not in this process's sight."""
        where = ""
        if self.pidns and self.pidns != pid_namespace():
            where = f" in pid namespace {self.pidns}"
        if self.host and self.host != socket.gethostname():
            where += f" on host {self.host}"
        return f"pid {self.pid}{where}"


def pid_in_namespace(namespace: str, pid: int, root: Path = Path("/")) -> int | None:
    """The pid, as this process sees it, of the process that is `pid` inside pid
    namespace `namespace`; None when none is visible (/proc's `NSpid` lists a process's
    pid in each namespace from this one's down to its own)."""
    for entry in (root / "proc").iterdir():
        if not entry.name.isdigit() or pid_namespace(entry.name, root) != namespace:
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and line.split()[-1] == str(pid):
                return int(entry.name)
    return None


def process_start(pid: int, root: Path = Path("/")) -> float | None:
    """When process `pid` started (seconds since the epoch), from /proc; None if unknown."""
    try:
        stat = (root / f"proc/{pid}/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        boot = next(
            int(line.split()[1])
            for line in (root / "proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")
