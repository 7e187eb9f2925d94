"""The labels that mark everything pytest-daos creates, and who owns it.

Every container carries the session id and its owner (pid, pid namespace, host, boot id,
start time, user), so a later run can tell a live session's containers from those of a
killed one. Nothing without these labels is ever touched, and an owner is taken for gone
only on proof: what this process cannot read or see leaves it unknown.
"""

from __future__ import annotations

import enum
import os
import pwd
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

_N = TypeVar("_N", int, float)

LABEL_PREFIX = "org.pytest-daos."
SESSION_LABEL = LABEL_PREFIX + "session"
KEY_LABEL = LABEL_PREFIX + "key"
ROLE_LABEL = LABEL_PREFIX + "role"
PID_LABEL = LABEL_PREFIX + "owner-pid"
BOOT_LABEL = LABEL_PREFIX + "boot-id"
STARTED_LABEL = LABEL_PREFIX + "started"
PIDNS_LABEL = LABEL_PREFIX + "owner-pidns"  # the owner's pid namespace ("pid:[inode]")
HOST_LABEL = LABEL_PREFIX + "owner-host"  # the owner's host name (a container's id in one)
TICKS_LABEL = LABEL_PREFIX + "owner-start-ticks"  # its start, clock ticks after boot
UID_LABEL = LABEL_PREFIX + "owner-uid"  # the owner's user (its effective uid)
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
    UNKNOWN = "out of this process's sight (another pid namespace, user or machine)"


@dataclass(frozen=True)
class Owner:
    """The process that owns a cluster: its pid within its pid namespace `pidns`, on the
    host named `host` (the hostname: a container's id inside one), started `ticks` clock
    ticks after the boot `boot` (field 22 of /proc/<pid>/stat), run by user `uid`.
    `started` is the wall-clock time it recorded, what earlier versions judged by."""

    session: str
    pid: int
    boot: str
    started: float
    pidns: str = ""  # "" in records of earlier versions: taken as this process's
    host: str = ""
    ticks: int = 0  # 0 in records of earlier versions: judged by `started`
    uid: int = -1  # -1 in records of earlier versions: nobody's

    @classmethod
    def current(cls) -> Owner:
        pid = os.getpid()
        return cls(
            uuid.uuid4().hex[:12], pid, boot_id(), time.time(), pid_namespace(),
            socket.gethostname(), start_ticks(pid) or 0, os.geteuid(),
        )  # fmt: skip

    def labels(self) -> dict[str, str]:
        labels = {
            SESSION_LABEL: self.session,
            PID_LABEL: str(self.pid),
            BOOT_LABEL: self.boot,
            STARTED_LABEL: f"{self.started:.0f}",
            PIDNS_LABEL: self.pidns,
            HOST_LABEL: self.host,
        }
        if self.ticks > 0:
            labels[TICKS_LABEL] = str(self.ticks)
        if self.uid >= 0:
            labels[UID_LABEL] = str(self.uid)
        return labels

    @classmethod
    def from_labels(cls, labels: dict[str, str]) -> Owner:
        """The owner the labels name; a label that is missing or not a number (an earlier
        version's, or someone's own) leaves its field unknown."""
        return cls(
            session=labels.get(SESSION_LABEL, ""),
            pid=_number(labels.get(PID_LABEL), 0),
            boot=labels.get(BOOT_LABEL, ""),
            started=_number(labels.get(STARTED_LABEL), 0.0),
            pidns=labels.get(PIDNS_LABEL, ""),
            host=labels.get(HOST_LABEL, ""),
            ticks=_number(labels.get(TICKS_LABEL), 0),
            uid=_number(labels.get(UID_LABEL), -1),
        )

    def is_alive(self) -> bool:
        """Whether the owner may still run: only an owner that is provably gone is not
        (its cluster may be removed); one out of sight counts as running."""
        return self.liveness() is not Liveness.GONE

    def liveness(self, root: Path = Path("/")) -> Liveness:
        """Whether the owning process still runs, on positive evidence only. GONE: the
        host booted since (another boot id on the owner's host), no process has its pid
        in a /proc that shows every process of its pid namespace, or the process with its
        pid started at another time (a reused pid). An owner in another pid namespace (a
        CI job in a container that shares the Docker socket) is looked up through /proc
        from an ancestor namespace. Whatever cannot be read or seen (another user's
        namespace link, /proc mounted with hidepid, another machine, a label missing) is
        UNKNOWN, never GONE."""
        here_boot = boot_id(root)
        if self.pid <= 0 or not self.boot or not here_boot:
            return Liveness.UNKNOWN
        if self.boot != here_boot:
            same_host = not self.host or self.host == socket.gethostname()
            return Liveness.GONE if same_host else Liveness.UNKNOWN  # rebooted since
        here = pid_namespace(root=root)
        if not self.pidns or self.pidns == here:
            return self._started_as_recorded(self.pid, root)
        seen, complete = _find_in_namespace(self.pidns, self.pid, root)
        if seen is not None:
            return self._started_as_recorded(seen, root)
        # only the initial namespace sees every other; a sibling's processes are hidden
        proven = here == INITIAL_PID_NAMESPACE and complete and every_process_visible(root)
        return Liveness.GONE if proven else Liveness.UNKNOWN

    def _started_as_recorded(self, pid: int, root: Path) -> Liveness:
        """The owner's liveness from what /proc says of `pid`, its pid as seen here."""
        ticks = start_ticks(pid, root)
        if ticks is None:
            absent = not (root / f"proc/{pid}").exists()
            return Liveness.GONE if absent and every_process_visible(root) else Liveness.UNKNOWN
        if self.ticks > 0:
            return Liveness.ALIVE if ticks == self.ticks else Liveness.GONE
        started = wall_clock(ticks, root)  # a record of an earlier version
        if started is None:
            return Liveness.UNKNOWN
        return Liveness.ALIVE if started <= self.started + 2 else Liveness.GONE  # whole s

    def describe(self) -> str:
        """Who this is, for messages: pid, and where and whose when not this process's."""
        where = ""
        if self.pidns and self.pidns != pid_namespace():
            where = f" in pid namespace {self.pidns}"
        if self.host and self.host != socket.gethostname():
            where += f" on host {self.host}"
        if self.uid >= 0 and self.uid != os.geteuid():
            where += f" of user {user_name(self.uid)}"
        return f"pid {self.pid}{where}"


def _number(text: str | None, unknown: _N) -> _N:
    """`text` as a number of the type of `unknown`, or `unknown` when it is none."""
    try:
        return type(unknown)(text) if text else unknown
    except ValueError:
        return unknown


def user_name(uid: int) -> str:
    """A user as messages name it: "root (uid 0)", or "uid 1234" when it has no name."""
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def every_process_visible(root: Path = Path("/")) -> bool:
    """Whether /proc lists every process of this pid namespace: it is not mounted with
    `hidepid` (which hides other users' processes), or this process is root; False when
    its mount options cannot be read."""
    try:
        mounts = (root / "proc/mounts").read_text().splitlines()
    except OSError:
        return False
    found = [fields[3] for fields in map(str.split, mounts)
             if len(fields) > 3 and fields[1:3] == ["/proc", "proc"]]  # fmt: skip
    if not found:
        return False
    options = dict(option.partition("=")[::2] for option in found[-1].split(","))
    return options.get("hidepid", "0") in ("0", "off") or os.geteuid() == 0


def pid_in_namespace(namespace: str, pid: int, root: Path = Path("/")) -> int | None:
    """The pid, as this process sees it, of the process that is `pid` inside pid
    namespace `namespace`; None when none is visible."""
    return _find_in_namespace(namespace, pid, root)[0]


def _find_in_namespace(namespace: str, pid: int, root: Path) -> tuple[int | None, bool]:
    """`pid_in_namespace`, and whether the search read every process's namespace link and
    status (/proc's `NSpid` lists a process's pid in each namespace from this one's down
    to its own): when it did not, a pid not found may still run."""
    complete = True
    try:
        entries = [entry for entry in (root / "proc").iterdir() if entry.name.isdigit()]
    except OSError:
        return None, False
    for entry in entries:
        try:
            if os.readlink(entry / "ns/pid") != namespace:
                continue
            status = (entry / "status").read_text()
        except FileNotFoundError:
            continue  # ended meanwhile
        except OSError:
            complete = False  # another user's process (or gone meanwhile: unknown here)
            continue
        for line in status.splitlines():
            if line.startswith("NSpid:") and line.split()[-1] == str(pid):
                return int(entry.name), True
    return None, complete


def start_ticks(pid: int, root: Path = Path("/")) -> int | None:
    """When process `pid` started, in clock ticks after boot (field 22 of /proc/<pid>/stat:
    no clock step changes it); None when it cannot be read."""
    try:
        stat = (root / f"proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def wall_clock(ticks: int, root: Path = Path("/")) -> float | None:
    """The wall-clock time (seconds since the epoch) `ticks` after boot, from /proc/stat's
    `btime`; None when it cannot be read."""
    try:
        boot = next(
            int(line.split()[1])
            for line in (root / "proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def process_start(pid: int, root: Path = Path("/")) -> float | None:
    """When process `pid` started (seconds since the epoch), from /proc; None if unknown."""
    ticks = start_ticks(pid, root)
    return None if ticks is None else wall_clock(ticks, root)
