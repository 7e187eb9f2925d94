"""daos_agent: listens on `<runtime_dir>/daos_agent.sock` for the `daos` client and forwards
its requests to the control plane at access_points[0]:port. SIGTERM ends it (exit 0) and
removes the socket.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import daemon, flags
from .config import ConfigError, load_agent
from .errors import SimError, der
from .protocol import Unreachable, call_tcp, serve_unix
from .releases import release

DEFAULT_CONFIG = "/etc/daos/daos_agent.yml"
SOCKET_NAME = "daos_agent.sock"

ROOT = flags.Cmd(
    "daos_agent",
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


def main(argv: Sequence[str]) -> int:
    rel = release()
    argv = list(argv)
    if not any(a in ("start", "version") for a in argv):
        argv.append("start")  # start is the default command
    parsed, code = daemon.parse("daos_agent", ROOT, argv, rel)
    if parsed is None:
        return code
    path = parsed.get("config_path") or DEFAULT_CONFIG
    try:
        cfg = load_agent(path, rel)
    except ConfigError as exc:
        sys.stderr.write(f"ERROR: daos_agent: failed to load config from {path}: {exc}\n")
        return 1
    runtime_dir = parsed.get("runtime_dir") or cfg.runtime_dir
    try:
        log = daemon.LogFile(parsed.get("logfile") or cfg.log_file)
        os.makedirs(runtime_dir, exist_ok=True)
    except OSError as exc:
        sys.stderr.write(f"ERROR: daos_agent: {exc}\n")
        return 1
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

    if os.path.exists(socket_path):
        os.unlink(socket_path)
    try:
        server = serve_unix(socket_path, forward)
    except OSError as exc:
        sys.stderr.write(f"ERROR: daos_agent: listen unix {socket_path}: {exc.strerror}\n")
        return 1
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
