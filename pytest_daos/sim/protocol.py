"""The sim's internal wire protocol: one JSON request line, one JSON reply line, per connection.

dmg and daos_agent reach daos_server over TCP (host:port from their configs); `daos` reaches
daos_agent over its Unix socket. A request is {"method": ..., "params": {...}}; a reply is
{"result": ...} or {"error": SimError.to_wire()}.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Callable
from typing import Any

from .errors import SimError

Handler = Callable[[str, dict[str, Any]], Any]

_MAX_LINE = 16 * 1024 * 1024


class Unreachable(Exception):
    """The peer could not be reached; `kind` is refused, resolve, noroute, timeout or missing."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def _serve_connection(rfile: Any, wfile: Any, handler: Handler) -> None:
    line = rfile.readline(_MAX_LINE)
    if not line:
        return
    try:
        request = json.loads(line)
        reply: dict[str, Any] = {"result": handler(request["method"], request.get("params", {}))}
    except SimError as exc:
        reply = {"error": exc.to_wire()}
    except Exception as exc:  # a bug in the sim: report it instead of hanging the client
        reply = {"error": SimError(f"pytest-daos sim internal error: {exc!r}").to_wire()}
    wfile.write(json.dumps(reply).encode() + b"\n")
    wfile.flush()


def _handler_class(handler: Handler) -> type[socketserver.StreamRequestHandler]:
    class _Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            _serve_connection(self.rfile, self.wfile, handler)

    return _Handler


class TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class UnixServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def serve_tcp(host: str, port: int, handler: Handler) -> TCPServer:
    """Listen on host:port and answer requests in background threads."""
    server = TCPServer((host, port), _handler_class(handler))
    threading.Thread(target=server.serve_forever, name="rpc", daemon=True).start()
    return server


def serve_unix(path: str, handler: Handler) -> UnixServer:
    server = UnixServer(path, _handler_class(handler))
    threading.Thread(target=server.serve_forever, name="rpc", daemon=True).start()
    return server


def _exchange(sock: socket.socket, method: str, params: dict[str, Any]) -> Any:
    """Send one request on a connected socket; its reply (Unreachable if there is none)."""
    try:
        with sock, sock.makefile("rwb") as stream:
            stream.write(json.dumps({"method": method, "params": params}).encode() + b"\n")
            stream.flush()
            line = stream.readline(_MAX_LINE)
    except TimeoutError:
        raise Unreachable("timeout", "no reply") from None
    except OSError as exc:
        raise Unreachable("closed", str(exc)) from None
    if not line:
        raise Unreachable("closed", "connection closed without a reply")
    reply = json.loads(line)
    if "error" in reply:
        raise SimError.from_wire(reply["error"])
    return reply.get("result")


def call_tcp(
    host: str, port: int, method: str, params: dict[str, Any], timeout: float = 30.0
) -> Any:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Unreachable("resolve", str(exc)) from None
    last: Exception | None = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return _exchange(sock, method, params)
    if isinstance(last, ConnectionRefusedError):
        raise Unreachable("refused", str(last))
    if isinstance(last, (TimeoutError, socket.timeout)):
        raise Unreachable("timeout", str(last))
    raise Unreachable("noroute", str(last))


def call_unix(path: str, method: str, params: dict[str, Any], timeout: float = 60.0) -> Any:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except FileNotFoundError:
        sock.close()
        raise Unreachable("missing", path) from None
    except OSError as exc:
        sock.close()
        raise Unreachable("refused", str(exc)) from None
    return _exchange(sock, method, params)
