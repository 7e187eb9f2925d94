"""Facts about the host that the cluster depends on, read from /proc and /sys; no changes.

Every reader takes a `root` so tests can point it at a fake tree.
"""

from __future__ import annotations

import fcntl
import ipaddress
import os
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import PytestDaosError

_SIOCGIFADDR = 0x8915
ROOT = Path("/")


class HostError(PytestDaosError, RuntimeError):
    """The host cannot run the cluster as asked; the message says why and what to do."""


class InterfaceError(HostError):
    """The interface asked for cannot carry the cluster; `missing`: no interface of this
    host has that name (a misspelt one), rather than one without an IPv4 address."""

    def __init__(self, cause: str, fix: str, missing: bool = False) -> None:
        super().__init__(f"{cause}. {fix}")
        self.cause, self.fix, self.missing = cause, fix, missing


def interface_names(root: Path = ROOT) -> list[str]:
    """Names of the network interfaces (from /sys/class/net)."""
    try:
        return sorted(entry.name for entry in (root / "sys/class/net").iterdir())
    except OSError:
        return sorted(name for _, name in socket.if_nameindex())


def ipv4_address(iface: str) -> str | None:
    """The IPv4 address of `iface`, or None when it has none (or does not exist)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(
                sock.fileno(), _SIOCGIFADDR, struct.pack("256s", iface.encode()[:15])
            )
        except OSError:
            return None
    return socket.inet_ntoa(packed[20:24])


def default_route_iface(root: Path = ROOT) -> str | None:
    """The interface of the IPv4 default route (/proc/net/route), if any."""
    try:
        lines = (root / "proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[1] == "00000000":
            return fields[0]
    return None


@dataclass(frozen=True)
class Interface:
    name: str
    ip: str


def resolve_iface(name: str | None, root: Path = ROOT) -> Interface:
    """The interface to use and its IPv4 address.

    No name: the default route's interface, else loopback. A name without an IPv4 address
    raises HostError listing the interfaces that have one.
    """
    if name is None:
        name = default_route_iface(root) or "lo"
    ip = ipv4_address(name)
    if ip is None:
        usable = [
            f"{other} ({address})"
            for other in interface_names(root)
            if (address := ipv4_address(other)) is not None
        ]
        exists = name in interface_names(root)
        raise InterfaceError(
            f"network interface {name!r} "
            + ("has no IPv4 address" if exists else "does not exist")
            + f"; interfaces with an IPv4 address: {', '.join(usable) or 'none'}",
            "Pass one with --daos-iface=NAME",
            missing=not exists,
        )
    return Interface(name, ip)


def try_resolve_iface(name: str | None, root: Path = ROOT) -> Interface | InterfaceError:
    """`resolve_iface`, its failure returned rather than raised: resolved once per run and
    carried to the header, the interface check and the start."""
    try:
        return resolve_iface(name, root)
    except InterfaceError as exc:
        return exc


@dataclass(frozen=True)
class HostFacts:
    """What the DAOS server configuration has to adapt to."""

    cpu_count: int
    thp_enabled: bool  # transparent hugepages not `[never]`
    mem_total_bytes: int
    hugepage_size_bytes: int


def meminfo(root: Path = ROOT) -> dict[str, int]:
    """/proc/meminfo as bytes (values in kB are converted; counts stay counts)."""
    values: dict[str, int] = {}
    for line in (root / "proc/meminfo").read_text().splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts:
            values[key] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return values


def thp_enabled(root: Path = ROOT) -> bool:
    try:
        text = (root / "sys/kernel/mm/transparent_hugepage/enabled").read_text()
    except OSError:
        return False
    return "[never]" not in text


def host_facts(root: Path = ROOT) -> HostFacts:
    info = meminfo(root)
    return HostFacts(
        cpu_count=os.cpu_count() or 1,
        thp_enabled=thp_enabled(root),
        mem_total_bytes=info.get("MemTotal", 0),
        hugepage_size_bytes=info.get("Hugepagesize", 2 * 1024 * 1024),
    )


#: Linux capability names by bit number (linux/capability.h).
CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)  # fmt: skip


def missing_capabilities(root: Path = ROOT) -> list[str]:
    """Capabilities outside this process's bounding set (CapBnd in /proc/self/status).

    A container cannot be given these: `--privileged` asks for all and fails with "unable
    to apply caps" where any is missing (restricted runtimes, nested sandboxes).
    """
    try:
        for line in (root / "proc/self/status").read_text().splitlines():
            if line.startswith("CapBnd:"):
                bounding = int(line.split()[1], 16)
                return [name for bit, name in enumerate(CAPABILITIES) if not bounding >> bit & 1]
    except (OSError, ValueError):
        pass
    return []


class DockerUnavailable(HostError):
    """No Docker engine answers (or it refuses this user)."""

    def __init__(self, cause: str, fix: str) -> None:
        super().__init__(f"{cause}: {fix}")
        self.cause, self.fix = cause, fix


class RemoteEngine(HostError):
    """DOCKER_HOST names a Docker engine on another machine: the plugin checks and changes
    this machine (hugepages, ports, interfaces) while the containers would run there."""


def docker_client() -> Any:
    """A Docker SDK client for the engine of the environment (DOCKER_HOST or the socket);
    RemoteEngine when DOCKER_HOST names another machine."""
    import docker
    import docker.errors

    require_local_engine()
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        text = str(exc)
        if "Permission denied" in text:
            raise DockerUnavailable(
                "the Docker engine refused this user (permission denied on its socket)",
                "add the user to the docker group (`sudo usermod -aG docker $USER`, then log "
                "in again) or run as root",
            ) from None
        raise DockerUnavailable(
            f"no Docker engine answers ({text.strip()})",
            "start one (`sudo systemctl start docker`, or `bash scripts/host-setup.sh` from "
            "the pytest-daos source tree) or point DOCKER_HOST at one",
        ) from None
    return client


def local_engine(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the Docker engine runs on this host: DOCKER_HOST unset, a socket (unix://,
    npipe://) or an address of this host (tcp://localhost:2375, tcp://127.0.0.1:2376);
    not another host (tcp://10.0.0.2:2376, ssh://me@builder)."""
    docker_host = (os.environ if environ is None else environ).get("DOCKER_HOST", "").strip()
    if not docker_host or docker_host.startswith(("unix://", "npipe://")):
        return True
    try:
        name = urlsplit(docker_host if "://" in docker_host else f"tcp://{docker_host}").hostname
    except ValueError:  # not an address at all
        return False
    if name == "localhost":
        return True
    try:
        return name is not None and ipaddress.ip_address(name).is_loopback
    except ValueError:  # a host name other than localhost
        return False


def require_local_engine(environ: Mapping[str, str] | None = None) -> None:
    """RemoteEngine unless the Docker engine runs on this host (`local_engine`)."""
    if local_engine(environ):
        return
    docker_host = (os.environ if environ is None else environ).get("DOCKER_HOST", "")
    raise RemoteEngine(
        f"DOCKER_HOST={docker_host} is a Docker engine on another machine, and pytest-daos "
        "checks and changes this machine's hugepages, ports and interfaces for the containers "
        "it starts: unset DOCKER_HOST (or point it at this machine's engine), run pytest where "
        "that engine runs, or reach a DAOS system running there with --daos-system=existing"
    )
