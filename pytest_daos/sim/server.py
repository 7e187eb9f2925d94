"""daos_server: the control plane. `daos_server start -o FILE` loads the config strictly,
refuses to start with transparent hugepages on (2.6.5, unless allow_thp), removes the
hugepage files of dead engines, listens on 0.0.0.0:<port>, exits 1 if socket_dir is not an
existing folder (it never makes it), and runs the engine once the storage is formatted.
SIGTERM/SIGINT stop the engine and end it with exit 0.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence

from . import daemon, flags
from .config import ConfigError, load_server, os_error
from .errors import thp_fault
from .host import hugepage_dir, thp_enabled
from .hugepages import remove_stale_files
from .mgmt import Service
from .protocol import serve_tcp
from .releases import Release, release

DEFAULT_CONFIG = "/etc/daos/daos_server.yml"
JOIN_DELAY_ENV = "DAOS_SIM_JOIN_DELAY"

ROOT = flags.Cmd(
    "daos_server",
    options=(
        flags.Opt("config", "o", arg="PATH", help="Server config file path"),
        flags.Opt("debug", "b", help="Enable debug output"),
        flags.Opt("json-logging", "J", help="Enable JSON logging"),
        flags.Opt("syslog", help="Enable logging to syslog"),
        flags.Opt("version", help="Print the version"),
    ),
    commands=(
        flags.Cmd(
            "start",
            help="Start daos_server",
            options=(
                flags.Opt(
                    "port",
                    "p",
                    arg="PORT",
                    convert=int,
                    gotype="uint16",
                    help="Port for the gRPC management interfect to listen on",
                ),
                flags.Opt("storage", "s", arg="PATH", help="Storage path"),
                flags.Opt("modules", "m", arg="MODULES", help="List of server modules to load"),
                flags.Opt(
                    "targets",
                    "t",
                    arg="N",
                    convert=int,
                    gotype="uint16",
                    help="Number of targets to use",
                ),
                flags.Opt(
                    "xshelpernr",
                    "x",
                    arg="N",
                    convert=int,
                    gotype="uint16",
                    help="Number of helper XS per VOS target",
                ),
                flags.Opt(
                    "firstcore",
                    "f",
                    arg="N",
                    convert=int,
                    gotype="uint16",
                    help="Index of first core for service thread",
                ),
                flags.Opt("group", "g", arg="NAME", help="Server group name"),
                flags.Opt(
                    "socket_dir",
                    "d",
                    arg="PATH",
                    help="Location for all daos_server and daos_engine sockets",
                ),
                flags.Opt("insecure", "i", help="Allow for insecure connections"),
                flags.Opt("recreate-superblocks", help="Recreate missing superblocks"),
                flags.Opt("auto-format", help="Automatically format storage on start"),
            ),
        ),
        flags.Cmd("version", help="Print daos_server version"),
    ),
)


def socket_dir_problem(path: str) -> str | None:
    """checkSocketDir: why `path` cannot hold the dRPC sockets, or None."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            what = "missing"
        elif isinstance(exc, PermissionError):
            what = "permissions failure accessing"
        else:
            what = "unexpected error locating"
        return f"{what} socket directory {path}: {os_error('stat', path, exc)}"
    if not stat.S_ISDIR(info.st_mode):
        return f"path {path} not a directory"
    return None


def start(rel: Release, parsed: flags.Parsed) -> int:
    path = parsed.get("config") or DEFAULT_CONFIG
    try:
        cfg = load_server(path, rel)
    except ConfigError as exc:
        return daemon.fail(f"failed to load config from {path}: {exc}")
    if rel.thp_check and not cfg.allow_thp and thp_enabled():
        for line in thp_fault(rel).stderr_lines(None):
            sys.stderr.write(line + "\n")
        return 1
    try:
        log = daemon.LogFile(cfg.control_log_file, microseconds=True)
    except OSError as exc:
        return daemon.fail(f"open {cfg.control_log_file}: {exc.strerror}")
    port = int(parsed.get("port") or cfg.port)
    removed = remove_stale_files(hugepage_dir())
    if removed:
        log.write(
            "INFO",
            f"removed {len(removed)} hugepage files of engines no longer "
            f"running from {hugepage_dir()}",
        )
    join_delay = float(os.environ.get(JOIN_DELAY_ENV) or 1.0)
    service = Service(cfg, rel, log.write, join_delay)
    try:
        rpc = serve_tcp("0.0.0.0", port, service.handle)
    except OSError as exc:
        log.write("ERROR", f"listen tcp 0.0.0.0:{port}: {exc.strerror}")
        return daemon.fail(
            f"unable to listen on 0.0.0.0:{port}: listen tcp 0.0.0.0:{port}: bind: "
            f"{(exc.strerror or str(exc)).lower()}"
        )

    stop = daemon.stop_event()
    log.write(
        "INFO",
        f"DAOS Control Server v{rel.version} (pid {os.getpid()}) listening on "
        f"0.0.0.0:{port} (pytest-daos sim)",
    )
    # listening already, DAOS sets up its dRPC server next: in socket_dir, which it does
    # not make (the deployment does)
    problem = socket_dir_problem(parsed.get("socket_dir") or cfg.socket_dir)
    if problem is not None:
        log.write("ERROR", f"dRPC server setup: {problem}")
        rpc.shutdown()
        rpc.server_close()
        return daemon.fail(f"dRPC server setup: {problem}")
    service.startup()
    daemon.wait(stop)
    log.write("INFO", "shutting down: stopping DAOS I/O Engine instances")
    service.shutdown()
    rpc.shutdown()
    rpc.server_close()
    log.write("INFO", "daos_server stopped")
    return 0


def main(argv: Sequence[str]) -> int:
    rel = release()
    parsed, code = daemon.parse("daos_server", ROOT, argv, rel)
    return code if parsed is None else start(rel, parsed)
