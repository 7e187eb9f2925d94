"""dmg's side of the control plane: which hosts to ask, fan-out to every host, requests to
the management service with dmg's retries (250 ms doubling to 8 s while the service says it
is not ready, up to the request timeout)."""

from __future__ import annotations

import os
import re
import time
from typing import Any

from .errors import (
    SimError,
    connection_bad_host,
    connection_no_route,
    connection_refused,
    rpc_timeout,
)
from .protocol import Unreachable, call_tcp
from .releases import Release
from .sizes import go_duration

TIMEOUT_ENV = "DAOS_SIM_REQUEST_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
MS_UNREACHABLE = "unable to contact the DAOS Management Service"


def _split_outside_brackets(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def expand_hosts(text: str, port: int) -> list[str]:
    """`a,b[1-2]:10002` -> ["a:<port>", "b1:10002", "b2:10002"]."""
    hosts: list[str] = []
    for part in _split_outside_brackets(text):
        part = part.strip()
        if not part:
            continue
        match = re.match(r"^(.*)\[([^\]]*)\](.*)$", part)
        names = [part]
        if match:
            names = []
            for item in match.group(2).split(","):
                lo, _, hi = item.partition("-")
                width = len(lo)
                for n in range(int(lo), int(hi or lo) + 1):
                    names.append(f"{match.group(1)}{n:0{width}d}{match.group(3)}")
        hosts += [name if ":" in name else f"{name}:{port}" for name in names]
    return hosts


def split_host(host: str) -> tuple[str, int]:
    name, _, port = host.rpartition(":")
    return name, int(port)


def unreachable_fault(rel: Release, host: str, exc: Unreachable) -> SimError:
    if exc.kind == "resolve":
        return connection_bad_host(rel, host)
    if exc.kind in ("refused", "closed", "missing"):
        return connection_refused(rel, host)
    return connection_no_route(rel, host)


class Ctl:
    def __init__(self, hosts: list[str], rel: Release) -> None:
        self.hosts = hosts
        self.rel = rel

    def fanout(
        self, method: str, params: dict[str, Any], hosts: list[str] | None = None
    ) -> tuple[dict[str, Any], dict[str, SimError]]:
        """Ask every host; results and errors per host."""
        results: dict[str, Any] = {}
        errors: dict[str, SimError] = {}
        for host in hosts or self.hosts:
            name, port = split_host(host)
            try:
                results[host] = call_tcp(name, port, method, params, timeout=120)
            except Unreachable as exc:
                errors[host] = unreachable_fault(self.rel, host, exc)
            except SimError as exc:
                errors[host] = exc
        return results, errors

    def ms(
        self, method: str, params: dict[str, Any], request: str, timeout: float = DEFAULT_TIMEOUT
    ) -> Any:
        """One management-service request (to the first host), retried while not ready."""
        timeout = float(os.environ.get(TIMEOUT_ENV) or timeout)
        host = self.hosts[0]
        name, port = split_host(host)
        deadline = time.monotonic() + timeout
        delay = 0.25
        while True:
            remaining = deadline - time.monotonic()
            try:
                return call_tcp(name, port, method, params, timeout=max(1.0, remaining))
            except Unreachable as exc:
                if exc.kind == "timeout":
                    raise rpc_timeout(self.rel, request, go_duration(timeout)) from None
                raise SimError(
                    f"{unreachable_fault(self.rel, host, exc).message}: {MS_UNREACHABLE}"
                ) from None
            except SimError as exc:
                if not exc.retryable:
                    raise
                if time.monotonic() + delay > deadline:
                    time.sleep(max(0.0, deadline - time.monotonic()))
                    raise rpc_timeout(self.rel, request, go_duration(timeout)) from None
                time.sleep(delay)
                delay = min(delay * 2, 8.0)
