"""One frozen `Settings`, resolved once: command line > ini > environment > default.

The options themselves, their three names and their parsers are the table `OPTIONS`
(`options.py`); what a DAOS release needs is in `releases.py`. Here the options become
`Settings`, and the settings a cluster fixture asks for (`daos_cluster(engines=2)`) are put
on top of them; both are checked together, so a combination that cannot run fails at once,
in one line naming where its values came from.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PytestDaosError
from .options import OPTIONS, RECIPES, Option, register_options
from .releases import (
    HUGEPAGES_PER_ENGINE,
    SCM_MINIMUM_GIB,
    SUPPORTED_VERSIONS,
    Fix,
    engines_problem,
    option_fix,
    percentage_pool_sizes,
)

__all__ = [
    "HUGEPAGES_PER_ENGINE",
    "OPTIONS",
    "RECIPES",
    "SCM_MINIMUM_GIB",
    "SUPPORTED_VERSIONS",
    "Getter",
    "Option",
    "Settings",
    "SettingsError",
    "apply_overrides",
    "default_state_dir",
    "engines_problem",
    "register_options",
    "resolve",
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
    pool_size: str = _default("pool_size")
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
    option: Option, cli: Getter, ini: Getter, environ: Mapping[str, str]
) -> tuple[str, str | bool | list[str]] | None:
    """What the first of the command line, the ini file and the environment that gives
    `option` gives: ("source=value", the value as given), or None."""
    for source, raw in (
        (option.cli, cli(option)),
        (f"ini key {option.ini}", ini(option)),
        (f"environment variable {option.env}", environ.get(option.env)),
    ):
        if raw is not None and raw != "" and raw != []:
            shown = " ".join(raw) if isinstance(raw, list) else raw
            return f"{source}={shown}", raw
    return None


def resolve(cli: Getter, ini: Getter, environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve every option: command line, then ini, then environment, then default.

    `cli` and `ini` return None (or "" for an unset ini key) when the option is not given
    there; a command-line switch returns True when given. Raises SettingsError naming the
    source of a bad value.
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    given: dict[str, str] = {}  # option name -> "source=value", for messages
    for option in OPTIONS:
        found = _given(option, cli, ini, environ)
        if found is None:
            if option.default is not None:
                values[option.name] = option.parse(option.default)
            continue
        given[option.name], raw = found
        try:
            if option.multiple:
                items = raw.split() if isinstance(raw, str) else list(raw)  # type: ignore[arg-type]
                values[option.name] = tuple(option.parse(str(item)) for item in items)
            else:
                values[option.name] = option.parse(str(raw))
        except ValueError as exc:
            raise SettingsError(f"{given[option.name]}: {exc}") from None
    _check_together(values, given, option_fix)
    if "build_arg" in values:
        values["build_args"] = values.pop("build_arg")
    if values.get("state_dir") is not None:
        values["state_dir"] = Path(values["state_dir"])
    else:
        values.pop("state_dir", None)
    return Settings(**values)


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
    _check_together(
        {**dataclasses.asdict(settings), **values}, given, lambda name, value: f"{name}={value}"
    )
    return dataclasses.replace(settings, **values)
