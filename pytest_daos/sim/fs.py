"""The files of POSIX containers, kept in the server's storage for dfuse.

Each container's files live in a directory under the SCM mount, next to the sim's state:
`<scm_mount>/.daos_sim/data/<pool uuid>/<container uuid>/`. dfuse on a client sends every
file-system operation over the network (dfuse -> daos_agent -> daos_server) and `serve` runs
it here, so two mounts see the same files at once, files outlive a mount, and they are gone
with the storage (a reformat or a restarted server container).

An operation is {"op": NAME, "path": "/a/b", ...}; its answer is a dict, or {"errno": N} for
an error that dfuse returns to the kernel as it is.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import os
import shutil
import stat
from pathlib import Path
from typing import Any

from .state import STATE_DIR

DATA_DIR = "data"
_STAT_KEYS = (
    "st_mode", "st_ino", "st_nlink", "st_uid", "st_gid", "st_size", "st_atime", "st_mtime",
    "st_ctime", "st_blocks",
)  # fmt: skip


def data_root(scm_mount: str) -> Path:
    return Path(scm_mount) / STATE_DIR / DATA_DIR


def container_dir(scm_mount: str, pool_uuid: str, cont_uuid: str) -> Path:
    return data_root(scm_mount) / pool_uuid / cont_uuid


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def bytes_used(path: Path) -> int:
    """The bytes of file data under `path` (what the pool's space accounts for)."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _resolve(root: Path, path: str) -> str:
    """`path` (absolute inside the container) as a path under `root`; never outside it."""
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise OSError(errno.EACCES, "path leaves the container")
    return os.path.join(root, *parts)


def _stat(path: str) -> dict[str, Any]:
    st = os.lstat(path)
    out = {key: getattr(st, key) for key in _STAT_KEYS}
    out["st_blksize"] = 4096
    return out


def serve(root: Path, params: dict[str, Any], free_bytes: int) -> dict[str, Any]:
    """Run one file-system operation in the container directory `root`."""
    op = str(params.get("op"))
    try:
        handler = _OPS[op]
    except KeyError:
        return {"errno": errno.ENOSYS}
    try:
        return handler(root, _resolve(root, str(params.get("path", "/"))), params, free_bytes)
    except OSError as exc:
        return {"errno": exc.errno or errno.EIO}


def _getattr(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    return {"stat": _stat(path)}


def _readdir(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    return {"names": sorted(os.listdir(path))}


def _chown(path: str, params: dict[str, Any]) -> None:
    uid, gid = params.get("uid"), params.get("gid")
    if uid is not None or gid is not None:
        os.lchown(path, -1 if uid is None else int(uid), -1 if gid is None else int(gid))


def _mkdir(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    os.mkdir(path, int(params.get("mode", 0o755)) & 0o7777)
    _chown(path, params)
    return {"stat": _stat(path)}


def _create(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, int(params.get("mode", 0o644)) & 0o7777)
    os.close(fd)
    _chown(path, params)
    return {"stat": _stat(path)}


def _open(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode) and int(params.get("flags", 0)) & os.O_ACCMODE != os.O_RDONLY:
        raise OSError(errno.EISDIR, "is a directory")
    if int(params.get("flags", 0)) & os.O_TRUNC:
        os.truncate(path, 0)
    return {}


def _read(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    with open(path, "rb") as stream:
        stream.seek(int(params.get("offset", 0)))
        data = stream.read(int(params.get("size", 0)))
    return {"data": base64.b64encode(data).decode()}


def _write(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    data = base64.b64decode(str(params.get("data", "")))
    offset = int(params.get("offset", 0))
    growth = max(0, offset + len(data) - os.lstat(path).st_size)
    if growth > free:
        raise OSError(errno.ENOSPC, "no space in the pool")
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, offset)
    finally:
        os.close(fd)
    return {"written": len(data)}


def _truncate(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    length = int(params.get("length", 0))
    if length - os.lstat(path).st_size > free:
        raise OSError(errno.ENOSPC, "no space in the pool")
    os.truncate(path, length)
    return {}


def _unlink(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    os.unlink(path)
    return {}


def _rmdir(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    os.rmdir(path)
    return {}


def _rename(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    os.rename(path, _resolve(root, str(params.get("new", "/"))))
    return {}


def _chmod(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    os.chmod(path, int(params.get("mode", 0o644)) & 0o7777, follow_symlinks=False)
    return {}


def _chown_op(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    _chown(path, params)
    return {}


def _utimens(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    times = params.get("times")
    if times:
        os.utime(path, ns=(int(times[0]), int(times[1])), follow_symlinks=False)
    else:
        os.utime(path, follow_symlinks=False)
    return {}


def _symlink(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    os.symlink(str(params.get("target", "")), path)
    _chown(path, params)
    return {}


def _readlink(root: Path, path: str, params: dict[str, Any], free: int) -> dict[str, Any]:
    return {"target": os.readlink(path)}


_OPS = {
    "getattr": _getattr,
    "readdir": _readdir,
    "mkdir": _mkdir,
    "create": _create,
    "open": _open,
    "read": _read,
    "write": _write,
    "truncate": _truncate,
    "unlink": _unlink,
    "rmdir": _rmdir,
    "rename": _rename,
    "chmod": _chmod,
    "chown": _chown_op,
    "utimens": _utimens,
    "symlink": _symlink,
    "readlink": _readlink,
}
