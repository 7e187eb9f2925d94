"""The commit a remote git build context stands for, asked of the remote with `git ls-remote`.

A remote context (`https://host/repo.git#<ref>:<folder>`) is fetched by the Docker engine
at build time, so its bytes cannot be hashed here; the commit its ref points to stands for
it in the image's content key instead. Asking takes one `git ls-remote` per repository and
ref, remembered for the life of the process. When git is missing, the remote does not
answer in time or has no such ref, the answer is None: the caller then uses what it has.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Callable

#: How long one `git ls-remote` may take, in seconds.
TIMEOUT = 10.0

_SHA_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")

Runner = Callable[..., subprocess.CompletedProcess[str]]

_lock = threading.Lock()
_commits: dict[tuple[str, str], str | None] = {}
_unreachable: set[str] = set()


def split_context(url: str) -> tuple[str, str]:
    """The repository and the ref of a remote context URL (`HEAD` when it names none).

    `https://github.com/daos-stack/daos.git#release/2.6:utils/docker/vcluster/daos-base/el8`
    gives (`https://github.com/daos-stack/daos.git`, `release/2.6`).
    """
    repository, _, fragment = url.partition("#")
    ref = fragment.split(":", 1)[0]
    if repository.startswith("github.com/"):  # Docker's short form
        repository = "https://" + repository
    return repository, ref or "HEAD"


def _pick(ref: str, output: str) -> str | None:
    """The commit of `ref` in `git ls-remote` output: a branch first, then a tag (the
    commit an annotated tag points to), then a ref of exactly that name."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        sha, _, name = line.strip().partition("\t")
        if _SHA_RE.fullmatch(sha) and name:
            found.setdefault(name, sha)
    for name in (f"refs/heads/{ref}", f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", ref):
        if name in found:
            return found[name]
    return None


def _ls_remote(repository: str, ref: str, run: Runner, timeout: float) -> str | None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    command = ["git", "ls-remote", "--", repository, ref]
    try:
        result = run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):  # no git, or no answer in time
        _unreachable.add(repository)
        return None
    if result.returncode != 0:
        _unreachable.add(repository)
        return None
    return _pick(ref, result.stdout)


def remote_commit(url: str, run: Runner = subprocess.run, timeout: float = TIMEOUT) -> str | None:
    """The commit the ref of the remote context `url` points to, or None when it cannot be
    learnt (git missing, remote unreachable, no such ref). Never raises.

    A ref that is itself a full commit id is returned as it is. Answers are remembered per
    (repository, ref) for the process, and a repository that did not answer is not asked
    again, so an offline host waits at most once.
    """
    repository, ref = split_context(url)
    if _SHA_RE.fullmatch(ref):
        return ref
    with _lock:
        key = (repository, ref)
        if key not in _commits:
            if repository in _unreachable:
                return None
            _commits[key] = _ls_remote(repository, ref, run, timeout)
        return _commits[key]


def forget() -> None:
    """Drop every remembered answer (the next call asks the remote again)."""
    with _lock:
        _commits.clear()
        _unreachable.clear()
