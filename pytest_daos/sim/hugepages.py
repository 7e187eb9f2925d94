"""Hugepages as the DAOS engine (through SPDK/DPDK) takes and leaves them.

The engine backs its memory with one hugetlbfs file per page, `spdk_pid<PID>map_<N>`, and
the files (with their pages) stay when it exits or is killed. daos_server 2.4+ removes, at
start, the files whose PID is no longer alive.
"""

from __future__ import annotations

import mmap
import os
import re
from pathlib import Path

from .host import is_hugetlbfs, meminfo, pid_alive

SPDK_FILE = re.compile(r"^spdk_pid(\d+)map_\d+$")


def remove_stale_files(directory: str) -> list[str]:
    """Delete `spdk_pid<PID>map_*` files in `directory` whose PID is not alive."""
    removed: list[str] = []
    try:
        entries = list(Path(directory).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = SPDK_FILE.match(entry.name)
        if match and not pid_alive(int(match.group(1))):
            try:
                entry.unlink()
                removed.append(entry.name)
            except OSError:
                pass
    return removed


def free_pages(directory: str) -> int | None:
    """Pages that can still be reserved, if `directory` is hugetlbfs; None for a plain dir."""
    if not is_hugetlbfs(directory):
        return None
    info = meminfo()
    return max(0, info.get("HugePages_Free", 0) - info.get("HugePages_Rsvd", 0))


class Reservation:
    """The pages one engine holds: created, sized, mapped and touched, one file per page."""

    def __init__(self, directory: str, pid: int, page_size: int) -> None:
        self.directory = directory
        self.pid = pid
        self.page_size = page_size
        self.maps: list[mmap.mmap] = []
        self.error: str | None = None

    def take(self, count: int) -> int:
        """Take up to `count` pages; returns how many were taken."""
        available = free_pages(self.directory)
        if available is not None:
            count = min(count, available)
        for index in range(count):
            path = os.path.join(self.directory, f"spdk_pid{self.pid}map_{index}")
            try:
                fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
            except OSError as exc:
                self.error = f"open {path}: {exc.strerror}"
                break
            try:
                os.ftruncate(fd, self.page_size)
                page = mmap.mmap(
                    fd, self.page_size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE
                )
                page[0:1] = b"\x01"  # touch it: the page is really consumed
            except (OSError, ValueError) as exc:
                self.error = f"map {path}: {exc}"
                os.close(fd)
                os.unlink(path)
                break
            os.close(fd)
            self.maps.append(page)
        return len(self.maps)
