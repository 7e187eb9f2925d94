"""dfuse: mount a POSIX container as a real FUSE file system (mount source `dfuse`, type
`fuse.daos`), with the files kept in the server's storage (fs.py).

Like DAOS's dfuse (src/client/dfuse/dfuse_main.c) it parses its options with getopt_long
(long options may be abbreviated), forks into the background unless `-f`, and the
foreground process exits only when the background one reports: 0 once the kernel mount is
registered (then the background process lets go of stdout and stderr), else
`-(rc + 1000)` of the DAOS error after printing `Exiting <rc> <DER_NAME>` (an unknown
container: exit 5). Usage errors exit 3 (-DER_INVAL). Every file-system operation goes over
the network (dfuse -> daos_agent -> daos_server) without client-side caching (direct_io,
zero attribute and entry timeouts), so two mounts see each other's writes at once.
`fusermount3 -u <dir>` unmounts; dfuse then closes its container handle and exits.

Per release: 2.0 takes `-m/--mountpoint`, `--pool`, `--container` only (positionals are
ignored, as getopt leaves them); 2.4 and 2.6 also `dfuse <mountpoint> [<pool> <container>]`.
The FUSE binding is fusepy: module `fusepy` (Debian's python3-fusepy) or `fuse` (pip).
"""

from __future__ import annotations

import contextlib
import errno
import getopt
import importlib
import os
import struct
import sys
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from .daos import Client
from .errors import DER, SimError
from .releases import Release, banner, release

PROGRAM = "dfuse"
#: DER name -> errno, as daos_der2errno() maps them (default EIO)
_DER_ERRNO = {
    "DER_NO_PERM": errno.EPERM,
    "DER_NO_HDL": errno.EBADF,
    "DER_INVAL": errno.EINVAL,
    "DER_EXIST": errno.EEXIST,
    "DER_NONEXIST": errno.ENOENT,
    "DER_UNREACH": errno.EHOSTUNREACH,
    "DER_NOSPACE": errno.ENOSPC,
    "DER_NOMEM": errno.ENOMEM,
    "DER_TIMEDOUT": errno.ETIMEDOUT,
    "DER_BUSY": errno.EBUSY,
    "DER_AGAIN": errno.EAGAIN,
}
_CODE_NAME = {code: name for name, (code, _) in DER.items()}
_ERRNO_DER = {value: DER[name][0] for name, value in _DER_ERRNO.items()}
_ERRNO_DER[errno.EACCES] = DER["DER_NO_PERM"][0]
DER_INVAL = DER["DER_INVAL"][0]
DER_MISC = DER["DER_MISC"][0]


class Usage(Exception):
    """A usage error: getopt's message (if any) on stderr, the help on stdout, exit 3."""


def der2errno(status: int) -> int:
    return _DER_ERRNO.get(_CODE_NAME.get(status, ""), errno.EIO)


def errno2der(err: int) -> int:
    return _ERRNO_DER.get(err, DER_MISC)


def exit_status(rc: int) -> int:
    """main()'s `return -(rc + DER_ERR_GURT_BASE)`, as the shell sees it."""
    return (-(rc + 1000)) & 0xFF if rc else 0


def load_fusepy() -> ModuleType:
    """fusepy, as Debian packages it (`fusepy`) or as pip installs it (`fuse`)."""
    for name in ("fusepy", "fuse"):
        try:
            module = importlib.import_module(name)
        except (ImportError, OSError):  # no libfuse2: fusepy raises EnvironmentError
            continue
        if hasattr(module, "FUSE") and hasattr(module, "Operations"):
            return module
    raise ImportError(
        "the pytest-daos sim's dfuse needs fusepy and libfuse2: apt-get install "
        "python3-fusepy (or pip install fusepy, with libfuse2 installed)"
    )


# --- the command line ----------------------------------------------------------------------

_LONG_20 = [
    "mountpoint=", "path=", "pool=", "container=", "sys-name=", "singlethread",
    "thread-count=", "foreground", "enable-caching", "enable-wb-cache", "disable-caching",
    "disable-wb-cache", "version", "help",
]  # fmt: skip
_LONG_24 = [*_LONG_20[:1], "multi-user", *_LONG_20[1:], "eq-count=", "options="]
_LONG_26 = [*_LONG_24, "dump-handles=", "read-handles=", "read-only"]


def _options(rel: Release) -> tuple[str, list[str]]:
    if rel.series < (2, 4):
        return "m:St:fhv", _LONG_20
    if rel.series < (2, 6):
        return "Mm:St:o:fhv", _LONG_24
    return "Mm:St:o:fhe:v", _LONG_26


def _getopt_message(exc: getopt.GetoptError) -> str:
    """glibc getopt_long's wording for what Python's getopt reports."""
    opt, msg = exc.opt, exc.msg
    if "not a unique prefix" in msg:
        return f"{PROGRAM}: option '--{opt}' is ambiguous"
    if "requires argument" in msg:
        if len(opt) == 1:
            return f"{PROGRAM}: option requires an argument -- '{opt}'"
        return f"{PROGRAM}: option '--{opt}' requires an argument"
    if "must not have an argument" in msg:
        return f"{PROGRAM}: option '--{opt}' doesn't allow an argument"
    if len(opt) == 1:
        return f"{PROGRAM}: invalid option -- '{opt}'"
    return f"{PROGRAM}: unrecognized option '--{opt}'"


def parse_args(rel: Release, argv: Sequence[str]) -> dict[str, Any]:
    """The options dfuse uses: mountpoint, pool, container, foreground, help, version."""
    short, long = _options(rel)
    try:
        opts, rest = getopt.gnu_getopt(list(argv), short, long)
    except getopt.GetoptError as exc:
        raise Usage(_getopt_message(exc)) from None
    out: dict[str, Any] = {"mountpoint": None, "pool": "", "container": "", "foreground": False}
    names = {
        "-m": "mountpoint", "--mountpoint": "mountpoint", "--pool": "pool",
        "--container": "container", "-f": "foreground", "--foreground": "foreground",
        "-h": "help", "--help": "help", "-v": "version", "--version": "version",
        "--path": "path", "-o": "options", "--options": "options",
    }  # fmt: skip
    for opt, value in opts:
        key = names.get(opt)
        if key in ("foreground", "help", "version"):
            out[key] = True
            if key != "foreground":
                return out  # getopt's loop ends at -h / -v
        elif key is not None:
            out[key] = value
    for item in (out.get("options") or "").split(","):  # -o pool=...,container=...
        key, _, value = item.partition("=")
        if key in ("pool", "container") and value:
            out[key] = value
    if rel.series >= (2, 4):  # positionals: mountpoint [pool container]
        if len(rest) > 3:
            raise Usage("")
        for key, value in zip(("mountpoint", "pool", "container"), rest, strict=False):
            out[key] = value
    return out


def show_help(rel: Release) -> str:
    if rel.series < (2, 4):
        head = f"usage: {PROGRAM} -m mountpoint\n"
        mount = "\t-m --mountpoint=<path>\tMount point to use\n"
    else:
        head = f"usage: {PROGRAM} [OPTIONS] [mountpoint [pool container]]\n"
        mount = (
            "\t-m --mountpoint=<path>\tMount point to use (deprecated, use positional argument)\n"
        )
    return (
        head + "Options:\n\n" + mount + "\n"
        "\t   --pool=name\t\tpool UUID/label\n"
        "\t   --container=name\tcontainer UUID/label\n"
        "\t-f --foreground\t\tRun in foreground\n"
        "\t-h --help\t\tShow this help\n"
        "\t-v --version\t\tShow version\n\n"
        "(pytest-daos sim: a test stand-in for DAOS dfuse)\n"
    )


# --- the file system -----------------------------------------------------------------------


def make_operations(fusepy: ModuleType, client: Client, handle: str) -> Any:
    """A fusepy Operations object that forwards every call to the server."""

    def call(op: str, path: str, **params: Any) -> dict[str, Any]:
        try:
            reply: dict[str, Any] = client.call(
                "fs", {"handle": handle, "op": op, "path": path, **params}
            )
        except SimError as exc:
            raise fusepy.FuseOSError(der2errno(exc.status)) from None
        if "errno" in reply:
            raise fusepy.FuseOSError(int(reply["errno"]))
        return reply

    def owner() -> dict[str, int]:
        uid, gid, _ = fusepy.fuse_get_context()
        return {"uid": uid, "gid": gid}

    class DaosOperations(fusepy.Operations):  # type: ignore[misc,name-defined]
        def init(self, path: str) -> None:
            started.set()

        def getattr(self, path: str, fh: Any = None) -> dict[str, Any]:
            stat: dict[str, Any] = call("getattr", path)["stat"]
            return stat

        def readdir(self, path: str, fh: Any) -> list[str]:
            return [".", "..", *call("readdir", path)["names"]]

        def mkdir(self, path: str, mode: int) -> None:
            call("mkdir", path, mode=mode, **owner())

        def create(self, path: str, mode: int, fi: Any = None) -> int:
            call("create", path, mode=mode, **owner())
            return 0

        def open(self, path: str, flags: int) -> int:
            call("open", path, flags=flags)
            return 0

        def read(self, path: str, size: int, offset: int, fh: Any) -> bytes:
            import base64

            return base64.b64decode(call("read", path, size=size, offset=offset)["data"])

        def write(self, path: str, data: bytes, offset: int, fh: Any) -> int:
            import base64

            encoded = base64.b64encode(data).decode()
            return int(call("write", path, data=encoded, offset=offset)["written"])

        def truncate(self, path: str, length: int, fh: Any = None) -> None:
            call("truncate", path, length=length)

        def unlink(self, path: str) -> None:
            call("unlink", path)

        def rmdir(self, path: str) -> None:
            call("rmdir", path)

        def rename(self, old: str, new: str) -> None:
            call("rename", old, new=new)

        def chmod(self, path: str, mode: int) -> None:
            call("chmod", path, mode=mode)

        def chown(self, path: str, uid: int, gid: int) -> None:
            call("chown", path, uid=None if uid < 0 else uid, gid=None if gid < 0 else gid)

        def utimens(self, path: str, times: Any = None) -> None:
            ns = [int(t * 1e9) for t in times] if times else None
            call("utimens", path, times=ns)

        def symlink(self, target: str, source: str) -> None:
            call("symlink", target, target=source, **owner())

        def readlink(self, path: str) -> str:
            return str(call("readlink", path)["target"])

        def statfs(self, path: str) -> dict[str, int]:
            space = call("statfs", path)
            unlimited = (1 << 64) - 1  # DAOS reports -1 files
            return {
                "f_bsize": 1, "f_frsize": 1, "f_blocks": space["total"],
                "f_bfree": space["free"], "f_bavail": space["free"], "f_files": unlimited,
                "f_ffree": unlimited, "f_favail": unlimited, "f_namemax": 255,
            }  # fmt: skip

        def flush(self, path: str, fh: Any) -> None:
            return None

        def release(self, path: str, fh: Any) -> None:
            return None

        def fsync(self, path: str, datasync: Any, fh: Any) -> None:
            return None

    started = threading.Event()
    operations = DaosOperations()
    operations.started = started
    return operations


# --- running -------------------------------------------------------------------------------


class Reporter:
    """How the background process tells the foreground one its result (dfuse_send_to_fg)."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def send(self, rc: int) -> None:
        if self.fd is None:
            return
        sys.stdout.flush()
        sys.stderr.flush()
        if rc == 0:  # let go of the caller's output streams, as dfuse does
            null = os.open(os.devnull, os.O_RDWR)
            for target in (0, 1, 2):
                os.dup2(null, target)
            os.close(null)
        with contextlib.suppress(OSError):
            os.write(self.fd, struct.pack("i", rc))
            os.close(self.fd)
        self.fd = None


def _connect_failure(rel: Release, what: str, status: int) -> int:
    err = der2errno(status)
    if rel.series < (2, 4):
        print(f"Failed to connect to {what} ({err}) {os.strerror(err)}", flush=True)
    else:
        print(f"Failed to connect to {what}: {err} ({os.strerror(err)})", flush=True)
    return errno2der(err)


def run(rel: Release, opts: dict[str, Any], reporter: Reporter) -> int:
    """What dfuse does after going to the background; its DAOS return code."""
    if opts["container"] and not opts["pool"]:
        print("Container name specified without pool", flush=True)
        return DER_INVAL
    try:
        fusepy = load_fusepy()
    except ImportError as exc:
        print(f"{PROGRAM}: {exc}", file=sys.stderr, flush=True)
        return DER_MISC
    client = Client(rel)
    try:
        client.init()
    except SimError as exc:
        for line in client.log_lines:
            print(line, file=sys.stderr, flush=True)
        return exc.status
    if opts.get("path"):
        print("Error reading attr from path: 61 (No data available)", flush=True)
        return DER_INVAL  # the sim keeps no namespace attributes
    mountpoint = str(opts["mountpoint"])
    if not os.path.exists(mountpoint):
        print("Mount point does not exist", flush=True)
        return DER["DER_NONEXIST"][0]
    if not os.path.isdir(mountpoint):
        print(f"Error resolving mount point: {errno.ENOTDIR} (Not a directory)", flush=True)
        return errno2der(errno.ENOTDIR)
    if not opts["pool"]:
        print("Failed to connect to pool: 22 (Invalid argument)", flush=True)
        return DER_INVAL  # the sim mounts one container, not the pools' namespace
    try:
        client.connect(opts["pool"])
    except SimError as exc:
        return _connect_failure(rel, "pool", exc.status)
    if not opts["container"]:
        print("Failed to connect to container: 22 (Invalid argument)", flush=True)
        return DER_INVAL
    try:
        opened = client.call("cont_open", {"pool": opts["pool"], "cont": opts["container"]})
    except SimError as exc:
        return _connect_failure(rel, "container", exc.status)
    handle = str(opened["handle"])
    operations = make_operations(fusepy, client, handle)

    def report_when_mounted() -> None:
        operations.started.wait()
        reporter.send(0)

    threading.Thread(target=report_when_mounted, daemon=True).start()
    try:
        fusepy.FUSE(
            operations,
            mountpoint,
            foreground=True,
            fsname="dfuse",
            subtype="daos",
            default_permissions=True,
            noatime=True,
            direct_io=True,
            big_writes=True,
            max_write=131072,
            attr_timeout=0,
            entry_timeout=0,
            negative_timeout=0,
        )
        rc = 0 if operations.started.is_set() else DER_MISC
    except (RuntimeError, OSError) as exc:
        print(f"{PROGRAM}: mounting {mountpoint} failed: {exc}", file=sys.stderr, flush=True)
        rc = DER_MISC
    with contextlib.suppress(SimError):
        client.call("cont_close", {"handle": handle})
    return rc


def background() -> Reporter:
    """dfuse_bg(): fork; the foreground process waits for the background one's result."""
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        os.setsid()
        return Reporter(write_fd)
    os.close(write_fd)
    data = b""
    while len(data) < 4:
        chunk = os.read(read_fd, 4 - len(data))
        if not chunk:
            break
        data += chunk
    if not data:
        print("Child process died without reporting failure", flush=True)
        os._exit(2)
    if len(data) != 4:
        print(f"Read incorrect data {len(data)}", flush=True)
        os._exit(2)
    (rc,) = struct.unpack("i", data)
    if rc:
        print(f"Exiting {rc} {_CODE_NAME.get(rc, 'DER_UNKNOWN')}", flush=True)
    os._exit(exit_status(rc))


def main(argv: Sequence[str]) -> int:
    rel = release()
    try:
        opts = parse_args(rel, argv)
    except Usage as exc:
        if str(exc):
            print(str(exc), file=sys.stderr, flush=True)
        sys.stdout.write(show_help(rel))
        return exit_status(DER_INVAL)
    if opts.get("version"):
        print(banner(PROGRAM, rel))
        return 0
    if opts.get("help"):
        sys.stdout.write(show_help(rel))
        return 0
    if not opts["mountpoint"]:
        print("Mountpoint is required")
        sys.stdout.write(show_help(rel))
        return exit_status(DER_INVAL)
    reporter = Reporter(None) if opts["foreground"] else background()
    rc = run(rel, opts, reporter)
    reporter.send(rc)
    if not opts["foreground"]:  # the background process ends here, without atexit handlers
        sys.stdout.flush()
        os._exit(exit_status(rc))
    return exit_status(rc)
