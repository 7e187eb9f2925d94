"""git where the Docker engine runs: the engine clones the remote build contexts
(`repo.git#ref:folder`) with the git of its own host, so a recipe that names one needs it
there. Checked by the doctor, and required before such an image is built."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping

from .checks import FAIL, OK, WARN, Check
from .host import HostError, local_engine

#: Where a Docker engine started by the init system looks for programs such as git.
ENGINE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
GIT_FIX = (
    "install git where the Docker engine runs: `sudo apt-get install git` or `sudo dnf install git`"
)


def check_git(
    needed: bool, engine_is_local: bool, which: Callable[..., str | None] = shutil.which
) -> Check:
    """git for the Docker engine, which clones remote build contexts itself with the git of
    its own host: found in the engine's PATH (OK), missing (FAIL), or an engine on another
    host (WARN: not checkable from here). OK when no image has a remote context."""
    if not needed:
        return Check("git", OK, "not needed: no image is built from a remote git context")
    if not engine_is_local:
        return Check(
            "git",
            WARN,
            "the Docker engine is on another host (DOCKER_HOST); it clones the remote build "
            "contexts with git there, which cannot be checked from here",
            GIT_FIX,
        )
    path = which("git", path=ENGINE_PATH)
    if path is None:
        return Check(
            "git",
            FAIL,
            "git is missing: the Docker engine needs it to clone the remote build contexts "
            "(`repo.git#ref:folder`, such as the upstream recipe's DAOS Dockerfiles)",
            GIT_FIX,
        )
    return Check("git", OK, f"{path}: the Docker engine clones the remote build contexts with it")


class GitMissing(HostError):
    """The Docker engine of this host has no git to clone a remote build context."""

    def __init__(self, cause: str, fix: str) -> None:
        super().__init__(f"{cause}: {fix}")
        self.cause, self.fix = cause, fix


def require_git(
    environ: Mapping[str, str] | None = None, which: Callable[..., str | None] = shutil.which
) -> None:
    """Before a build from a remote git context: raise GitMissing (a HostError) when the
    engine runs here and git is missing; a remote engine is not checked."""
    check = check_git(True, local_engine(environ), which)
    if check.status == FAIL:
        raise GitMissing(check.detail, check.fix)
