"""Finding the engine process of a rank in the server node, for `kill -9`."""

from __future__ import annotations

from ..dmg import Member
from ..transport import ExecResult, Transport
from .states import DrillError

#: Prints the pid of each daos_engine process in the node whose fabric port (D_PORT from
#: 2.6, OFI_PORT before: daos_server puts it into each engine's environment) is $1.
ENGINE_PID_SCRIPT = r"""
for proc in /proc/[0-9]*; do
  [ "${proc#/proc/}" = "$$" ] && continue
  case "$(tr '\0' ' ' < "$proc/cmdline" 2>/dev/null)" in *daos_engine*) ;; *) continue ;; esac
  if tr '\0' '\n' < "$proc/environ" 2>/dev/null | grep -qx -e "D_PORT=$1" -e "OFI_PORT=$1"
  then echo "${proc#/proc/}"; fi
done
"""


def fabric_port(member: Member) -> int:
    """The fabric port of a rank, from its `fabric_uri` (`ofi+tcp://172.22.0.4:31516`)."""
    try:
        return int(member.fabric_uri.rsplit(":", 1)[1].strip("/"))
    except (IndexError, ValueError):
        raise DrillError(
            f"rank {member.rank} has no fabric port in its fabric_uri {member.fabric_uri!r}"
        ) from None


def engine_pid(server: Transport, member: Member) -> int:
    """The pid, in the server node, of the engine that serves `member`."""
    port = fabric_port(member)
    result = server.run(["sh", "-c", ENGINE_PID_SCRIPT, "sh", str(port)], timeout=30)
    pids = result.stdout.split()
    if result.exit_code != 0 or len(pids) != 1:
        raise DrillError(
            f"found {len(pids)} daos_engine processes with fabric port {port} (rank "
            f"{member.rank}) in the server node, not one: {describe_result(result)}"
        )
    return int(pids[0])


def describe_result(result: ExecResult) -> str:
    return result.describe().replace("\n", " | ")
