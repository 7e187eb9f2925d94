"""The guardian of one cluster: a small process that outlives the session that started it
and removes the cluster once every session using it is provably gone (SIGKILL,
pytest-timeout's thread method, an out-of-memory kill), so a killed run leaves nothing
behind for long, not only until the next run.

The session that records a cluster starts its guardian (`spawn`) in a process session of
its own, so a Ctrl-C at the terminal does not reach it. The guardian ends when the record
no longer names its cluster (the normal teardown removed it, or another session's start
replaced it), when the cluster is kept, or once it has removed the cluster itself.

    python -m pytest_daos.cluster.guardian STATE_DIR SESSION
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .host import docker_client
from .record import load_record, remove_abandoned
from .statedir import open_log

#: Seconds between two looks at the record and its sessions.
POLL = 1.0
LOG_FILE = "guardian.log"


def spawn(folder: Path, session: str) -> None:
    """Start the guardian of `session`'s cluster recorded in `folder`."""
    with open_log(folder / LOG_FILE) as log:
        subprocess.Popen(
            [sys.executable, "-m", __name__, str(folder), session],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            close_fds=True,
        )  # fmt: skip


def guard(
    folder: Path,
    session: str,
    sleep: Callable[[float], None] = time.sleep,
    client_factory: Callable[[], Any] = docker_client,
) -> list[str]:
    """Watch until the cluster of `session` is no longer this guardian's business, or remove
    it once no session uses it; returns what it did, for its log."""
    while True:
        record = load_record(folder)
        if record is None or record.session != session:
            return [f"the record no longer names the cluster of session {session}"]
        if record.keep:
            return [f"the cluster of session {session} is kept: not guarded"]
        if not any(user.is_alive() for user in record.users()):
            problems = remove_abandoned(folder, session, client_factory)
            return [f"removed the cluster of session {session}: no session uses it"] + [
                f"problem: {problem}" for problem in problems
            ]
        sleep(POLL)


def main(argv: Sequence[str] | None = None) -> int:
    folder, session = argv if argv is not None else sys.argv[1:]
    for line in guard(Path(folder), session):
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
