"""Every prerequisite check of the DAOS cluster, each a `Check(name, status, detail, fix)`
read from /proc, /sys and the Docker engine (the engine's git: `engine_git.py`); none
changes the host. Every reader takes a `root` so tests can point it at a fake tree.

A check that fails names the settings its verdict follows from (`Check.settings`): the
failure is a mistake in those settings when the user gave one of them (`--daos-scm-size`
larger than the memory, more engines than cores), else the host's state (no Docker
engine, a busy port, too few hugepages)."""

from __future__ import annotations

import gzip
import os
import platform
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..settings import engines_problem
from . import config_files
from .host import (
    ROOT,
    DockerUnavailable,
    HostFacts,
    Interface,
    InterfaceError,
    docker_client,
    meminfo,
    missing_capabilities,
)
from .hugepages import HugepageCounts

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Check:
    """One prerequisite: its status (ok, warn or fail), what was seen, how to fix it, and
    the settings (option names) whose values a failure follows from (none: the host's
    state alone)."""

    name: str
    status: str
    detail: str
    fix: str = ""
    settings: tuple[str, ...] = ()

    def mistake(self, given: Collection[str]) -> bool:
        """Whether this is a failure caused by a setting of `given` (the settings the user
        gave): that setting cannot work on this host, whatever the host's state."""
        return self.status == FAIL and any(name in given for name in self.settings)

    def line(self) -> str:
        return f"{self.name}: {self.detail}" + (f" (fix: {self.fix})" if self.fix else "")


def check_interface(iface: Interface | InterfaceError, root: Path = ROOT) -> Check:
    """The interface (as `host.try_resolve_iface` found it) exists, is up and has an IPv4
    address; loopback is fine on one host."""
    if isinstance(iface, InterfaceError):
        # a name that no interface has is a mistake; one that exists has no address yet
        blamed = ("iface",) if iface.missing else ()
        return Check("interface", FAIL, iface.cause, "pass --daos-iface=NAME", blamed)
    try:
        state = (root / "sys/class/net" / iface.name / "operstate").read_text().strip()
    except OSError:
        state = "unknown"
    if state == "down":
        return Check("interface", FAIL, f"{iface.name} ({iface.ip}) is down",
                     f"sudo ip link set {iface.name} up")  # fmt: skip
    if iface.name == "lo":
        return Check(
            "interface",
            OK,
            f"lo ({iface.ip}): loopback serves a single-host cluster only (the DAOS quick start "
            "warns against it; a real DAOS 2.6.5 ran on lo with provider ofi+tcp;ofi_rxm where "
            "libfabric is older than 1.18)",
        )
    return Check("interface", OK, f"{iface.name} ({iface.ip}), {state}")


def _kernel_config(root: Path) -> str:
    try:
        return gzip.decompress((root / "proc/config.gz").read_bytes()).decode(errors="replace")
    except OSError:
        pass
    try:
        release = platform.release() if root == ROOT else ""
        return (root / f"boot/config-{release}").read_text()
    except OSError:
        return ""


def check_hugetlbfs(root: Path = ROOT) -> Check:
    """The kernel supports hugetlbfs, and it is mounted at /dev/hugepages."""
    try:
        filesystems = (root / "proc/filesystems").read_text()
    except OSError:
        filesystems = ""
    supported = "hugetlbfs" in filesystems.split() or "CONFIG_HUGETLBFS=y" in _kernel_config(root)
    if not supported:
        return Check("hugetlbfs", FAIL, "the kernel has no hugetlbfs (CONFIG_HUGETLBFS)",
                     "use a kernel built with CONFIG_HUGETLBFS=y")  # fmt: skip
    try:
        mounts = (root / "proc/mounts").read_text().splitlines()
    except OSError:
        mounts = []
    if any(line.split()[1:3] == ["/dev/hugepages", "hugetlbfs"] for line in mounts):
        return Check("hugetlbfs", OK, "mounted at /dev/hugepages")
    fix = "sudo mkdir -p /dev/hugepages && sudo mount -t hugetlbfs nodev /dev/hugepages"
    if os.geteuid() == 0 and root == ROOT:
        return Check("hugetlbfs", WARN, "not mounted at /dev/hugepages; the plugin mounts it "
                     "at start and unmounts it at the end (running as root)", fix)  # fmt: skip
    return Check("hugetlbfs", FAIL, "not mounted at /dev/hugepages", fix)


def check_hugepages(needed: int, root: Path = ROOT, is_root: bool | None = None) -> Check:
    """Enough free default-size hugepages for the engine (or root, who can raise them):
    free and not reserved, as the reservation counts them."""
    info = meminfo(root)
    counts = HugepageCounts.from_meminfo(info)
    total, free = counts.total, counts.available
    size_kib = info.get("Hugepagesize", 2048 * 1024) // 1024
    seen = f"{free} of {total} hugepages ({size_kib} KiB) free, the engine needs {needed}"
    if free >= needed:
        return Check("hugepages", OK, seen)
    fix = f"sudo sysctl vm.nr_hugepages={total + needed - free}"
    if (os.geteuid() == 0) if is_root is None else is_root:
        return Check("hugepages", WARN, seen + "; the plugin raises vm.nr_hugepages at start "
                     "and restores it at the end (running as root)", fix)  # fmt: skip
    return Check("hugepages", FAIL, seen, fix)


def check_iommu(root: Path = ROOT) -> Check:
    """IOMMU/VT-d: needed for real NVMe, not while NVMe is emulated by a file."""
    try:
        groups = list((root / "sys/class/iommu").iterdir())
    except OSError:
        groups = []
    try:
        cmdline = (root / "proc/cmdline").read_text()
    except OSError:
        cmdline = ""
    if groups or "intel_iommu=on" in cmdline or "amd_iommu=on" in cmdline:
        return Check("iommu", OK, "IOMMU enabled")
    return Check(
        "iommu",
        WARN,
        "no IOMMU (VT-d) detected: fine while NVMe is emulated by a file, needed for real NVMe",
        "add intel_iommu=on (or amd_iommu=on) iommu=pt to GRUB_CMDLINE_LINUX in "
        "/etc/default/grub, run update-grub (or grub2-mkconfig) and reboot",
    )


def _listeners(root: Path) -> dict[int, int]:
    """Listening TCP port -> socket inode, from /proc/net/tcp and tcp6."""
    ports: dict[int, int] = {}
    for name in ("tcp", "tcp6"):
        try:
            lines = (root / "proc/net" / name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and fields[3] == "0A":  # TCP_LISTEN
                ports[int(fields[1].rsplit(":", 1)[1], 16)] = int(fields[9])
    return ports


def _socket_owner(inode: int, root: Path) -> str:
    """`name (pid N)` of the process holding a socket inode, when /proc shows it."""
    target = f"socket:[{inode}]"
    for proc in (root / "proc").glob("[0-9]*"):
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == target:
                    comm = (proc / "comm").read_text().strip()
                    return f"{comm} (pid {proc.name})"
        except OSError:
            continue
    return "another process"


def check_ports(ports: dict[str, int], root: Path = ROOT) -> Check:
    """The DAOS ports are free on the host (the nodes use the host network)."""
    listening = _listeners(root)
    busy = [
        f"{what} port {port} is used by {_socket_owner(listening[port], root)}"
        for what, port in ports.items()
        if port in listening
    ]
    if busy:
        return Check("ports", FAIL, "; ".join(busy),
                     "stop that process (another DAOS server or cluster?)")  # fmt: skip
    return Check("ports", OK, ", ".join(f"{what} {port}" for what, port in ports.items()) + " free")


def check_cores(facts: HostFacts, needed: int, engines: int = 1) -> Check:
    """Cores for the engine's targets and helpers plus the two DAOS keeps for itself; with
    several engines, a core for each (engine i starts at core i, which must exist)."""
    if engines > facts.cpu_count:
        return Check(
            "cores",
            FAIL,
            f"{facts.cpu_count} cores for {engines} engines: each engine starts on a core of "
            "its own (first_core)",
            f"lower --daos-engines to {facts.cpu_count}",
            ("engines",),
        )
    if engines > 1:
        return Check(
            "cores",
            OK,
            f"{facts.cpu_count} cores for {engines} engines: they share them, so the server "
            "config gets DAOS_TARGET_OVERSUBSCRIBE=1",
        )
    if facts.cpu_count >= needed:
        return Check("cores", OK, f"{facts.cpu_count} cores, the engine needs {needed}")
    return Check(
        "cores",
        OK,
        f"{facts.cpu_count} cores, fewer than the {needed} the engine wants: the server config "
        "gets DAOS_TARGET_OVERSUBSCRIBE=1 (without it the engine refuses to start)",
    )


def check_thp(facts: HostFacts) -> Check:
    """DAOS 2.6.5+ refuses to start with transparent hugepages not [never] unless allow_thp."""
    if not facts.thp_enabled:
        return Check("transparent hugepages", OK, "[never]")
    return Check(
        "transparent hugepages",
        OK,
        "enabled ([always] or [madvise]): the server config gets allow_thp: true "
        "(DAOS 2.6.5+ refuses to start otherwise)",
    )


def check_memory(
    facts: HostFacts, scm_gib: int, hugepages: int, reserved_gib: int, engines: int = 1
) -> Check:
    """DAOS 2.4+: MemTotal - (hugepages + system_ram_reserved + 1 GiB per engine) must cover
    the SCM of every engine (`config_files.scm_room`, the rule the configuration is written
    by)."""
    gib = config_files.GIB
    huge = hugepages * facts.hugepage_size_bytes
    room = config_files.scm_room(facts, hugepages, reserved_gib, engines)
    need = config_files.scm_needed(scm_gib, engines)
    per = f"{engines} x 1 GiB engines" if engines > 1 else "1 GiB engine"
    seen = (
        f"{facts.mem_total_bytes / gib:.1f} GiB RAM - {huge / gib:.1f} GiB hugepages - "
        f"{reserved_gib} GiB system_ram_reserved - {per} leaves {room / gib:.1f} GiB "
        f"for {need // gib} GiB of SCM"
    )
    if room >= need:
        return Check("memory", OK, seen)
    more = " or --daos-engines" if engines > 1 else ""
    fix = f"lower --daos-scm-size or --daos-hugepages{more}"
    return Check("memory", FAIL, seen, fix, ("scm_size", "hugepages", "engines"))


def check_engines(engines: int, hugepages: int, scm_gib: int, version: str) -> Check:
    """Several engines: enough hugepages and SCM for each (`settings.engines_problem`)."""
    problem = engines_problem(engines, hugepages, scm_gib, version)
    if problem is None:
        return Check("engines", OK, f"{engines} engine{'s' if engines > 1 else ''}")
    detail, _, fix = problem.rpartition(": use ")
    return Check("engines", FAIL, detail, f"use {fix}", ("engines", "hugepages", "scm_size"))


def check_disk(path: str, bdev_gib: int, statvfs: Any = os.statvfs, engines: int = 1) -> Check:
    """Free space where Docker keeps containers, for the files that emulate NVMe (one of
    `bdev_gib` per engine)."""
    try:
        stat = statvfs(path)
    except OSError as exc:
        return Check("disk", WARN, f"cannot read free space of {path}: {exc}")
    free = stat.f_bavail * stat.f_frsize / 1024**3
    files = f"the {engines} bdev files take {engines} x" if engines > 1 else "the bdev file takes"
    seen = f"{free:.1f} GiB free in {path}, {files} {bdev_gib} GiB"
    if free >= bdev_gib * engines:
        return Check("disk", OK, seen)
    more = " or --daos-engines" if engines > 1 else ""
    fix = f"free disk space or lower --daos-bdev-size{more}"
    return Check("disk", FAIL, seen, fix, ("bdev_size", "engines"))


def check_privileged(mode: str, root: Path = ROOT) -> Check:
    """Whether Docker can grant --privileged here, and what `--daos-privileged` will do."""
    missing = missing_capabilities(root)
    if not missing:
        return Check("privileged", OK, "all capabilities available: nodes run --privileged"
                     if mode != "no" else "nodes run with explicit capabilities (no)")  # fmt: skip
    seen = f"this runtime lacks {', '.join('CAP_' + name for name in missing)}, so Docker refuses "
    seen += "--privileged (unable to apply caps)"
    if mode == "yes":
        return Check("privileged", FAIL, seen, "use --daos-privileged=auto or no", ("privileged",))
    return Check("privileged", WARN, seen + ": nodes run with explicit capabilities and "
                 "unconfined seccomp/apparmor/systempaths instead")  # fmt: skip


def summary(checks: list[Check]) -> str:
    """One line naming the failed checks."""
    failed = [check for check in checks if check.status == FAIL]
    return "; ".join(check.line() for check in failed)


def table(checks: list[Check]) -> str:
    """The checks as a text table: status, name, detail and fix."""
    width = max((len(check.name) for check in checks), default=0)
    lines = []
    for check in checks:
        lines.append(f"{check.status.upper():4}  {check.name:{width}}  {check.detail}")
        if check.fix and check.status != OK:
            lines.append(f"{'':4}  {'':{width}}  fix: {check.fix}")
    return "\n".join(lines)


def check_docker(connect: Any = None) -> tuple[Check, Any]:
    """Whether a Docker engine answers, and its client (None when it does not)."""
    try:
        client = (connect or docker_client)()
    except DockerUnavailable as exc:
        return Check("docker", FAIL, exc.cause, exc.fix), None
    version = client.version()
    return (
        Check(
            "docker",
            OK,
            f"engine {version.get('Version', '?')} answers (API {version.get('ApiVersion', '?')})",
        ),
        client,
    )
