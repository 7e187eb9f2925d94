"""The three DAOS configuration files, loaded strictly like DAOS does (all releases).

An unknown key anywhere (top level, engine entry, storage tier, transport_config...) is an
error, and so is a value of the wrong kind; both are reported as go-yaml reports them:
`line N: field foo not found in type config.Server`. Each release has its own key set
(SCHEMAS): 2.0 and 2.4 read an engine's storage from the flat `scm_class`, `scm_mount`...
keys or from the `storage:` tier list, 2.6 only from the list; `allow_thp` is 2.6 only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

from .errors import go_quote
from .releases import Release

# A schema is a mapping key -> kind; a kind is a scalar name, ("list", kind) or a Schema.
Kind = Union[str, tuple[str, Any], "Schema"]


@dataclass(frozen=True)
class Schema:
    gotype: str
    fields: dict[str, Kind]


_TRANSPORT_SERVER = Schema(
    "security.TransportConfig",
    {
        "allow_insecure": "bool",
        "client_cert_dir": "str",
        "ca_cert": "str",
        "cert": "str",
        "key": "str",
    },
)
_TRANSPORT_CLIENT = Schema(
    "security.TransportConfig",
    {
        "allow_insecure": "bool",
        "ca_cert": "str",
        "cert": "str",
        "key": "str",
    },
)

_TIER_FIELDS_20: dict[str, Kind] = {
    "class": "str",
    "scm_mount": "str",
    "scm_size": "int",
    "scm_list": ("list", "str"),
    "bdev_list": ("list", "str"),
    "bdev_number": "int",
    "bdev_size": "int",
}
_TIER_FIELDS_24: dict[str, Kind] = {
    **_TIER_FIELDS_20,
    "scm_hugepages_disabled": "bool",
    "bdev_busid_range": "str",
    "bdev_roles": ("list", "str"),
}
_TIER_20 = Schema("storage.TierConfig", _TIER_FIELDS_20)
_TIER_24 = Schema("storage.TierConfig", _TIER_FIELDS_24)

#: the flat per-engine storage keys of 2.0 (engine.LegacyStorage), still accepted by 2.4
_LEGACY_STORAGE_20: dict[str, Kind] = {
    "scm_class": "str",
    "scm_mount": "str",
    "scm_size": "int",
    "scm_list": ("list", "str"),
    "bdev_class": "str",
    "bdev_list": ("list", "str"),
    "bdev_number": "int",
    "bdev_size": "int",
}
_LEGACY_STORAGE_24: dict[str, Kind] = {
    **_LEGACY_STORAGE_20,
    "scm_hugepages_disabled": "bool",
    "bdev_busid_range": "str",
    "bdev_roles": ("list", "str"),
}

_ENGINE_COMMON: dict[str, Kind] = {
    "modules": "str",
    "targets": "int",
    "nr_xs_helpers": "int",
    "first_core": "int",
    "pinned_numa_node": "int",
    "fabric_iface": "str",
    "fabric_iface_port": "int",
    "provider": "str",
    "log_file": "str",
    "log_mask": "str",
    "env_vars": ("list", "str"),
    "env_pass_through": ("list", "str"),
    "crt_timeout": "int",
    "bypass_health_chk": "bool",
}
_ENGINE_20 = Schema(
    "engine.Config",
    {
        **_ENGINE_COMMON,
        "rank": "int",
        "crt_ctx_share_addr": "int",
        **_LEGACY_STORAGE_20,
        "storage": ("list", _TIER_20),
    },
)
_ENGINE_24 = Schema(
    "engine.Config",
    {
        **_ENGINE_COMMON,
        "crt_ctx_share_addr": "int",
        "disable_srx": "bool",
        "fabric_auth_key": "str",
        **_LEGACY_STORAGE_24,
        "storage": ("list", _TIER_24),
    },
)
_ENGINE_26 = Schema(
    "engine.Config",
    {
        **_ENGINE_COMMON,
        "disable_srx": "bool",
        "fabric_auth_key": "str",
        "secondary_provider_endpoints": ("list", "str"),
        "storage": ("list", _TIER_24),
    },
)

_SERVER_COMMON: dict[str, Kind] = {
    "name": "str",
    "access_points": ("list", "str"),
    "port": "int",
    "provider": "str",
    "fabric_iface": "str",
    "fabric_iface_port": "int",
    "crt_timeout": "int",
    "socket_dir": "str",
    "control_log_mask": "str",
    "control_log_file": "str",
    "control_log_json": "bool",
    "helper_log_file": "str",
    "firmware_helper_log_file": "str",
    "transport_config": _TRANSPORT_SERVER,
    "nr_hugepages": "int",
    "fault_path": "str",
    "fault_cb": "str",
    "hyperthreads": "bool",
    "telemetry_port": "int",
    "disable_vfio": "bool",
    "enable_hotplug": "bool",
    "bdev_exclude": ("list", "str"),
}
#: 2.0's keys that 2.4 still reads (config.ServerLegacy) and 2.6 does not
_SERVER_LEGACY: dict[str, Kind] = {"enable_vmd": "bool", "recreate_superblocks": "bool"}
_SERVER_20 = Schema(
    "config.Server",
    {
        **_SERVER_COMMON,
        "servers": ("list", _ENGINE_20),
        "engines": ("list", _ENGINE_20),
        "bdev_include": ("list", "str"),
        **_SERVER_LEGACY,
    },
)
_SERVER_24_FIELDS: dict[str, Kind] = {
    **_SERVER_COMMON,
    "engines": ("list", _ENGINE_24),
    "system_ram_reserved": "int",
    "disable_hugepages": "bool",
    "disable_vmd": "bool",
    "control_metadata": Schema("storage.ControlMetadata", {"path": "str", "device": "str"}),
    "core_dump_filter": "int",
    "client_env_vars": ("list", "str"),
}
_SERVER_24 = Schema(
    "config.Server",
    {
        **_SERVER_24_FIELDS,
        "servers": ("list", _ENGINE_24),
        **_SERVER_LEGACY,
    },
)
_SERVER_26 = Schema(
    "config.Server",
    {**_SERVER_24_FIELDS, "engines": ("list", _ENGINE_26), "allow_thp": "bool"},
)

#: daos_agent's own types live in its main package (src/control/cmd/daos_agent)
_FABRIC_IFACES = Schema(
    "main.NUMAFabricConfig",
    {
        "numa_node": "int",
        "devices": (
            "list",
            Schema("main.FabricInterfaceConfig", {"iface": "str", "domain": "str"}),
        ),
    },
)

_AGENT_20_FIELDS: dict[str, Kind] = {
    "name": "str",
    "access_points": ("list", "str"),
    "port": "int",
    "runtime_dir": "str",
    "log_file": "str",
    "transport_config": _TRANSPORT_CLIENT,
    "fabric_ifaces": ("list", _FABRIC_IFACES),
}
_AGENT_24_FIELDS: dict[str, Kind] = {
    **_AGENT_20_FIELDS,
    "control_log_mask": "str",
    "disable_caching": "bool",
    "cache_expiration": "int",
    "disable_auto_evict": "bool",
    "exclude_fabric_ifaces": ("list", "str"),
}
_AGENT_20 = Schema("main.Config", _AGENT_20_FIELDS)
_AGENT_24 = Schema("main.Config", _AGENT_24_FIELDS)
_AGENT_26 = Schema(
    "main.Config",
    {
        **_AGENT_24_FIELDS,
        "enable_evict_on_start": "bool",
        "telemetry_port": "int",
        "telemetry_enabled": "bool",
        "telemetry_retain": "str",
    },
)

_CONTROL = Schema(
    "control.Config",
    {
        "name": "str",
        "hostlist": ("list", "str"),
        "port": "int",
        "transport_config": _TRANSPORT_CLIENT,
    },
)

#: per release series: (server, agent, control) schemas (the yaml tags of v2.0.3, v2.4.2, v2.6.5)
SCHEMAS: dict[tuple[int, int], tuple[Schema, Schema, Schema]] = {
    (2, 0): (_SERVER_20, _AGENT_20, _CONTROL),
    (2, 4): (_SERVER_24, _AGENT_24, _CONTROL),
    (2, 6): (_SERVER_26, _AGENT_26, _CONTROL),
}


class ConfigError(Exception):
    pass


class ConfigReadError(ConfigError):
    """The file could not be read (missing, a directory, not permitted)."""


_TAG_NAMES = {
    "tag:yaml.org,2002:str": "!!str",
    "tag:yaml.org,2002:int": "!!int",
    "tag:yaml.org,2002:bool": "!!bool",
    "tag:yaml.org,2002:float": "!!float",
    "tag:yaml.org,2002:null": "!!null",
    "tag:yaml.org,2002:map": "!!map",
    "tag:yaml.org,2002:seq": "!!seq",
}
_GO_KINDS = {"str": "string", "int": "int", "bool": "bool"}


def _go_type(kind: Kind) -> str:
    if isinstance(kind, Schema):
        return kind.gotype
    if isinstance(kind, tuple):
        return "[]" + _go_type(kind[1])
    return _GO_KINDS[kind]


def _check(node: yaml.Node, kind: Kind, errors: list[str]) -> None:
    line = node.start_mark.line + 1
    tag = _TAG_NAMES.get(node.tag, node.tag)
    if tag == "!!null":
        return
    if isinstance(kind, Schema):
        if not isinstance(node, yaml.MappingNode):
            errors.append(f"line {line}: cannot unmarshal {tag} into {kind.gotype}")
            return
        for key_node, value_node in node.value:
            key = key_node.value
            if key not in kind.fields:
                errors.append(
                    f"line {key_node.start_mark.line + 1}: field {key} not found "
                    f"in type {kind.gotype}"
                )
                continue
            _check(value_node, kind.fields[key], errors)
        return
    if isinstance(kind, tuple):
        if not isinstance(node, yaml.SequenceNode):
            errors.append(f"line {line}: cannot unmarshal {tag} into {_go_type(kind)}")
            return
        for item in node.value:
            _check(item, kind[1], errors)
        return
    if not isinstance(node, yaml.ScalarNode):
        errors.append(f"line {line}: cannot unmarshal {tag} into {_go_type(kind)}")
    elif kind == "int" and tag != "!!int":
        errors.append(f"line {line}: cannot unmarshal {tag} `{node.value}` into int")
    elif kind == "bool" and tag != "!!bool":
        errors.append(f"line {line}: cannot unmarshal {tag} `{node.value}` into bool")


def os_error(op: str, path: str | os.PathLike[str], exc: OSError) -> str:
    """An OS error as Go's *PathError prints it: `stat /x: no such file or directory`."""
    return f"{op} {path}: {(exc.strerror or str(exc)).lower()}"


def load_strict(path: str | os.PathLike[str], schema: Schema, context: str = "") -> dict[str, Any]:
    """The YAML mapping in `path`, or ConfigError naming every unknown key / bad value.

    A YAML error reads `yaml: unmarshal errors:...`, after `context: ` if given; an unreadable
    file `open PATH: <errno text>`."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigReadError(os_error("open", path, exc)) from None
    prefix = f"{context}: " if context else ""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{prefix}yaml: {exc}") from None
    if node is None:
        return {}
    errors: list[str] = []
    _check(node, schema, errors)
    if errors:
        raise ConfigError(f"{prefix}yaml: unmarshal errors:\n  " + "\n  ".join(errors))
    if not isinstance(data, dict):
        raise ConfigError(f"{prefix}not a mapping")
    return data


# --- typed views ------------------------------------------------------------------------

#: where dmg and daos_agent look for their certificates when their configuration does not
#: say (security.Default{Client,Agent}TransportConfig: certificates enabled)
CERT_DIR = "/etc/daos/certs/"
DEFAULT_CA_CERT = CERT_DIR + "daosCA.crt"
DEFAULT_ADMIN_CERT = CERT_DIR + "admin.crt"
DEFAULT_ADMIN_KEY = CERT_DIR + "admin.key"
DEFAULT_AGENT_CERT = CERT_DIR + "agent.crt"
DEFAULT_AGENT_KEY = CERT_DIR + "agent.key"


@dataclass(frozen=True)
class Transport:
    """transport_config: without allow_insecure, the CA, a certificate and its key are needed."""

    allow_insecure: bool
    ca_cert: str
    cert: str
    key: str


def _transport(raw: dict[str, Any], cert: str, key: str) -> Transport:
    given = raw.get("transport_config") or {}
    return Transport(
        allow_insecure=bool(given.get("allow_insecure", False)),
        ca_cert=str(given.get("ca_cert", DEFAULT_CA_CERT) or ""),
        cert=str(given.get("cert", cert) or ""),
        key=str(given.get("key", key) or ""),
    )


@dataclass(frozen=True)
class Tier:
    cls: str
    scm_mount: str = ""
    scm_size: int = 0
    bdev_list: tuple[str, ...] = ()
    bdev_size: int = 0


@dataclass(frozen=True)
class Engine:
    targets: int
    nr_xs_helpers: int
    first_core: int
    fabric_iface: str
    fabric_iface_port: int
    provider: str
    log_file: str
    log_mask: str
    env_vars: tuple[str, ...]
    env_pass_through: tuple[str, ...]
    scm: Tier
    bdevs: tuple[Tier, ...]

    @property
    def bdev_files(self) -> list[str]:
        return [path for tier in self.bdevs for path in tier.bdev_list]

    @property
    def bdev_bytes(self) -> int:
        return sum(tier.bdev_size * 1024**3 * len(tier.bdev_list) for tier in self.bdevs)


@dataclass(frozen=True)
class ServerConfig:
    path: str
    name: str
    access_points: tuple[str, ...]
    port: int
    provider: str
    socket_dir: str
    control_log_file: str
    nr_hugepages: int
    disable_hugepages: bool
    allow_thp: bool
    engines: tuple[Engine, ...]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class AgentConfig:
    path: str
    name: str
    access_points: tuple[str, ...]
    port: int
    runtime_dir: str
    log_file: str
    transport: Transport


@dataclass(frozen=True)
class ControlConfig:
    path: str | None
    name: str
    hostlist: tuple[str, ...]
    port: int
    transport: Transport


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value or ()))


def _legacy_tiers(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The flat 2.0 storage keys of an engine as `storage:` tiers (what 2.0/2.4 do)."""
    tiers: list[dict[str, Any]] = []
    if raw.get("scm_class"):
        tiers.append(
            {"class": raw["scm_class"], "scm_mount": raw.get("scm_mount"),
             "scm_size": raw.get("scm_size")}
        )  # fmt: skip
    if raw.get("bdev_class"):
        tiers.append(
            {"class": raw["bdev_class"], "bdev_list": raw.get("bdev_list"),
             "bdev_size": raw.get("bdev_size")}
        )  # fmt: skip
    return tiers


def _engine(index: int, raw: dict[str, Any], provider: str) -> Engine:
    where = f"engine {index}"
    legacy = _legacy_tiers(raw)
    if legacy and raw.get("storage"):
        raise ConfigError(
            f"I/O Engine {index} failed config validation: storage tiers and legacy "
            "scm_class/bdev_class keys may not both be set"
        )
    tiers = legacy or raw.get("storage") or []
    if not tiers:
        raise ConfigError(f"{where}: no storage tiers configured")
    parsed: list[Tier] = []
    for n, tier in enumerate(tiers):
        tier = tier or {}
        cls = str(tier.get("class", ""))
        if n == 0:
            if cls != "ram":
                raise ConfigError(
                    f"{where}: storage tier 0: class {cls!r} is not supported by "
                    "the pytest-daos sim (use class: ram)"
                )
            if not tier.get("scm_mount") or not tier.get("scm_size"):
                raise ConfigError(
                    f"{where}: storage tier 0: scm_mount and scm_size must be set for class ram"
                )
            parsed.append(
                Tier("ram", scm_mount=str(tier["scm_mount"]), scm_size=int(tier["scm_size"]))
            )
        else:
            if cls != "file":
                raise ConfigError(
                    f"{where}: storage tier {n}: class {cls!r} is not supported by "
                    "the pytest-daos sim (use class: file)"
                )
            if not tier.get("bdev_list") or not tier.get("bdev_size"):
                raise ConfigError(
                    f"{where}: storage tier {n}: bdev_list and bdev_size must be set for class file"
                )
            parsed.append(
                Tier("file", bdev_list=_strs(tier["bdev_list"]), bdev_size=int(tier["bdev_size"]))
            )
    targets = int(raw.get("targets") or 0)
    if targets < 1:
        raise ConfigError(f"{where}: targets must be set (at least 1)")
    return Engine(
        targets=targets,
        nr_xs_helpers=int(raw.get("nr_xs_helpers") or 0),
        first_core=int(raw.get("first_core") or 0),
        fabric_iface=str(raw.get("fabric_iface") or "lo"),
        fabric_iface_port=int(raw.get("fabric_iface_port") or 31416),
        provider=str(raw.get("provider") or provider),
        log_file=str(raw.get("log_file") or "/tmp/daos_engine.0.log"),
        log_mask=str(raw.get("log_mask") or "INFO"),
        env_vars=_strs(raw.get("env_vars")),
        env_pass_through=_strs(raw.get("env_pass_through")),
        scm=parsed[0],
        bdevs=tuple(parsed[1:]),
    )


def _check_multi_engine(engines: tuple[Engine, ...]) -> None:
    """validateMultiEngineConfig: each engine its own fabric port, log file, SCM mount and
    bdev files (the fault descriptions of DAOS's config/faults.go)."""
    for index, engine in enumerate(engines):
        for seen in range(index):
            other = engines[seen]
            fabric = (engine.provider, engine.fabric_iface, engine.fabric_iface_port)
            if fabric == (other.provider, other.fabric_iface, other.fabric_iface_port):
                raise ConfigError(
                    f"the fabric configuration in I/O Engine {index} is a duplicate of I/O "
                    f"Engine {seen}"
                )
            for name, mine, theirs in (
                ("log_file", engine.log_file, other.log_file),
                ("scm_mount", engine.scm.scm_mount, other.scm.scm_mount),
            ):
                if mine == theirs:
                    raise ConfigError(
                        f"the {name} value in I/O Engine {index} is a duplicate of I/O Engine "
                        f"{seen}"
                    )
            if set(engine.bdev_files) & set(other.bdev_files):
                raise ConfigError(
                    f"the bdev_list value in engine {index} overlaps with entries in engine {seen}"
                )


def load_server(path: str, rel: Release) -> ServerConfig:
    context = "parse failed" if rel.series < (2, 4) else f"parse of {go_quote(path)} failed"
    context += (
        "; config contains invalid parameters and may be out of date, see server config examples"
    )
    try:  # config.Server.SetPath stats the file before Load reads it
        os.stat(path)
    except OSError as exc:
        raise ConfigError(os_error("stat", path, exc)) from None
    raw = load_strict(path, SCHEMAS[rel.series][0], context)
    provider = str(raw.get("provider") or "")
    engines_raw = raw.get("engines") or raw.get("servers") or []
    if not provider and not any((e or {}).get("provider") for e in engines_raw):
        raise ConfigError("provider not specified in config")
    engines = tuple(_engine(i, e or {}, provider) for i, e in enumerate(engines_raw))
    _check_multi_engine(engines)
    return ServerConfig(
        path=path,
        name=str(raw.get("name") or "daos_server"),
        access_points=_strs(raw.get("access_points")) or ("localhost",),
        port=int(raw.get("port") or 10001),
        provider=provider or (engines[0].provider if engines else ""),
        socket_dir=str(raw.get("socket_dir") or "/var/run/daos_server"),
        control_log_file=str(raw.get("control_log_file") or ""),
        nr_hugepages=int(raw.get("nr_hugepages") or 0),
        disable_hugepages=bool(raw.get("disable_hugepages")),
        allow_thp=bool(raw.get("allow_thp")),
        engines=engines,
        raw=raw,
    )


def load_agent(path: str, rel: Release) -> AgentConfig:
    """daos_agent's LoadConfig: 2.6 wraps the read error (`reading config file`) and the
    YAML error (`parsing config: PATH`); 2.0 and 2.4 return both bare."""
    newer = rel.series >= (2, 6)
    try:
        raw = load_strict(path, SCHEMAS[rel.series][1], f"parsing config: {path}" if newer else "")
    except ConfigReadError as exc:
        if newer:
            raise ConfigError(f"reading config file: {exc}") from None
        raise
    return AgentConfig(
        path=path,
        name=str(raw.get("name") or "daos_server"),
        access_points=_strs(raw.get("access_points")) or ("localhost",),
        port=int(raw.get("port") or 10001),
        runtime_dir=str(raw.get("runtime_dir") or "/var/run/daos_agent"),
        log_file=str(raw.get("log_file") or "/tmp/daos_agent.log"),
        transport=_transport(raw, DEFAULT_AGENT_CERT, DEFAULT_AGENT_KEY),
    )


def load_control(path: str | None, rel: Release) -> ControlConfig:
    """dmg's config: `path`, else ~/.daos_control.yml, else /etc/daos/daos_control.yml; with
    none of them dmg goes on with the defaults (certificates enabled)."""
    if path is None:
        for candidate in (Path.home() / ".daos_control.yml", Path("/etc/daos/daos_control.yml")):
            if candidate.is_file():
                path = str(candidate)
                break
    if path is None:
        defaults = _transport({}, DEFAULT_ADMIN_CERT, DEFAULT_ADMIN_KEY)
        return ControlConfig(None, "daos_server", ("localhost",), 10001, defaults)
    try:
        empty = os.path.getsize(path) == 0
    except OSError:
        empty = False  # load_strict reports it
    if empty:
        raise ConfigError(f"empty config file: {path}")
    raw = load_strict(path, SCHEMAS[rel.series][2])
    return ControlConfig(
        path=path,
        name=str(raw.get("name") or "daos_server"),
        hostlist=_strs(raw.get("hostlist")) or ("localhost",),
        port=int(raw.get("port") or 10001),
        transport=_transport(raw, DEFAULT_ADMIN_CERT, DEFAULT_ADMIN_KEY),
    )
