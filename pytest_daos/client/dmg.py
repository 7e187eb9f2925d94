"""`dmg`, the DAOS admin tool: argv per DAOS release, typed results of its `-j` output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .envelope import DEFAULT_CALL_TIMEOUT, JsonTool
from .transport import Transport


def series(version: str) -> tuple[int, int]:
    """Turn a DAOS version such as "2.6" or "2.6.5" into (2, 6)."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


@dataclass(frozen=True)
class Member:
    """One engine rank as `dmg system query` reports it."""

    rank: int
    state: str
    addr: str
    uuid: str
    fabric_uri: str
    info: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Member:
        return cls(
            rank=int(data["rank"]),
            state=str(data["state"]),
            addr=str(data.get("addr", "")),
            uuid=str(data.get("uuid", "")),
            fabric_uri=str(data.get("fabric_uri", "")),
            info=str(data.get("info", "")),
        )


@dataclass(frozen=True)
class CreatedPool:
    """What `dmg pool create` answered."""

    label: str
    uuid: str
    svc_reps: tuple[int, ...]
    tier_bytes: tuple[int, ...]

    @property
    def total_bytes(self) -> int:
        return sum(self.tier_bytes)


def pool_create_argv(
    version: str,
    label: str,
    size: str,
    *,
    tier_ratio: str | None = None,
    nranks: int | None = None,
    properties: str | None = None,
) -> list[str]:
    """argv (after `dmg -j`) that creates a pool of `size` (total, or N% of free space)."""
    if size.strip().endswith("%") and series(version) < (2, 4):
        raise ValueError(f"DAOS {version} has no percentage pool sizes (--size={size})")
    argv = ["pool", "create", f"--size={size}"]
    if tier_ratio is not None:
        argv.append(f"--tier-ratio={tier_ratio}")
    if nranks is not None:
        argv.append(f"--nranks={nranks}")
    if properties is not None:
        argv.append(f"--properties={properties}")
    return [*argv, label]


def pool_destroy_argv(version: str, pool: str, *, force: bool, recursive: bool) -> list[str]:
    """argv that destroys a pool; `--recursive` exists from 2.4 (2.0 has no container check)."""
    argv = ["pool", "destroy"]
    if force:
        argv.append("--force")
    if recursive and series(version) >= (2, 4):
        argv.append("--recursive")
    return [*argv, pool]


class Dmg(JsonTool):
    """Runs `dmg -j ...` through a transport (the admin node) and parses its answers.

    `config` is the control configuration file passed with `-o` to every call (None: dmg's
    own default, as on an existing system).
    """

    program = "dmg"

    def __init__(
        self,
        transport: Transport,
        version: str,
        config: str | None = None,
        timeout: float = DEFAULT_CALL_TIMEOUT,
    ) -> None:
        super().__init__(transport, version, timeout, ("-o", config) if config else ())

    def storage_scan(self, timeout: float | None = None) -> dict[str, Any]:
        response: dict[str, Any] = self("storage", "scan", timeout=timeout)
        return response

    def storage_format(self, timeout: float | None = None) -> dict[str, Any]:
        response: dict[str, Any] = self("storage", "format", timeout=timeout)
        return response

    def system_query(self, timeout: float | None = None) -> list[Member]:
        response = self("system", "query", timeout=timeout)
        return [Member.from_json(item) for item in (response or {}).get("members") or []]

    def pool_create(
        self,
        label: str,
        size: str,
        *,
        tier_ratio: str | None = None,
        nranks: int | None = None,
        properties: str | None = None,
        timeout: float | None = None,
    ) -> CreatedPool:
        argv = pool_create_argv(
            self.version, label, size, tier_ratio=tier_ratio, nranks=nranks, properties=properties
        )
        response = self(*argv, timeout=timeout)
        return CreatedPool(
            label=label,
            uuid=str(response["uuid"]),
            svc_reps=tuple(int(rank) for rank in response.get("svc_reps") or ()),
            tier_bytes=tuple(int(size) for size in response.get("tier_bytes") or ()),
        )

    def pool_list(self) -> list[dict[str, Any]]:
        response = self("pool", "list")
        return list((response or {}).get("pools") or [])

    def pool_query(self, pool: str) -> dict[str, Any]:
        response: dict[str, Any] = self("pool", "query", pool)
        return response

    def pool_destroy(
        self,
        pool: str,
        *,
        force: bool = False,
        recursive: bool = False,
        timeout: float | None = None,
    ) -> None:
        self(
            *pool_destroy_argv(self.version, pool, force=force, recursive=recursive),
            timeout=timeout,
        )


def all_joined(members: Sequence[Member]) -> bool:
    """True when there is at least one rank and every rank is `joined`."""
    return bool(members) and all(member.state == "joined" for member in members)
