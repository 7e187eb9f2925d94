"""daos_agent: listens on `<runtime_dir>/daos_agent.sock` for the `daos` client and forwards
its requests to the control plane at access_points[0]:port. SIGTERM ends it (exit 0) and
removes the socket. Like DAOS it does not make runtime_dir: without it, it exits 1; nor does
it start with certificates enabled (transport_config without allow_insecure) and missing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import daemon, flags
from .config import ConfigError, load_agent
from .errors import SimError, der
from .protocol import Unreachable, call_tcp, serve_unix
from .releases import Release, release
from .security import max_key_perm, preload_cert_data

PROGRAM = "daos_agent"
DEFAULT_CONFIG = "/etc/daos/daos_agent.yml"
SOCKET_NAME = "daos_agent.sock"

ROOT = flags.Cmd(
    PROGRAM,
    options=(
        flags.Opt("config-path", "o", arg="PATH", help="Path to agent configuration file"),
        flags.Opt("insecure", "i", help="have agent attempt to connect without certificates"),
        flags.Opt("debug", "d", help="Enable debug output"),
        flags.Opt("json-logging", "J", help="Enable JSON logging"),
        flags.Opt("runtime_dir", "s", arg="PATH", help="Path to agent communications socket"),
        flags.Opt("logfile", "l", arg="PATH", help="Full path and filename for daos agent log"),
        flags.Opt("version", help="Print the version"),
    ),
    commands=(
        flags.Cmd("start", help="Start daos_agent daemon (default behavior)"),
        flags.Cmd("version", help="Print daos_agent version"),
    ),
)


def _error(message: str) -> int:
    """exitWithError: `ERROR: daos_agent: <error>` on stderr, exit 1."""
    sys.stderr.write(f"ERROR: {PROGRAM}: {message}\n")
    return 1


def _started(rel: Release, log: daemon.LogFile, log_path: str, config_path: str) -> None:
    """The lines daos_agent prints (and logs) once its certificates are loaded, before it
    listens: 2.6 names its configuration, 2.4 and 2.6 say it starts (2.0 logs that at debug
    level only)."""
    if rel.series < (2, 4):
        return
    lines = [f"Starting DAOS Agent version {rel.version} (pid {os.getpid()})"]
    if rel.series >= (2, 6):
        lines.insert(0, f"loaded agent config from path: {config_path}")
    for line in lines:
        print(line, flush=True)
        if log_path:
            log.write("INFO", line)


def _closed_log(rel: Release, log_path: str) -> None:
    """Before 2.6 the log file is closed when the final error is written to it too."""
    if log_path and rel.series < (2, 6):
        sys.stderr.write(f"logger Errorf() failed: write {log_path}: file already closed\n")


def _listen_failed(
    rel: Release, log: daemon.LogFile, log_path: str, socket_path: str, exc: OSError
) -> int:
    """The dRPC socket cannot be made (runtime_dir missing, ...): daos_agent exits 1.

    2.4 and 2.6 wrap the error in `unable to start dRPC server`; 2.0 logs `Unable to start
    socket server on ...` first. Before 2.6 the log file is closed when the final error is
    written to it, and the logger says so on stderr."""
    errno_text = (exc.strerror or str(exc)).lower()
    listen = (
        f"unable to listen on unix socket {socket_path}: listen unixpacket {socket_path}: "
        f"bind: {errno_text}"
    )
    if rel.series < (2, 4):
        listen = "U" + listen[1:]
        first = f"Unable to start socket server on {socket_path}: {listen}"
        sys.stderr.write(f"ERROR: {first}\n")
        if log_path:
            log.write("ERROR", first)
        _error(listen)
    else:
        message = f"unable to start dRPC server: {listen}"
        _error(message)
        if log_path and rel.series >= (2, 6):
            log.write("ERROR", f"{PROGRAM}: {message}")
    _closed_log(rel, log_path)
    return 1


def main(argv: Sequence[str]) -> int:
    rel = release()
    argv = list(argv)
    if not any(a in ("start", "version") for a in argv):
        argv.append("start")  # start is the default command
    parsed, code = daemon.parse(PROGRAM, ROOT, argv, rel)
    if parsed is None:
        return code
    path = parsed.get("config_path") or DEFAULT_CONFIG
    try:
        cfg = load_agent(path, rel)
    except ConfigError as exc:
        return _error(f"failed to load agent configuration: {exc}")
    runtime_dir = parsed.get("runtime_dir") or cfg.runtime_dir
    log_path = parsed.get("logfile") or cfg.log_file
    try:
        log = daemon.LogFile(log_path)
    except OSError as exc:
        return _error(str(exc))
    if log_path and rel.series >= (2, 6):
        print(f"{PROGRAM} logging to file {log_path}", flush=True)
    transport = cfg.transport
    if parsed.get("insecure"):
        transport = dataclasses.replace(transport, allow_insecure=True)
    try:
        preload_cert_data(rel, transport, max_key_perm(rel, group_readable=False))
    except SimError as exc:
        _error(exc.message)  # no resolution line, unlike dmg
        if log_path and rel.series >= (2, 6):
            log.write("ERROR", f"{PROGRAM}: {exc.message}")
        _closed_log(rel, log_path)
        return 1
    _started(rel, log, log_path, path)
    # like DAOS, the agent does not make its runtime_dir: the deployment does
    socket_path = os.path.join(runtime_dir, SOCKET_NAME)
    server_host, server_port = cfg.access_points[0], cfg.port

    def forward(method: str, params: dict[str, Any]) -> Any:
        try:
            return call_tcp(server_host, server_port, method, params, timeout=60)
        except Unreachable as exc:
            log.write(
                "ERROR",
                f"unable to contact the DAOS Management Service at "
                f"{server_host}:{server_port}: {exc.detail}",
            )
            raise der("DER_TIMEDOUT") from None
        except SimError:
            raise

    if os.path.lexists(socket_path):
        os.unlink(socket_path)
    try:
        server = serve_unix(socket_path, forward)
    except OSError as exc:
        return _listen_failed(rel, log, log_path, socket_path, exc)
    stop = daemon.stop_event()
    log.write(
        "INFO",
        f"DAOS Agent v{rel.version} (pid {os.getpid()}) listening on "
        f"{socket_path} (pytest-daos sim)",
    )
    daemon.wait(stop)
    server.shutdown()
    server.server_close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(socket_path)
    log.write("INFO", "daos_agent stopped")
    return 0
