"""`dmg`, the DAOS admin tool: argv per DAOS release, typed results of its `-j` output."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from ..errors import PytestDaosError
from ..releases import percentage_pool_sizes, series
from .envelope import DEFAULT_CALL_TIMEOUT, JsonTool, answer_texts
from .transport import Transport

if TYPE_CHECKING:  # typing.Unpack is Python 3.11+
    from typing_extensions import Unpack

#: Pool or container properties: DAOS's own `key:value,key:value`, or a mapping of them.
Properties = str | Mapping[str, object]

#: DAOS_PROP_LABEL_MAX_LEN: the longest label DAOS accepts.
LABEL_MAX = 127
_LABEL = re.compile(r"[A-Za-z0-9._:-]+")
_UUID_START = re.compile(
    r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
)
_LABEL_RULE = "a label is 1 to 127 letters, digits, '.', '-', '_' or ':', and not a UUID"


class DaosArgumentError(PytestDaosError, ValueError):
    """An argument DAOS would refuse (a label, a property, a size), found before any command."""


class LabelError(DaosArgumentError):
    """A pool or container label that breaks DAOS's label rule; the message says how."""


class PropertyError(DaosArgumentError):
    """Properties that cannot be passed to DAOS as `key:value,...`; the message says why."""


def check_label(label: object) -> str:
    """`label` when DAOS accepts it (`daos_label_is_valid`: 1 to 127 ASCII letters, digits,
    `.`, `-`, `_` or `:`, and not starting with a UUID), else LabelError."""
    if not isinstance(label, str):
        raise LabelError(f"a DAOS label is a string, not {type(label).__name__}: {_LABEL_RULE}")
    if not label:
        reason = "it is empty"
    elif len(label) > LABEL_MAX:
        reason = f"it is {len(label)} characters long"
    elif not _LABEL.fullmatch(label):
        bad = next(char for char in label if not _LABEL.fullmatch(char))
        reason = f"it holds {bad!r}"
    elif _UUID_START.match(label):
        reason = "DAOS reads it as a UUID"
    else:
        return label
    raise LabelError(f"{label!r} is not a DAOS label: {reason}; {_LABEL_RULE}")


def format_properties(properties: Properties | None) -> str | None:
    """The `--properties` value: a string is DAOS's own `key:value,...` and passed as it is;
    a mapping {"rd_fac": 1, ...} becomes `rd_fac:1,...` (PropertyError for a value DAOS
    would split, a key DAOS cannot read, or the label, which is an argument of its own)."""
    if properties is None or isinstance(properties, str):
        return properties
    if not isinstance(properties, Mapping):
        raise PropertyError(
            f"properties are DAOS's 'key:value,...' or a mapping such as {{'rd_fac': 1}}, not "
            f"{type(properties).__name__}"
        )
    items = []
    for key, value in properties.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", key):
            raise PropertyError(f"property name {key!r} is not a DAOS property name such as rd_fac")
        if key == "label":
            raise PropertyError(
                f"property label={value!r}: the label is an argument of its own, not a property "
                "here (pass label=...)"
            )
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise PropertyError(
                f"property {key}={value!r}: a value is a string or a number, not "
                f"{type(value).__name__}"
            )
        text = str(value)
        if not text or "," in text or ":" in text:
            raise PropertyError(
                f"property {key}={text!r}: DAOS reads --properties as key:value,key:value, so a "
                "value cannot be empty or hold ',' or ':'"
            )
        items.append(f"{key}:{text}")
    return ",".join(items) or None


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
        texts = answer_texts(data, ("state",), ("addr", "uuid", "fabric_uri", "info"))
        return cls(rank=int(data["rank"]), **texts)


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


class PoolOptions(TypedDict, total=False):
    """What `dmg pool create` may be given besides the label and the size."""

    tier_ratio: str | None  # --tier-ratio: the share of each storage tier in the size
    nranks: int | None  # --nranks: the number of engine ranks to use
    nsvc: int | None  # --nsvc: the number of pool service replicas (DAOS picks their ranks)
    properties: Properties | None


def pool_create_argv(
    version: str, label: str, size: str, **options: Unpack[PoolOptions]
) -> list[str]:
    """argv (after `dmg -j`) that creates a pool of `size` (total, or N% of free space),
    with the `options` given (PoolOptions).

    The label is checked against DAOS's rule first and follows `--`, so that it is never
    read as an option."""
    unknown = options.keys() - PoolOptions.__annotations__.keys()
    if unknown:
        raise TypeError(f"dmg pool create has no option {min(unknown)!r}")
    check_label(label)
    if size.strip().endswith("%") and not percentage_pool_sizes(version):
        raise DaosArgumentError(f"DAOS {version} has no percentage pool sizes (--size={size})")
    argv = ["pool", "create", f"--size={size}"]
    tier_ratio, nranks, nsvc = options.get("tier_ratio"), options.get("nranks"), options.get("nsvc")
    if tier_ratio is not None:
        argv.append(f"--tier-ratio={tier_ratio}")
    if nranks is not None:
        argv.append(f"--nranks={nranks}")
    if nsvc is not None:
        argv.append(f"--nsvc={nsvc}")
    formatted = format_properties(options.get("properties"))
    if formatted is not None:
        argv.append(f"--properties={formatted}")
    return [*argv, "--", label]


def pool_destroy_argv(version: str, pool: str, *, force: bool, recursive: bool) -> list[str]:
    """argv that destroys a pool; `--recursive` exists from 2.4 (2.0 has no container check)."""
    argv = ["pool", "destroy"]
    if force:
        argv.append("--force")
    if recursive and series(version) >= (2, 4):
        argv.append("--recursive")
    return [*argv, pool]


def pool_ranks_argv(version: str, action: str, pool: str, rank: int) -> list[str]:
    """argv that excludes (`action` "exclude") or reintegrates ("reintegrate") every target
    of `rank` in `pool`: `--ranks=` from 2.6, `--rank=` before (one rank)."""
    flag = "--ranks" if series(version) >= (2, 6) else "--rank"
    return ["pool", action, f"{flag}={int(rank)}", pool]


def pool_query_argv(version: str, pool: str, show_disabled: bool = False) -> list[str]:
    """argv of a pool query; with `show_disabled`, one that lists the disabled ranks
    (`disabled_ranks`) where the release can (2.4+)."""
    flags = ["--show-disabled"] if show_disabled and series(version) >= (2, 4) else []
    return ["pool", "query", *flags, pool]


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
        self, label: str, size: str, *, timeout: float | None = None, **options: Unpack[PoolOptions]
    ) -> CreatedPool:
        """`dmg pool create` (see `pool_create_argv`) and what it answered."""
        response = self(*pool_create_argv(self.version, label, size, **options), timeout=timeout)
        return CreatedPool(
            label=label,
            uuid=str(response["uuid"]),
            svc_reps=tuple(int(rank) for rank in response.get("svc_reps") or ()),
            tier_bytes=tuple(int(size) for size in response.get("tier_bytes") or ()),
        )

    def pool_list(self) -> list[dict[str, Any]]:
        response = self("pool", "list")
        return list((response or {}).get("pools") or [])

    def pool_query(
        self, pool: str, timeout: float | None = None, show_disabled: bool = False
    ) -> dict[str, Any]:
        """`dmg pool query`; `show_disabled`: with the disabled ranks (2.4+)."""
        argv = pool_query_argv(self.version, pool, show_disabled)
        response: dict[str, Any] = self(*argv, timeout=timeout)
        return response

    def system_stop(self, ranks: Sequence[int], timeout: float | None = None) -> Any:
        """Stop the engines of `ranks` (`dmg system stop --ranks=...`; it kills them)."""
        return self("system", "stop", f"--ranks={_rank_list(ranks)}", timeout=timeout)

    def system_start(self, ranks: Sequence[int], timeout: float | None = None) -> Any:
        """Start the engines of `ranks` again (from stopped, errored or excluded)."""
        return self("system", "start", f"--ranks={_rank_list(ranks)}", timeout=timeout)

    def pool_exclude(self, pool: str, rank: int, timeout: float | None = None) -> Any:
        return self(*pool_ranks_argv(self.version, "exclude", pool, rank), timeout=timeout)

    def pool_reintegrate(self, pool: str, rank: int, timeout: float | None = None) -> Any:
        return self(*pool_ranks_argv(self.version, "reintegrate", pool, rank), timeout=timeout)

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


def _rank_list(ranks: Sequence[int]) -> str:
    if not ranks:
        raise DaosArgumentError("no rank given: name at least one rank")
    return ",".join(str(int(rank)) for rank in ranks)


def all_joined(members: Sequence[Member]) -> bool:
    """True when there is at least one rank and every rank is `joined`."""
    return bool(members) and all(member.state == "joined" for member in members)


def joined_text(members: Sequence[Member]) -> str:
    """How many ranks have joined, and the state of the others: "1 joined; rank 1 stopped"."""
    others = "; ".join(f"rank {m.rank} {m.state}" for m in members if m.state != "joined")
    joined = sum(member.state == "joined" for member in members)
    return f"{joined} joined" + (f"; {others}" if others else "")
