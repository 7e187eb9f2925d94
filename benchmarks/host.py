"""This host: what the report says about it, hugepages for the references, and the check
that a measurement left nothing behind (no container, no kept cluster, `vm.nr_hugepages`
as it was)."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HUGEPAGES_DIR = Path("/dev/hugepages")
NR_HUGEPAGES = Path("/proc/sys/vm/nr_hugepages")
SPDK_FILE = re.compile(r"^spdk_pid\d+map_\d+$")
#: Containers the references start carry this name prefix.
BENCH_PREFIX = "pytest-daos-bench-"
SESSION_LABEL = "org.pytest-daos.session"


def docker_client() -> Any:
    import docker

    return docker.from_env(timeout=300)


def machine() -> dict[str, Any]:
    """Cores, memory, kernel, OS and Docker version of this host."""
    meminfo = Path("/proc/meminfo").read_text()
    total = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    try:
        docker = docker_client().version().get("Version", "unknown")
    except Exception as exc:
        docker = f"unknown ({exc.__class__.__name__})"
    os_name = "unknown"
    release = Path("/etc/os-release")
    if release.exists():
        found = re.search(r'^PRETTY_NAME="?([^"\n]+)', release.read_text(), re.MULTILINE)
        os_name = found.group(1) if found else os_name
    return {
        "cores": os.cpu_count(),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "memory_gib": round(int(total.group(1)) / 1024**2, 1) if total else None,
        "kernel": platform.release(),
        "os": os_name,
        "docker": docker,
        "python": platform.python_version(),
    }


def nr_hugepages() -> int:
    return int(NR_HUGEPAGES.read_text())


def _hugetlbfs_mounted() -> bool:
    for line in Path("/proc/mounts").read_text().splitlines():
        fields = line.split()
        if len(fields) > 2 and fields[1] == str(HUGEPAGES_DIR) and fields[2] == "hugetlbfs":
            return True
    return False


def _free_hugepages() -> int:
    found = re.search(r"^HugePages_Free:\s+(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE)
    return int(found.group(1)) if found else 0


def _hugepage_files() -> frozenset[str]:
    try:
        return frozenset(path.name for path in HUGEPAGES_DIR.iterdir())
    except OSError:
        return frozenset()


@dataclass(frozen=True)
class Hugepages:
    """What `reserve_hugepages` changed, for `give_back` to undo."""

    previous_nr: int
    mounted: bool
    files_before: frozenset[str]

    def give_back(self) -> None:
        """Delete the engine's new hugepage files, restore nr_hugepages, unmount."""
        for name in sorted(_hugepage_files() - self.files_before):
            if SPDK_FILE.match(name):
                (HUGEPAGES_DIR / name).unlink(missing_ok=True)
        NR_HUGEPAGES.write_text(f"{self.previous_nr}\n")
        if self.mounted:
            subprocess.run(["umount", str(HUGEPAGES_DIR)], check=True)


def reserve_hugepages(pages: int) -> Hugepages:
    """hugetlbfs at /dev/hugepages and `pages` free hugepages (as root), as the plugin
    makes them before its server node starts."""
    previous = nr_hugepages()
    mounted = False
    if not _hugetlbfs_mounted():
        HUGEPAGES_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "hugetlbfs", "nodev", str(HUGEPAGES_DIR)], check=True)
        mounted = True
    free = _free_hugepages()
    if free < pages:
        NR_HUGEPAGES.write_text(f"{previous + pages - free}\n")
    return Hugepages(previous, mounted, _hugepage_files())


def leftovers(expected_nr_hugepages: int) -> list[str]:
    """What a measurement left behind: containers of pytest-daos or of the references,
    a changed `vm.nr_hugepages`."""
    found = []
    client = docker_client()
    for container in client.containers.list(all=True):
        labels = container.labels or {}
        if SESSION_LABEL in labels or str(container.name).startswith(BENCH_PREFIX):
            found.append(f"container {container.name} ({container.status})")
    if nr_hugepages() != expected_nr_hugepages:
        found.append(f"vm.nr_hugepages is {nr_hugepages()}, was {expected_nr_hugepages}")
    return found


def remove_bench_containers() -> list[str]:
    """Remove what the references may have left (containers named BENCH_PREFIX...)."""
    removed = []
    client = docker_client()
    for container in client.containers.list(all=True):
        if str(container.name).startswith(BENCH_PREFIX):
            container.remove(force=True, v=True)
            removed.append(str(container.name))
    return removed
