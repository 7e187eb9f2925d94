"""The system's persistent state, kept in the SCM mount like DAOS's control-plane database.

In DAOS without MD-on-SSD the management service database lives on the SCM tmpfs, so it
survives a daos_server restart while the tmpfs stays mounted and is gone with it. The sim
keeps system uuid, member, pools and containers in `<scm_mount>/.daos_sim/system.json`,
written atomically.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid as uuidlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

STATE_DIR = ".daos_sim"
STATE_FILE = "system.json"
FORMAT_VERSION = 1


@dataclass
class Container:
    uuid: str
    label: str
    type: str  # "POSIX", "HDF5", ..., "unknown"
    open_time: int  # HLC; 0 for non-POSIX containers (as real DAOS reports them)
    close_modify_time: int
    properties: str = ""
    chunk_size: int = 0
    oclass: str = ""
    dir_oclass: str = ""
    #: lost data beyond its redundancy factor (a rank excluded): every access fails
    unclean: bool = False

    @property
    def redundancy_factor(self) -> int:
        for item in self.properties.split(","):
            key, _, value = item.partition(":")
            if key.strip() == "rd_fac" and value.strip().isdigit():
                return int(value)
        return 0


@dataclass
class Pool:
    uuid: str
    label: str
    ranks: list[int]
    svc_reps: list[int]
    tier_bytes: list[int]  # per rank: [SCM, NVMe]
    properties: list[str] = field(default_factory=list)
    owner: str = "root@"
    group: str = "root@"
    containers: list[Container] = field(default_factory=list)
    #: the pool map: its version and the ranks whose targets are out
    version: int = 1
    disabled: list[int] = field(default_factory=list)
    rebuild: str = "idle"  # idle, busy, done
    rebuild_objects: int = 0
    rebuild_records: int = 0

    def find_container(self, ident: str) -> Container | None:
        for cont in self.containers:
            if ident in (cont.uuid, cont.label) or ident.lower() == cont.uuid:
                return cont
        return None


@dataclass
class Member:
    rank: int
    uuid: str


@dataclass
class SystemState:
    name: str
    uuid: str
    members: list[Member] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    version: int = FORMAT_VERSION

    @classmethod
    def new(cls, name: str, ranks: int = 1) -> SystemState:
        return cls(
            name=name,
            uuid=str(uuidlib.uuid4()),
            members=[Member(rank=rank, uuid=str(uuidlib.uuid4())) for rank in range(ranks)],
        )

    def find_pool(self, ident: str) -> Pool | None:
        for pool in self.pools:
            if ident == pool.label or ident.lower() == pool.uuid:
                return pool
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SystemState:
        pools = []
        for raw in data.get("pools", []):
            raw = dict(raw)
            raw["containers"] = [Container(**c) for c in raw.get("containers", [])]
            pools.append(Pool(**raw))
        return cls(
            name=data["name"],
            uuid=data["uuid"],
            members=[Member(**m) for m in data.get("members", [])],
            pools=pools,
            version=int(data.get("version", FORMAT_VERSION)),
        )


def state_path(scm_mount: str) -> Path:
    return Path(scm_mount) / STATE_DIR / STATE_FILE


def load(scm_mount: str) -> SystemState | None:
    """The state on `scm_mount`, or None if there is none (format required)."""
    path = state_path(scm_mount)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return SystemState.from_dict(data)


def save(scm_mount: str, state: SystemState) -> None:
    path = state_path(scm_mount)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as out:
        json.dump(state.to_dict(), out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def erase(scm_mount: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        state_path(scm_mount).unlink()
