"""One frozen `Settings`, resolved once: command line > ini > environment > default.

Every option exists three times with derived names: `--daos-scm-size` on the command line,
`daos_scm_size` in the ini file, `PYTEST_DAOS_SCM_SIZE` in the environment. The table
`OPTIONS` is the single place that names them, so `--help`, the ini keys and the resolver
cannot drift apart.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PytestDaosError
from .sizes import parse_bytes, parse_gib

SUPPORTED_VERSIONS = ("2.0", "2.4", "2.6")
RECIPES = ("upstream", "local", "sim")
PRIVILEGED_MODES = ("auto", "yes", "no")
#: Hugepages one engine takes: about 498 on real DAOS 2.6.5, whatever its `-r` says; two
#: engines with 512 in all both die ("could not allocate spdk_bdev_io pool").
HUGEPAGES_PER_ENGINE = 512
#: The least SCM DAOS 2.4+ accepts per engine (fault 730, "lower than the minimum (4.0 GiB)").
SCM_MINIMUM_GIB = 4
REMOTE_SHELL_MODES = ("auto", "yes", "no")


class SettingsError(PytestDaosError, ValueError):
    """A setting has a value that cannot work; the message names the source and the fix."""


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{text!r} is not a boolean: use true or false")


def _parse_positive_float(text: str) -> float:
    """Seconds: a finite number above 0 (never nan or inf)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{text!r} is not a positive finite number of seconds")
    return value


def _parse_positive_int(text: str) -> int:
    """A whole number, 0 or more, in decimal digits."""
    if not re.fullmatch(r"\s*\d+\s*", text):
        raise ValueError(f"{text!r} is not a whole number (0 or more)")
    return int(text)


def _parse_count(text: str) -> int:
    """A whole number, 1 or more."""
    if _parse_positive_int(text) < 1:
        raise ValueError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
        return text

    return parse


def _check_size(text: str) -> str:
    """A pool size as `dmg pool create --size` takes it: bytes above 0, or N% (1 to 100) of
    the free space, which DAOS 2.4 and later accept (`resolve` refuses it for 2.0)."""
    size = text.strip()
    if size.endswith("%"):
        number = size[:-1].strip()
        if not number.isdigit() or not 0 < int(number) <= 100:
            raise ValueError(f"{text!r} is not a percentage of the free space from 1% to 100%")
        return size
    if parse_bytes(text) <= 0:
        raise ValueError(
            f"{text!r} is not a size above 0: use a size such as 2G (10**9 bytes) or 2GiB"
        )
    return size


def _command_prefix(text: str) -> str:
    """A command prefix (`ssh admin01`): words as a shell splits them, so quotes must close."""
    try:
        shlex.split(text)
    except ValueError as exc:
        raise ValueError(
            f"not a command prefix ({exc}): quote its words as a shell would, e.g. ssh admin01"
        ) from None
    return text.strip()


def _text(text: str) -> str:
    return text.strip()


def _build_arg(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or " " in key.strip():
        raise ValueError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value


@dataclass(frozen=True)
class Option:
    """One setting: its name, how to parse it, its default and its help text."""

    name: str  # attribute of Settings, e.g. "scm_size"
    parse: Callable[[str], Any]
    default: str | None
    help: str
    flag: bool = False  # a command-line switch without a value
    multiple: bool = False  # repeatable; the value is a tuple of parsed items

    @property
    def cli(self) -> str:
        return "--daos-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "daos_" + self.name

    @property
    def env(self) -> str:
        return "PYTEST_DAOS_" + self.name.upper()


OPTIONS: tuple[Option, ...] = (
    Option("iface", _text, None,
           "network interface whose IPv4 address the cluster uses (default: the interface of "
           "the default route, else lo)"),
    Option("version", _choice(SUPPORTED_VERSIONS), "2.6",
           "DAOS release to run: 2.0, 2.4 or 2.6 (2.0.3, 2.4.2, 2.6.5)"),
    Option("recipe", _text, "upstream",
           "image recipe: upstream (the DAOS project's vcluster Dockerfiles, from GitHub), "
           "local (a DAOS install tree on this host, see --daos-prefix), sim (the pytest-daos "
           "stand-in for DAOS, built offline), or the path of a recipe file (TOML, see "
           "docs/recipes.md)"),
    Option("prefix", _text, None,
           "local recipe: the DAOS install tree (the PREFIX of `scons install PREFIX=...`); "
           "its release is read from the tree"),
    Option("local_base_image", _text, "pytest-daos/local-base:bookworm",
           "base image of the local recipe's images (without DAOS's libraries; its glibc as "
           "new as this host's; scripts/host-setup.sh makes the default offline)"),
    Option("build_arg", _build_arg, None,
           "KEY=VALUE build argument for the recipe's images, overriding the recipe's own "
           "(repeatable; in the ini file one per line, in the environment separated by spaces)",
           multiple=True),
    Option("sim_base_image", _text, None,
           "base image of the sim recipe's images (needs python3 and PyYAML, or pip access; "
           "default: python:3.11-slim-bookworm, or where that one is not on this host and "
           "cannot be pulled, pytest-daos/sim-base:bookworm if present, which "
           "scripts/host-setup.sh makes offline)"),
    Option("sim_join_delay", _parse_positive_float, "1",
           "sim recipe: seconds from format to the rank joining (real DAOS 2.6.5: 3 to 10)"),
    Option("sim_fault_delay", _parse_positive_float, "0.2",
           "sim recipe: seconds each wait of a rank fault takes: SWIM declaring the rank dead, "
           "the pool acting on it, each rebuild pass and the pause between passes (real DAOS "
           "2.6.5: 20 to 60 each)"),
    Option("engines", _parse_count, "1",
           "engines (ranks 0..N-1) in the server node; 2 or more for fault drills (stop, kill, "
           "exclude and bring back a rank, see docs/drills.md): each needs a core, "
           "--daos-scm-size GiB of SCM (4 at least) and 512 of --daos-hugepages"),
    Option("scm_size", parse_gib, "4", "SCM (tmpfs) size of each engine, in GiB"),
    Option("bdev_size", parse_gib, "8", "size of the file that emulates NVMe, in GiB"),
    Option("hugepages", _parse_positive_int, "1024",
           "hugepages the server's engines need (nr_hugepages, 512 per engine at least when "
           "there are several); raised on the host if short"),
    Option("prefetch", _parse_positive_int, "2",
           "containers the daos_container fixture keeps ready in each session pool, made "
           "while earlier tests run and destroyed after them in the background (0: made in "
           "each test's own setup; the marker daos_fresh_container does so for one test)"),
    Option("pool_size", _check_size, "2G",
           "size of the session pool (dmg --size: 2G is 2*10**9 bytes, 2GiB is 2*2**30; from "
           "DAOS 2.4 also a percentage of the free space, as dmg takes it)"),
    Option("privileged", _choice(PRIVILEGED_MODES), "auto",
           "run nodes with --privileged (yes), with explicit capabilities and unconfined "
           "profiles (no), or try privileged and fall back (auto)"),
    Option("system", _choice(("docker", "existing")), "docker",
           "docker: the plugin runs the cluster; existing: use a DAOS system someone else "
           "runs, through --daos-dmg and --daos-cmd"),
    Option("dmg", _command_prefix, None,
           "with --daos-system=existing: command prefix that runs dmg (e.g. 'ssh admin01'; "
           "default: dmg on this host)"),
    Option("cmd", _command_prefix, None,
           "with --daos-system=existing: command prefix that runs daos and client commands "
           "(e.g. 'ssh client01'; default: this host)"),
    Option("remote_shell", _choice(REMOTE_SHELL_MODES), "auto",
           "with --daos-system=existing: whether the prefixes hand their command to a shell on "
           "the far side, which then gets it as one quoted string: auto (when the prefix's "
           "program is ssh), yes, no (the words go to the prefix as they are)"),
    Option("start_timeout", _parse_positive_float, "300",
           "seconds the nodes may take to start, format and join (image builds not counted)"),
    Option("rebuild", _parse_bool, "false", "rebuild every image even when cached", flag=True),
    Option("keep", _parse_bool, "false",
           "leave the cluster running at the end (pytest-daos status/down reach it)", flag=True),
    Option("reuse", _parse_bool, "false",
           "attach to a running cluster started with the same settings (or start one and keep "
           "it)", flag=True),
    Option("required", _parse_bool, "false",
           "stop the run when the host cannot run DAOS, instead of skipping the tests that "
           "need it",
           flag=True),
    Option("state_dir", _text, None,
           "folder for the cluster record, build logs and locks, made private (0700); one "
           "that is a symlink, another user's or writable by others is refused (default: "
           "<tmp>/pytest-daos-<uid>)"),
)  # fmt: skip


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


def register_options(
    add: Callable[..., Any], dest: Callable[[Option], str], help: Callable[[Option], str]
) -> None:
    """Register every option with an argparse-like `add(flag, **keywords)`: pytest's
    option group and the `pytest-daos` command's parser alike. An option not given is
    None, so the resolver can fall back to the ini file and the environment."""
    for option in OPTIONS:
        keywords: dict[str, Any] = {"default": None, "dest": dest(option), "help": help(option)}
        if option.flag:
            keywords.update(action="store_const", const=True)
        elif option.multiple:
            keywords.update(action="append", metavar="KEY=VALUE")
        else:
            keywords.update(metavar="VALUE")
        add(option.cli, **keywords)


def engines_problem(engines: int, hugepages: int, scm_size: int, version: str) -> str | None:
    """Why `engines` engines cannot run with these sizes (one line with its fix), or None."""
    if engines < 2:
        return None
    least = HUGEPAGES_PER_ENGINE * engines
    if hugepages < least:
        return (
            f"{engines} engines need {least} hugepages at least (each takes about 500; with "
            f"fewer the engines die at start), not {hugepages}: use --daos-hugepages={least}"
        )
    release = tuple(int(part) for part in version.split(".")[:2])
    if release >= (2, 4) and scm_size < SCM_MINIMUM_GIB:
        return (
            f"each engine needs {SCM_MINIMUM_GIB} GiB of SCM at least (DAOS {version} refuses "
            f"less with fault 730), not {scm_size}: use --daos-scm-size={SCM_MINIMUM_GIB}"
        )
    return None


def _check_together(values: dict[str, Any], given: dict[str, str]) -> None:
    """Settings that are fine alone but not with each other."""
    problem = engines_problem(
        int(values.get("engines", 1)), int(values.get("hugepages", HUGEPAGES_PER_ENGINE)),
        int(values.get("scm_size", SCM_MINIMUM_GIB)), str(values.get("version", "2.6")),
    )  # fmt: skip
    if problem is not None:
        raise SettingsError(f"{given.get('engines', 'engines')}: {problem}")
    if values.get("system", "docker") != "existing" and (values.get("dmg") or values.get("cmd")):
        raise SettingsError(
            "--daos-dmg and --daos-cmd reach an existing DAOS system: add --daos-system=existing"
        )
    if values.get("system", "docker") != "existing" and values.get("remote_shell") != "auto":
        raise SettingsError(
            "--daos-remote-shell says how --daos-dmg and --daos-cmd reach an existing DAOS "
            "system: add --daos-system=existing"
        )
    version = str(values.get("version", "2.6"))
    release = tuple(int(part) for part in version.split("."))
    if str(values.get("pool_size", "")).endswith("%") and release < (2, 4):
        raise SettingsError(
            f"{given['pool_size']}: DAOS {version} has no percentage pool sizes (2.4 and later "
            "have): use a size such as 2G"
        )


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
        for source, raw in (
            (option.cli, cli(option)),
            (f"ini key {option.ini}", ini(option)),
            (f"environment variable {option.env}", environ.get(option.env)),
        ):
            if raw is None or raw == "" or raw == []:
                continue
            shown = " ".join(raw) if isinstance(raw, list) else raw
            given[option.name] = f"{source}={shown}"
            try:
                if option.multiple:
                    items = raw.split() if isinstance(raw, str) else list(raw)  # type: ignore[arg-type]
                    values[option.name] = tuple(option.parse(str(item)) for item in items)
                else:
                    values[option.name] = option.parse(str(raw))
            except ValueError as exc:
                raise SettingsError(f"{given[option.name]}: {exc}") from None
            break
        else:
            if option.default is not None:
                values[option.name] = option.parse(option.default)
    _check_together(values, given)
    if "build_arg" in values:
        values["build_args"] = values.pop("build_arg")
    if values.get("state_dir") is not None:
        values["state_dir"] = Path(values["state_dir"])
    else:
        values.pop("state_dir", None)
    return Settings(**values)
