"""`DaosNode`: one node of the cluster, as tests reach it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .transport import CommandError, ExecResult, NodeTransport

LogReader = Callable[[], Mapping[str, str]]


class DaosNode:
    """One node of the cluster (daos-server, daos-admin or daos-client)."""

    def __init__(self, role: str, hostname: str, transport: NodeTransport, logs: LogReader) -> None:
        self.role = role
        self.hostname = hostname
        self.transport = transport
        self._logs = logs

    def __repr__(self) -> str:
        return f"DaosNode({self.hostname!r})"

    def exec(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        check: bool = True,
        timeout: float | None = None,
    ) -> ExecResult:
        """Run argv (a list, never a shell string) on the node.

        With `check`, a non-zero exit raises CommandError showing argv, exit code and both
        streams. `timeout` (seconds) stops the command inside the node.
        """
        if isinstance(argv, str):
            raise TypeError("exec takes an argv list such as ['ls', '-l'], not a string")
        result = self.transport.run(argv, env=env, timeout=timeout)
        if check and result.exit_code != 0:
            raise CommandError(self.hostname, result)
        return result

    def put(self, local: str | Path, remote: str) -> None:
        """Copy a file or folder from this host to the path `remote` on the node."""
        self.transport.put(Path(local), remote)

    def get(self, remote: str, local: str | Path) -> Path:
        """Copy the file or folder `remote` on the node to `local` on this host."""
        self.transport.get(remote, Path(local))
        return Path(local)

    def logs(self) -> dict[str, str]:
        """The tail of the node's output and of its DAOS log files, by source."""
        return dict(self._logs())
