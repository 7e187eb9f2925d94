"""Facts about the host the sim reads (memory, hugepages, THP, cores, names) and clocks.

Settings that exist only for tests come from DAOS_SIM_* environment variables:
DAOS_SIM_THP_FILE (instead of /sys/kernel/mm/transparent_hugepage/enabled),
DAOS_SIM_CPU_COUNT (instead of os.cpu_count()), DAOS_SIM_HUGEPAGE_DIR (instead of
/dev/hugepages).
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import time
from datetime import datetime, timezone
from pathlib import Path

THP_FILE = "/sys/kernel/mm/transparent_hugepage/enabled"
HUGEPAGE_DIR = "/dev/hugepages"
#: DAOS's hybrid logical clock counts from 2021-01-01 in 1/16 ns steps (d_hlc).
_HLC_START_NS = 1609459200 * 10**9


def meminfo() -> dict[str, int]:
    """/proc/meminfo as {key: number} (kB values stay in kB, counts stay counts)."""
    info: dict[str, int] = {}
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return info
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            info[key.strip()] = int(parts[0])
    return info


def hugepage_size_bytes() -> int:
    return meminfo().get("Hugepagesize", 2048) * 1024


def hugepage_dir() -> str:
    return os.environ.get("DAOS_SIM_HUGEPAGE_DIR") or HUGEPAGE_DIR


def is_hugetlbfs(path: str) -> bool:
    """Whether `path` lies on a hugetlbfs mount (per /proc/self/mounts)."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return False
    real = os.path.realpath(path)
    best, best_type = "", ""
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, best_type = mount_point, fields[2]
    return best_type == "hugetlbfs"


def thp_enabled() -> bool:
    """Whether transparent hugepages are on (anything but `[never]`); a missing file is off."""
    path = os.environ.get("DAOS_SIM_THP_FILE") or THP_FILE
    try:
        text = Path(path).read_text()
    except OSError:
        return False
    return "[never]" not in text


def cpu_count() -> int:
    override = os.environ.get("DAOS_SIM_CPU_COUNT")
    if override:
        return int(override)
    return os.cpu_count() or 1


def hostname() -> str:
    return socket.gethostname()


def resolve(host: str) -> str:
    """The IPv4 address of `host`, or `host` itself if it does not resolve."""
    try:
        return socket.gethostbyname(host)
    except OSError:
        return host


def iface_ip(iface: str) -> str | None:
    """The IPv4 address of network interface `iface` (SIOCGIFADDR), or None."""
    if iface == "lo":
        return "127.0.0.1"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(sock.fileno(), 0x8915, struct.pack("256s", iface[:15].encode()))
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def pid_alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def hlc_now() -> int:
    """The current DAOS HLC timestamp (incarnations, container open times)."""
    return ((time.time_ns() - _HLC_START_NS) << 4) & 0xFFFFFFFFFFFFFFFF


def rfc3339_nano(ns: int | None = None) -> str:
    """Go's time.RFC3339Nano in UTC: 2026-11-23T20:27:41.044021224Z (zeros trimmed)."""
    ns = time.time_ns() if ns is None else ns
    seconds, frac = divmod(ns, 10**9)
    stamp = datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{frac:09d}".rstrip("0")
    return stamp + ("." + fraction if fraction else "") + "Z"


def daos_log_prefix(facility: str, level: str, where: str) -> str:
    """The header of a DAOS C log line: `11/23-20:54:25.82 vm DAOS[7/7/0] mgmt ERR  file:line`."""
    now = time.time()
    stamp = time.strftime("%m/%d-%H:%M:%S", time.localtime(now)) + f".{int(now % 1 * 100):02d}"
    pid = os.getpid()
    return f"{stamp} {hostname()} DAOS[{pid}/{pid}/0] {facility} {level:<4} {where}"
