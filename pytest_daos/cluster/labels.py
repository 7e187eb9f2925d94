"""The labels that mark everything pytest-daos creates, and who owns it.

Every container carries the session id and its owner (pid, host boot id, start time), so a
later run can tell a live session's containers from those of a killed one. Nothing without
these labels is ever touched.
"""

from __future__ import annotations

import os
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
KEEP_LABEL = LABEL_PREFIX + "keep"  # left running on purpose (--daos-keep, pytest-daos up)


def boot_id(root: Path = Path("/")) -> str:
    try:
        return (root / "proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


@dataclass(frozen=True)
class Owner:
    """The process that owns a cluster."""

    session: str
    pid: int
    boot: str
    started: float

    @classmethod
    def current(cls) -> Owner:
        return cls(uuid.uuid4().hex[:12], os.getpid(), boot_id(), time.time())

    def labels(self) -> dict[str, str]:
        return {
            SESSION_LABEL: self.session,
            PID_LABEL: str(self.pid),
            BOOT_LABEL: self.boot,
            STARTED_LABEL: f"{self.started:.0f}",
        }

    @classmethod
    def from_labels(cls, labels: dict[str, str]) -> Owner:
        return cls(
            session=labels.get(SESSION_LABEL, ""),
            pid=int(labels.get(PID_LABEL) or 0),
            boot=labels.get(BOOT_LABEL, ""),
            started=float(labels.get(STARTED_LABEL) or 0),
        )

    def is_alive(self) -> bool:
        """Whether the owning process still runs: same boot, the pid present, and that pid's
        process started before the owner recorded its start (not a reused pid)."""
        if self.boot != boot_id() or self.pid <= 0:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        started = process_start(self.pid)
        return started is None or started <= self.started + 2  # btime has whole seconds


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
