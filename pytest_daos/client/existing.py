"""A DAOS system someone else runs (`--daos-system=existing`): no Docker, no build, no format.

`dmg` runs after the `--daos-dmg` prefix (e.g. `ssh admin01`), `daos` and the client-side
commands after the `--daos-cmd` prefix (e.g. `ssh client01`, or nothing to run them here).
The fixtures are the same; pools carry the session's label prefix and are destroyed at the
end, and nothing else of the system is touched.
"""

from __future__ import annotations

import shlex

from ..errors import PytestDaosError
from ..settings import Settings
from ..waiting import Deadline, NotYet, WaitTimeout, poll
from .cluster import DaosCluster
from .dmg import Dmg, all_joined
from .envelope import DaosError, ProtocolError, permanent
from .node import DaosNode
from .transport import Local


class ExistingSystemError(PytestDaosError, RuntimeError):
    """The existing system cannot be reached or is not ready; the message says which."""


def describe(settings: Settings) -> str:
    """How the existing system is reached, for reports."""
    return f"dmg: {settings.dmg or 'this host'}, daos: {settings.cmd or 'this host'}"


#: --daos-remote-shell: whether the prefixes run a shell (None: by the prefix's program).
REMOTE_SHELL = {"auto": None, "yes": True, "no": False}


def prefix_words(text: str, option: str) -> list[str]:
    """The words of a command prefix as a shell splits them; ExistingSystemError naming the
    option when its quotes do not close."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise ExistingSystemError(
            f"{option}={text}: not a command prefix ({exc}): quote its words as a shell "
            "would, e.g. ssh admin01"
        ) from None


def connect(settings: Settings) -> DaosCluster:
    """Handles on the existing system, once every rank is joined (within the start timeout).

    A prefix that runs a shell on the far side (ssh, or any with --daos-remote-shell=yes)
    gets each command as one quoted string; see `transport.Local`."""
    shell = REMOTE_SHELL.get(settings.remote_shell)
    admin = Local(
        prefix_words(settings.dmg, "--daos-dmg"), settings.dmg or "this host (dmg)", shell
    )
    client = Local(prefix_words(settings.cmd, "--daos-cmd"), settings.cmd or "this host", shell)
    wait_joined(Dmg(admin, settings.version), Deadline(settings.start_timeout))
    nodes = {
        "admin": DaosNode("admin", admin.name, admin, dict),
        "client": DaosNode("client", client.name, client, dict),
    }
    return DaosCluster(nodes, settings.version, "", "")


def wait_joined(dmg: Dmg, deadline: Deadline) -> None:
    """Poll `dmg system query` until every rank is joined; ExistingSystemError otherwise
    (at once when the answer cannot change, such as a missing prefix or dmg)."""

    def probe() -> None:
        try:
            members = dmg.system_query(timeout=deadline.call_timeout(30))
        except (DaosError, ProtocolError) as exc:
            if permanent(exc) is not None:
                raise _not_ready(dmg, exc) from None
            raise NotYet(exc) from None
        if not all_joined(members):
            raise NotYet(", ".join(f"rank {m.rank} {m.state}" for m in members) or "no ranks")

    try:
        poll(probe, deadline, "every rank joined")
    except WaitTimeout as exc:
        raise _not_ready(dmg, exc.last) from None


def _not_ready(dmg: Dmg, last: object) -> ExistingSystemError:
    prefix = getattr(dmg.transport, "prefix", ())
    return ExistingSystemError(
        f"the existing DAOS system is not ready through `{shlex.join([*prefix, 'dmg'])}`:"
        f" {last}. Check --daos-dmg (a command prefix that reaches a host with dmg and "
        "its daos_control.yml) and that every rank is joined"
    )
