"""The state folder (`--daos-state-dir`, by default `<tmp>/pytest-daos-<uid>`): the cluster's
record, the host-wide lock (`host_lock`), the build lock, the build logs and temporary files.

A run as root acts on what it finds there (it stops the containers the record names and
gives back its hugepages), and writes files there. So the folder must be one that nobody
else could have put files or symlinks in: `secure_state_dir` makes it private (0700) when
it is missing, and refuses a symlink, a folder of another user, or one that its group or
others may write. Files in it are opened without following symlinks (`open_new`,
`open_log`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from ..errors import PytestDaosError
from ..waiting import hold_lock

FIX = "remove it or pass --daos-state-dir"
#: The host-wide lock of the one cluster of a host (its record, its start and removal).
LOCK_FILE = "cluster.lock"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class StateDirError(PytestDaosError, RuntimeError):
    """The state folder is not safe to use; the message names it and the fix."""


def secure_state_dir(folder: Path) -> Path:
    """Make `folder` (0700, its missing parents as usual) if it is missing, and check it:
    not a symlink, owned by this user, not writable by group or others. Returns `folder`;
    raises StateDirError, naming the folder and the fix, otherwise."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # made meanwhile: checked below
            os.mkdir(folder, 0o700)
        info = os.lstat(folder)
    problem = _problem(info)
    if problem:
        raise StateDirError(f"the pytest-daos state folder {folder} {problem}: {FIX}")
    return folder


def check_state_dir(folder: Path) -> bool:
    """Whether `folder` exists, after checking it as `secure_state_dir` does (StateDirError
    when it is unsafe); a missing folder is not made."""
    try:
        os.lstat(folder)
    except FileNotFoundError:
        return False
    secure_state_dir(folder)
    return True


@contextlib.contextmanager
def host_lock(
    folder: Path, on_wait: Callable[[str], None] | None = None, timeout: float | None = None
) -> Iterator[None]:
    """Hold the host-wide cluster lock; `on_wait(holder)` is called once if another holds
    it; LockTimeout after `timeout` seconds. StateDirError when the state folder is not
    safe to use."""
    with hold_lock(secure_state_dir(folder) / LOCK_FILE, on_wait, timeout):
        yield


def _problem(info: os.stat_result) -> str:
    uid = os.geteuid()
    if stat.S_ISLNK(info.st_mode):
        return "is a symlink"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if info.st_uid != uid:
        return f"is owned by uid {info.st_uid}, not by this user (uid {uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by its group or others (mode {stat.S_IMODE(info.st_mode):o})"
    return ""


def open_new(folder: Path, prefix: str) -> tuple[Path, IO[str]]:
    """A new file `<prefix><random>` in `folder`, created here and now (O_CREAT | O_EXCL |
    O_NOFOLLOW, mode 0600): never a file or symlink someone left under that name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    while True:
        path = folder / f"{prefix}{secrets.token_hex(6)}"
        try:
            fd = os.open(path, flags, 0o600)
        except FileExistsError:
            continue
        return path, os.fdopen(fd, "w")


def open_log(path: Path) -> IO[str]:
    """`path` opened for writing from scratch, never through a symlink: whatever is at
    `path` (an old log, a symlink) is unlinked first, and the new file is made with
    O_CREAT | O_EXCL | O_NOFOLLOW, mode 0600."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    return os.fdopen(os.open(path, flags, 0o600), "w")


def read_text(path: Path) -> str:
    """The text of `path`, which must not be a symlink (OSError ELOOP when it is)."""
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC)
    with os.fdopen(fd) as file:
        return file.read()
