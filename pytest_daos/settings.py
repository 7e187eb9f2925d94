"""One frozen `Settings`, resolved once: command line > environment > ini > default.

The options themselves, their three names and their parsers are the table `OPTIONS`
(`options.py`); what a DAOS release needs is in `releases.py`. Here the options become
`Settings`, and the settings a cluster fixture asks for (`daos_cluster(engines=2)`) are put
on top of them; both are checked together, so a combination that cannot run fails at once,
in one line naming where its values came from. The environment beats the ini file as in
pytest's ecosystem (`PYTEST_ADDOPTS`, pytest-timeout's `PYTEST_TIMEOUT`): a tox `set_env`
or a CI job's variable overrides what the project's ini file says.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import PytestDaosError
from .options import OPTIONS, RECIPES, Option, register_options
from .releases import (
    HUGEPAGES_PER_ENGINE,
    POOL_GB_PER_TARGET,
    SCM_MINIMUM_GIB,
    SUPPORTED_VERSIONS,
    TARGETS_PER_ENGINE,
    Fix,
    default_pool_size,
    engines_problem,
    option_fix,
    percentage_pool_sizes,
)

__all__ = [
    "HUGEPAGES_PER_ENGINE",
    "OPTIONS",
    "RECIPES",
    "RUN_SETTINGS",
    "SCM_MINIMUM_GIB",
    "SUPPORTED_VERSIONS",
    "Getter",
    "Option",
    "Settings",
    "SettingsError",
    "apply_overrides",
    "default_state_dir",
    "derived_settings",
    "differences",
    "engines_problem",
    "given_as",
    "given_settings",
    "register_options",
    "resolve",
    "shown_values",
]


class SettingsError(PytestDaosError, ValueError):
    """A setting has a value that cannot work; the message names the source and the fix."""


def _default(name: str) -> Any:
    """The parsed default of option `name`: written once, in OPTIONS."""
    option = next(option for option in OPTIONS if option.name == name)
    return None if option.default is None else option.parse(option.default)


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one pytest-daos session (defaults: those of OPTIONS)."""

    iface: str | None = _default("iface")
    version: str = _default("version")
    recipe: str = _default("recipe")
    build_args: tuple[tuple[str, str], ...] = ()
    prefix: str = ""
    local_base_image: str = _default("local_base_image")
    sim_base_image: str = ""  # none named: chosen by cluster/recipes/sim_base.py
    sim_join_delay: float = _default("sim_join_delay")
    sim_fault_delay: float = _default("sim_fault_delay")
    engines: int = _default("engines")
    scm_size: int = _default("scm_size")
    bdev_size: int = _default("bdev_size")
    hugepages: int = _default("hugepages")
    prefetch: int = _default("prefetch")
    #: "" (not given): the default for the engines (`releases.default_pool_size`)
    pool_size: str = ""
    privileged: str = _default("privileged")
    start_timeout: float = _default("start_timeout")
    rebuild: bool = _default("rebuild")
    required: bool = _default("required")
    system: str = _default("system")
    dmg: str = ""
    cmd: str = ""
    remote_shell: str = _default("remote_shell")
    keep: bool = _default("keep")
    reuse: bool = _default("reuse")
    state_dir: Path = field(default_factory=lambda: default_state_dir())
    #: where each setting not left at its default came from, by option name: its
    #: command-line option, environment variable or ini file (`given_settings` shows
    #: them); not part of what makes two settings equal, nor of their hash or repr
    sources: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.pool_size:  # a frozen dataclass: its own field set once, here
            object.__setattr__(self, "pool_size", default_pool_size(self.engines))

    @property
    def key(self) -> str:
        """Equal for runs of equal settings (a failed start fails them all at once)."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


def default_state_dir() -> Path:
    """`<tmp>/pytest-daos-<uid>`; checked where it is used (`cluster/statedir.py`)."""
    return Path(tempfile.gettempdir()) / f"pytest-daos-{os.getuid()}"


Getter = Callable[[Option], "str | bool | list[str] | None"]


def _check_together(values: Mapping[str, Any], given: Mapping[str, str], fix: Fix) -> None:
    """Settings that are fine alone but not with each other. `given` tells where a value
    came from ("--daos-engines=2"), for the message; `fix` spells the setting to change."""
    version = str(values.get("version", "2.6"))
    problem = engines_problem(
        int(values.get("engines", 1)), int(values.get("hugepages", HUGEPAGES_PER_ENGINE)),
        int(values.get("scm_size", SCM_MINIMUM_GIB)), version, fix,
    )  # fmt: skip
    if problem is not None:
        source = _source(given, "engines", "hugepages", "scm_size")
        raise SettingsError(f"{source}: {problem}")
    if values.get("system", "docker") != "existing" and (values.get("dmg") or values.get("cmd")):
        raise SettingsError(
            "--daos-dmg and --daos-cmd reach an existing DAOS system: add --daos-system=existing"
        )
    if values.get("system", "docker") != "existing" and values.get("remote_shell") != "auto":
        raise SettingsError(
            "--daos-remote-shell says how --daos-dmg and --daos-cmd reach an existing DAOS "
            "system: add --daos-system=existing"
        )
    if str(values.get("pool_size", "")).endswith("%") and not percentage_pool_sizes(version):
        source = _source(given, "pool_size", "version")
        raise SettingsError(
            f"{source}: DAOS {version} has no percentage pool sizes (2.4 and later have): use a "
            "size such as 2G"
        )


def _source(given: Mapping[str, str], *names: str) -> str:
    """Where the first of `names` that was given came from, else the first name."""
    return next((given[name] for name in names if name in given), names[0])


def _given(
    option: Option,
    cli: Getter,
    environ: Mapping[str, str],
    ini: Getter,
    ini_source: Callable[[Option], str],
) -> tuple[str, str, str | bool | list[str]] | None:
    """What the first of the command line, the environment and the ini file that gives
    `option` gives: (where, for people: "--daos-version", "PYTEST_DAOS_VERSION" or the ini
    file; "source=value", for a message; the value as given), or None."""
    for where, source, raw in (
        (option.cli, option.cli, cli(option)),
        (option.env, f"environment variable {option.env}", environ.get(option.env)),
        (ini_source(option), f"ini key {option.ini}", ini(option)),
    ):
        if raw is not None and raw != "" and raw != []:
            shown = " ".join(raw) if isinstance(raw, list) else raw
            return where, f"{source}={shown}", raw
    return None


def _parsed(option: Option, raw: str | bool | list[str]) -> Any:
    """The value of `option` given as `raw` (a repeatable option's: a tuple of items)."""
    if option.multiple:
        items = raw.split() if isinstance(raw, str) else list(raw)  # type: ignore[arg-type]
        return tuple(option.parse(str(item)) for item in items)
    return option.parse(str(raw))


def resolve(
    cli: Getter,
    ini: Getter,
    environ: Mapping[str, str] | None = None,
    ini_source: Callable[[Option], str] = lambda option: "the ini file",
) -> Settings:
    """Resolve every option: command line, then environment, then ini file, then default.

    `cli` and `ini` return None (or "" or [] for an unset ini key) when the option is not
    given there; a command-line switch returns True when given, an ini boolean True or
    False. `ini_source` names where the ini file's value of an option came from (the
    file, for `Settings.sources`). Raises SettingsError naming the source of a bad value.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    given: dict[str, str] = {}  # option name -> "source=value", for messages
    sources: dict[str, str] = {}  # option name -> where it came from, for people
    for option in OPTIONS:
        found = _given(option, cli, environ, ini, ini_source)
        if found is None:
            if option.default is not None:
                values[option.name] = option.parse(option.default)
            continue
        sources[option.name], given[option.name], raw = found
        try:
            values[option.name] = _parsed(option, raw)
        except ValueError as exc:
            raise SettingsError(f"{given[option.name]}: {exc}") from None
    _check_together(values, given, option_fix)
    if "build_arg" in values:
        values["build_args"] = values.pop("build_arg")
    if values.get("state_dir") is not None:
        values["state_dir"] = Path(values["state_dir"])
    else:
        values.pop("state_dir", None)
    return Settings(**values, sources=MappingProxyType(sources))


#: The settings that say how a run uses a cluster, not which cluster it is: a kept
#: cluster serves runs that differ in these.
RUN_SETTINGS = frozenset(
    {"pool_size", "prefetch", "start_timeout", "rebuild", "required", "keep", "reuse",
     "state_dir", "system", "dmg", "cmd", "remote_shell"}
)  # fmt: skip


def _shown(value: Any) -> str:
    """A setting's value as people write it: `true`, `300`, `A=1 B=2`, `(none)`."""
    if value is None or value == "" or value == ():
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return " ".join("=".join(item) for item in value)
    return str(value)


def shown_values(settings: Settings) -> dict[str, str]:
    """Every setting's value as people write it, by option name (a cluster's record keeps
    them, to say later what differs)."""
    return {option.name: _shown(getattr(settings, _field(option.name))) for option in OPTIONS}


def _field(name: str) -> str:
    """The attribute of Settings that holds option `name`."""
    return "build_args" if name == "build_arg" else name


def given_settings(settings: Settings) -> list[str]:
    """Each setting not left at its default and where it came from, as
    `daos_version=2.0 from PYTEST_DAOS_VERSION`, in the order of OPTIONS."""
    shown = shown_values(settings)
    return [
        f"{option.ini}={shown[option.name]} from {settings.sources[option.name]}"
        for option in OPTIONS
        if option.name in settings.sources
    ]


def derived_settings(settings: Settings) -> list[str]:
    """The settings whose default follows from others, when not given: the session pool's
    size, from the engines (`daos_pool_size=4G (2G per engine)`)."""
    if "pool_size" in settings.sources or settings.system == "existing":
        return []
    per_engine = POOL_GB_PER_TARGET * TARGETS_PER_ENGINE
    return [f"daos_pool_size={settings.pool_size} ({per_engine}G per engine)"]


def given_as(settings: Settings, name: str) -> str:
    """How the user gave setting `name`, for a message: `--daos-iface=nosuch0` on the
    command line, else `daos_iface=nosuch0 from PYTEST_DAOS_IFACE` (or the ini file, or
    a cluster fixture)."""
    option = next(option for option in OPTIONS if option.name == name)
    value, source = shown_values(settings)[name], settings.sources.get(name, "the default")
    if source == option.cli:
        return f"{option.cli}={value}"
    return f"{option.ini}={value} from {source}"


def differences(recorded: Mapping[str, str], settings: Settings) -> list[str]:
    """How the cluster whose settings were `recorded` (`shown_values`) differs from the
    one `settings` would start: `daos_version: 2.6 in the cluster, 2.4 here` for each
    setting (the RUN_SETTINGS left out; one the record does not have is not compared)."""
    here = shown_values(settings)
    return [
        f"{option.ini}: {recorded[option.name]} in the cluster, {here[option.name]} here"
        for option in OPTIONS
        if option.name not in RUN_SETTINGS
        and option.name in recorded
        and recorded[option.name] != here[option.name]
    ]


def apply_overrides(settings: Settings, overrides: Mapping[str, Any]) -> Settings:
    """`settings` with a cluster fixture's arguments on top (`daos_cluster(engines=2)`),
    parsed like the options ("8G", "2.4", ...) and checked together with the rest.

    Raises SettingsError naming the argument: `engines=3: 3 engines need ...`."""
    options = {option.name: option for option in OPTIONS}
    values: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in options or name in ("state_dir", "build_arg"):
            known = ", ".join(sorted(set(options) - {"state_dir", "build_arg"}))
            raise SettingsError(f"unknown cluster setting {name!r} (settings: {known})")
        try:
            values[name] = options[name].parse(str(value))
        except ValueError as exc:
            raise SettingsError(f"{name}={value!r}: {exc}") from None
    given = {name: f"{name}={value!r}" for name, value in overrides.items()}
    current = {field.name: getattr(settings, field.name) for field in dataclasses.fields(settings)}
    _check_together({**current, **values}, given, lambda name, value: f"{name}={value}")
    sources = {**settings.sources, **dict.fromkeys(values, "a cluster fixture")}
    if "pool_size" not in sources and settings.pool_size == default_pool_size(settings.engines):
        values["pool_size"] = ""  # not given: the default of the fixture's engines
    return dataclasses.replace(settings, **values, sources=MappingProxyType(sources))
