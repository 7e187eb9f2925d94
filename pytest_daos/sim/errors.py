"""DAOS status codes (DER_*), control-plane faults, and the error type every program reports.

An error is carried as DAOS prints it: the Go error text (`error` in the JSON envelope), the
JSON `status` (the negative DER code when a DAOS status is the cause, else -1025 DER_MISC),
and for faults the resolution line dmg prints as a second `ERROR:` line.
"""

from __future__ import annotations

import uuid
from typing import Any

from .releases import Release
from .sizes import human_bytes

#: name -> (code, description), as in DAOS's daos_errno.h (d_errstr).
DER: dict[str, tuple[int, str]] = {
    "DER_NO_PERM": (-1001, "Operation not permitted"),
    "DER_NO_HDL": (-1002, "Invalid handle"),
    "DER_INVAL": (-1003, "Invalid parameters"),
    "DER_EXIST": (-1004, "Entity already exists"),
    "DER_NONEXIST": (-1005, "The specified entity does not exist"),
    "DER_UNREACH": (-1006, "Unreachable node"),
    "DER_NOSPACE": (-1007, "No space on storage target"),
    "DER_ALREADY": (-1008, "Operation already performed"),
    "DER_NOMEM": (-1009, "Out of memory"),
    "DER_NOSYS": (-1010, "Function not implemented"),
    "DER_TIMEDOUT": (-1011, "Time out"),
    "DER_BUSY": (-1012, "Device or resource busy"),
    "DER_AGAIN": (-1013, "Try again"),
    "DER_UNINIT": (-1015, "Device or resource not initialized"),
    "DER_MISC": (-1025, "Miscellaneous error"),
    "DER_BADPATH": (-1026, "Bad path name"),
    "DER_EXCLUDED": (-1032, "Rank has been excluded"),
    "DER_IO": (-2001, "I/O error"),
    "DER_RF": (-2031, "Failures exceed RF"),
    "DER_NOTLEADER": (-2008, "Not service leader"),
    "DER_SHUTDOWN": (-2017, "Service should shut down"),
    "DER_NOTREPLICA": (-2020, "Not a service replica"),
    "DER_AGENT_COMM": (-2034, "Agent communication error"),
    "DER_NOTSUPPORTED": (-2037, "Operation not supported"),
    "DER_NO_SERVICE": (-2039, "No service available"),
}

MISC = DER["DER_MISC"][0]


def go_quote(text: str) -> str:
    """`text` as Go's %q / strconv.Quote writes it."""
    escapes = {
        '"': '\\"',
        "\\": "\\\\",
        "\n": "\\n",
        "\t": "\\t",
        "\r": "\\r",
        "\a": "\\a",
        "\b": "\\b",
        "\f": "\\f",
        "\v": "\\v",
    }
    out = []
    for ch in text:
        if ch in escapes:
            out.append(escapes[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif not ch.isprintable():
            out.append(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


class SimError(Exception):
    """An error as a DAOS program reports it."""

    def __init__(
        self,
        message: str,
        status: int = MISC,
        resolution: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        #: the fault's resolution line ("server: code = 609 resolution = ..."), if any
        self.resolution = resolution
        #: the management service is not ready yet: dmg retries the request
        self.retryable = retryable
        #: the error came from the server (not from failing to reach it)
        self.remote = False

    def __str__(self) -> str:
        return self.message

    def wrap(self, prefix: str) -> SimError:
        """`prefix: message`, keeping the status and resolution (Go's errors.Wrap)."""
        error = SimError(f"{prefix}: {self.message}", self.status, self.resolution, self.retryable)
        error.remote = self.remote
        return error

    def stderr_lines(self, program: str | None) -> list[str]:
        """The `ERROR:` lines a DAOS program writes for this error."""
        head = f"ERROR: {program}: " if program else "ERROR: "
        lines = [head + self.message]
        if self.resolution:
            lines.append(head + self.resolution)
        return lines

    def to_wire(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "status": self.status,
            "resolution": self.resolution,
            "retryable": self.retryable,
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> SimError:
        error = cls(
            str(data.get("message", "unknown error")),
            int(data.get("status", MISC)),
            data.get("resolution"),
            bool(data.get("retryable", False)),
        )
        error.remote = True
        return error


def der(name: str, prefix: str | None = None) -> SimError:
    """A DAOS status error: `DER_NOSPACE(-1007): No space on storage target`."""
    code, description = DER[name]
    error = SimError(f"{name}({code}): {description}", status=code)
    return error.wrap(prefix) if prefix else error


def der_log_text(name: str) -> str:
    """A DAOS status as the C client logs it: `DER_EXIST(-1004): 'Entity already exists'`."""
    code, description = DER[name]
    return f"{name}({code}): '{description}'"


def fault(domain: str, code: int, description: str, resolution: str) -> SimError:
    """A control-plane fault: `server: code = 609 description = "..."`."""
    return SimError(
        f"{domain}: code = {code} description = {go_quote(description)}",
        resolution=f"{domain}: code = {code} resolution = {go_quote(resolution)}"
        if resolution
        else None,
    )


def rpc_error(message: str, retryable: bool = False) -> SimError:
    """A plain server-side error as it reaches dmg through gRPC."""
    return SimError(f"rpc error: code = Unknown desc = {message}", retryable=retryable)


# --- the faults and well-known errors the sim produces -------------------------------------
# Each takes the release: fault codes moved between releases (releases.py) and some texts
# changed (2.0 reports the requested size in "too small" faults).


def connection_refused(rel: Release, address: str) -> SimError:
    return fault(
        "client",
        rel.fault_code("ClientConnectionRefused"),
        f"the server at {address} refused the connection",
        "verify the server is running on the specified address and port",
    )


def connection_bad_host(rel: Release, address: str) -> SimError:
    return fault(
        "client",
        rel.fault_code("ClientConnectionBadHost"),
        f"the server at {address} could not be resolved",
        "verify the host name is correct and resolvable",
    )


def connection_no_route(rel: Release, address: str) -> SimError:
    return fault(
        "client",
        rel.fault_code("ClientConnectionNoRoute"),
        f"no known route to the server at {address}",
        "verify the network configuration",
    )


def rpc_timeout(rel: Release, request: str, duration: str) -> SimError:
    return fault(
        "client",
        rel.fault_code("ClientRpcTimeout"),
        f"the *control.{request} request timed out after {duration}",
        "retry the request or check server logs for more details",
    )


def format_running_system(rel: Release) -> SimError:
    return fault(
        "client",
        rel.format_running_code,
        "storage format invoked on a running system",
        "stop and erase the system, then retry the format operation",
    )


def system_uninitialized() -> SimError:
    return rpc_error("system is uninitialized (storage format required?)")


def raft_unavailable() -> SimError:
    return rpc_error("raft service unavailable (not started yet?)", retryable=True)


_TIER_MINIMUM = {"SCM": (16 * 1024**2, "16 MiB"), "NVMe": (1024**3, "1.0 GiB")}


def pool_tier_too_small(
    rel: Release, tier: str, requested: int, targets: int, min_total: str, min_tier: str
) -> SimError:
    """A pool's SCM or NVMe share below the per-target minimum (2.0: with the request)."""
    code = rel.fault_code(f"ServerPool{tier.capitalize()}TooSmall")  # Scm, Nvme
    minimum, shown = _TIER_MINIMUM[tier]
    if rel.series < (2, 4):
        return fault(
            "server",
            code,
            f"requested {tier} capacity ({human_bytes(requested)} / {targets}) is too small "
            f"(min {shown} per target)",
            f"{tier} capacity should be larger than {human_bytes(minimum * targets)}",
        )
    too_small = "is too small" if tier == "SCM" else "too small"
    return fault(
        "server",
        code,
        f"requested {tier} capacity {too_small} (min {shown} per target)",
        f"retry the request with a pool size of at least {min_total}, "
        f"with at least {min_tier} {tier}",
    )


def pool_invalid_ranks(rel: Release, ranks: list[int]) -> SimError:
    listed = ",".join(sorted(str(r) for r in ranks))
    word = "ranks" if rel.series < (2, 4) or len(ranks) > 1 else "rank"
    return fault(
        "server",
        rel.fault_code("ServerPoolInvalidRanks"),
        f"pool request contains invalid {word}: {listed}",
        "retry the request with a valid set of ranks",
    )


def pool_invalid_num_ranks(rel: Release, requested: int, available: int) -> SimError:
    text = (
        f"pool request contains invalid number of ranks (requested: {requested}, "
        f"available: {available})"
    )
    if rel.series < (2, 4):  # no such fault in 2.0: the request fails in the server
        return rpc_error(text)
    return fault(
        "server",
        rel.fault_code("ServerPoolInvalidNumRanks"),
        text,
        "retry the request with a valid number of ranks",
    )


def pool_invalid_service_reps(rel: Release, maximum: int) -> SimError:
    return fault(
        "server",
        rel.fault_code("ServerPoolInvalidServiceReps"),
        f"pool service replicas number should be an odd number between 1 and {maximum}",
        "retry the request with a valid number of pool service replicas",
    )


def pool_duplicate_label(rel: Release, label: str) -> SimError:
    return fault(
        "server",
        rel.fault_code("ServerPoolDuplicateLabel"),
        f"pool label {go_quote(label)} already exists in the system",
        "retry the request with a unique pool label",
    )


def pool_no_label(rel: Release) -> SimError:
    return fault(
        "server",
        rel.fault_code("ServerPoolNoLabel"),
        "cannot create a pool without a pool label",
        "retry the operation with a label set",
    )


def data_plane_not_started(rel: Release) -> SimError:
    return fault(
        "server",
        rel.fault_code("ServerDataPlaneNotStarted"),
        "DAOS I/O Engine instance not started or not responding on dRPC",
        "retry the operation or check server logs for more details",
    )


def instances_not_stopped(rel: Release, action: str, rank: int) -> SimError:
    return fault(
        "server",
        rel.fault_code("ServerInstancesNotStopped"),
        f"{action} not supported when rank {rank} is running",
        f"retry {action} operation after stopping rank {rank}",
    )


def pool_has_containers(rel: Release) -> SimError:
    return fault(
        "server",
        rel.fault_code("ServerPoolHasContainers"),
        "cannot destroy a pool with existing containers",
        "retry the operation with the recursive flag set to remove containers along with the pool",
    )


def thp_fault(rel: Release) -> SimError:
    return fault(
        "server",
        rel.fault_code("ServerTransparentHugepageEnabled"),
        "transparent hugepage (THP) enabled on storage server, DAOS requires THP to be disabled",
        "disable THP by adding 'transparent_hugepage=never' kernel parameter in the "
        "grub configuration file then reboot and restart daos_server",
    )


def missing_cert_file(rel: Release, path: str) -> SimError:
    """security.FaultMissingCertFile: certificates are enabled and one of the files is absent."""
    return fault(
        "security",
        rel.fault_code("SecurityMissingCertFile"),
        f"certificates are enabled, but {path} was not found",
        "refer to the System Deployment section of the DAOS Admin Guide for information about "
        "certificates",
    )


def pool_not_found(rel: Release, pool_id: str) -> SimError:
    """An unknown pool: 2.4+ carry the typed error to dmg; 2.0 resolves labels in the server
    with its own wording and the error reaches dmg as a plain gRPC error."""
    if is_uuid(pool_id):
        error = SimError(f"unable to find pool service with uuid {pool_id.lower()}")
    elif rel.series < (2, 4):
        return rpc_error(f"unable to find pool with label {go_quote(pool_id)}")
    else:
        error = SimError(f"unable to find pool service with label {go_quote(pool_id)}")
    return rpc_error(error.message) if rel.series < (2, 4) else error


def pool_no_service_ranks(pool_uuid: str) -> SimError:
    return rpc_error(f"unable to find any available service ranks for pool {pool_uuid}")


def is_uuid(text: str) -> bool:
    if len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
