"""`daos`, the DAOS client tool: argv per DAOS release, typed results of its `-j` output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..releases import series
from .dmg import DaosArgumentError, Properties, check_label, format_properties
from .envelope import JsonTool, answer_texts

#: Container types `daos container create --type` knows (case-insensitive), all releases.
CONTAINER_TYPES = (
    "POSIX", "HDF5", "PYTHON", "SPARK", "DATABASE", "DB", "ROOT", "RNTUPLE", "SEISMIC", "DSG",
    "METEO", "FDB",
)  # fmt: skip


@dataclass(frozen=True)
class ContainerInfo:
    """What `daos container create|query` answered."""

    pool_uuid: str
    uuid: str
    label: str
    type: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContainerInfo:
        keys = {"uuid": "container_uuid", "label": "container_label", "type": "container_type"}
        return cls(**answer_texts(data, ("pool_uuid", "uuid"), ("label", "type"), keys))


def container_create_argv(
    version: str,
    pool: str,
    label: str | None,
    type: str,
    properties: Properties | None = None,
    oclass: str | None = None,
) -> list[str]:
    """argv (after `daos -j`) creating a container: `--label` in 2.0, a positional from 2.4.

    `oclass` is the object class of its objects (`RP_2G1`: two replicas); from 2.4 its
    directories get it too (`--dir-oclass`), so that the tree survives as its files do.

    The label is checked against DAOS's rule first; the positionals follow `--`, so that
    neither is ever read as an option."""
    if type.upper() not in CONTAINER_TYPES:
        known = ", ".join(CONTAINER_TYPES)
        raise DaosArgumentError(f"unknown container type {type!r}: use one of {known}")
    if label is not None:
        check_label(label)
    positional = [pool]
    argv = ["container", "create"]
    if label is not None:
        if series(version) < (2, 4):
            argv.append(f"--label={label}")
        else:
            positional.append(label)
    argv.append(f"--type={type}")
    formatted = format_properties(properties)
    if formatted is not None:
        argv.append(f"--properties={formatted}")
    if oclass is not None:
        if not re.fullmatch(r"[A-Z0-9_]+", oclass):
            raise DaosArgumentError(f"{oclass!r} is not a DAOS object class such as RP_2G1")
        argv.append(f"--oclass={oclass}")
        if series(version) >= (2, 4):
            argv.append(f"--dir-oclass={oclass}")
    return [*argv, "--", *positional]


def dfuse_argv(version: str, mountpoint: str, pool: str, container: str) -> list[str]:
    """argv mounting a container with dfuse: flags in 2.0, positionals from 2.4."""
    if series(version) < (2, 4):
        return ["dfuse", f"--mountpoint={mountpoint}", f"--pool={pool}", f"--container={container}"]
    return ["dfuse", mountpoint, pool, container]


def container_ids(version: str, item: dict[str, Any]) -> tuple[str, str]:
    """(uuid, label) of one `daos container list` entry (2.0 spells the keys UUID/Label)."""
    if series(version) < (2, 4):
        return str(item["UUID"]), str(item.get("Label", ""))
    return str(item["uuid"]), str(item.get("label", ""))


class Daos(JsonTool):
    """Runs `daos -j ...` through a transport (the client node, where daos_agent runs)."""

    program = "daos"

    def pool_query(self, pool: str) -> dict[str, Any]:
        response: dict[str, Any] = self("pool", "query", pool)
        return response

    def container_create(
        self, pool: str, label: str | None = None, type: str = "POSIX",
        properties: Properties | None = None, oclass: str | None = None,
    ) -> ContainerInfo:  # fmt: skip
        argv = container_create_argv(self.version, pool, label, type, properties, oclass)
        return ContainerInfo.from_json(self(*argv))

    def container_list(self, pool: str) -> list[tuple[str, str]]:
        """(uuid, label) of every container in the pool."""
        response = self("container", "list", pool)
        return [container_ids(self.version, item) for item in response or []]

    def container_query(self, pool: str, container: str) -> ContainerInfo:
        return ContainerInfo.from_json(self("container", "query", pool, container))

    def container_destroy(self, pool: str, container: str, *, force: bool = False) -> None:
        self("container", "destroy", pool, container, *(["--force"] if force else []))
