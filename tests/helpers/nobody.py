"""Running a downstream suite as user nobody, as a user who is not root runs it on a
shared host: with the Docker socket (the docker group) or without it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from downstream_run import DownstreamRun, Ended

NOBODY = 65534
DOCKER_GROUP = "docker"


@dataclass
class Nobody:
    """How to run pytest as user nobody: a folder of theirs, the command prefix, the Python
    and its environment."""

    folder: Path
    prefix: list[str]
    python: str
    env: dict[str, str]

    def run(self, args: list[str], groups: str) -> Ended:
        return DownstreamRun(self.folder / "run", args, env=self.env, python=self.python,
                             prefix=[*self.prefix, groups]).end()  # fmt: skip


#: nobody may read this Python and its packages wherever they are (a tox env's folder is
#: private to root): the one capability that bypasses read permission, nothing else
READ_ANYTHING = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]


def runs_as_nobody(prefix: list[str]) -> bool:
    probe = subprocess.run(
        [*prefix, "--clear-groups", sys.executable, "-c", "import pytest_daos, pytest, docker"],
        capture_output=True,
    )  # fmt: skip
    return probe.returncode == 0


@contextmanager
def as_nobody() -> Iterator[Nobody]:
    """How to run as user nobody, in a folder of theirs removed after (needs root;
    skips the test where this host cannot)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to run as another user")
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", *READ_ANYTHING]
    if not runs_as_nobody(prefix):
        pytest.skip("this Python cannot run as user nobody here (setpriv, capabilities)")
    folder = Path(tempfile.mkdtemp(prefix="pytest-daos-nobody-"))
    os.chown(folder, NOBODY, NOBODY)
    try:
        yield Nobody(folder, prefix, sys.executable, {"HOME": str(folder)})
    finally:
        subprocess.run(["rm", "-rf", str(folder)], check=False)
