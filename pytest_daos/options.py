"""The options of pytest-daos: one table naming each, how it is parsed and its default.

Every option exists three times with derived names: `--daos-scm-size` on the command line,
`daos_scm_size` in the ini file, `PYTEST_DAOS_SCM_SIZE` in the environment. The table
`OPTIONS` is the single place that names them, so `--help`, the ini keys and the resolver
(`settings.resolve`) cannot drift apart.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from .releases import SUPPORTED_VERSIONS
from .sizes import parse_bytes, parse_gib

RECIPES = ("upstream", "local", "sim")
PRIVILEGED_MODES = ("auto", "yes", "no")
REMOTE_SHELL_MODES = ("auto", "yes", "no")
SYSTEMS = ("docker", "existing")


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
    metavar: str = "VALUE"  # what the value is, in --help: its kind (GIB) or its choices

    @property
    def cli(self) -> str:
        return "--daos-" + self.name.replace("_", "-")

    @property
    def ini(self) -> str:
        return "daos_" + self.name

    @property
    def env(self) -> str:
        return "PYTEST_DAOS_" + self.name.upper()

    @property
    def ini_kind(self) -> str:
        """What the ini key takes, for a message about a value it cannot take."""
        if self.flag:
            return "true or false (in TOML a boolean)"
        if self.multiple:
            return "one KEY=VALUE per line (in TOML a list of strings)"
        return "text (in TOML a string, in quotes)"

    def described(self) -> str:
        """The help of `--help` (pytest's and the command's): the text, the default, and
        the option's other two names, in the order they count."""
        default = f" (default: {self.default})" if self.default is not None else ""
        return f"{self.help}{default}; environment {self.env}, ini {self.ini}"


OPTIONS: tuple[Option, ...] = (
    Option("iface", _text, None,
           "network interface whose IPv4 address the cluster uses (default: the interface of "
           "the default route, else lo)", metavar="IFACE"),
    Option("version", _choice(SUPPORTED_VERSIONS), "2.6",
           "DAOS release to run: 2.0, 2.4 or 2.6 (2.0.3, 2.4.2, 2.6.5)",
           metavar="|".join(SUPPORTED_VERSIONS)),
    Option("recipe", _text, "upstream",
           "image recipe: upstream (the DAOS project's vcluster Dockerfiles, from GitHub), "
           "local (a DAOS install tree on this host, see --daos-prefix), sim (the pytest-daos "
           "stand-in for DAOS, built offline), or the path of a recipe file (TOML, see "
           "docs/recipes.md)", metavar="upstream|local|sim|FILE"),
    Option("prefix", _text, None,
           "local recipe: the DAOS install tree (the PREFIX of `scons install PREFIX=...`); "
           "its release is read from the tree", metavar="PATH"),
    Option("local_base_image", _text, "localhost/pytest-daos/local-base:bookworm",
           "base image of the local recipe's images (without DAOS's libraries; its glibc as "
           "new as this host's; scripts/host-setup.sh makes the default offline)", metavar="IMAGE"),
    Option("build_arg", _build_arg, None,
           "KEY=VALUE build argument for the recipe's images, overriding the recipe's own "
           "(repeatable; in the ini file one per line, in the environment separated by spaces)",
           multiple=True, metavar="KEY=VALUE"),
    Option("sim_base_image", _text, None,
           "base image of the sim recipe's images (needs python3 and PyYAML, or pip access; "
           "default: python:3.11-slim-bookworm, or where that one is not on this host and "
           "cannot be pulled, localhost/pytest-daos/sim-base:bookworm if present, which "
           "scripts/host-setup.sh makes offline)", metavar="IMAGE"),
    Option("sim_join_delay", _parse_positive_float, "1",
           "sim recipe: seconds from format to the rank joining (real DAOS 2.6.5: 3 to 10)",
           metavar="SECONDS"),
    Option("sim_fault_delay", _parse_positive_float, "0.2",
           "sim recipe: seconds each wait of a rank fault takes: SWIM declaring the rank dead, "
           "the pool acting on it, each rebuild pass and the pause between passes (real DAOS "
           "2.6.5: 20 to 60 each)", metavar="SECONDS"),
    Option("engines", _parse_count, "1",
           "engines (ranks 0..N-1) in the server node; 2 or more for fault drills (stop, kill, "
           "exclude and bring back a rank, see docs/drills.md): each needs a core, "
           "--daos-scm-size GiB of SCM (4 at least) and 512 of --daos-hugepages", metavar="COUNT"),
    Option("scm_size", parse_gib, "4", "SCM (tmpfs) size of each engine, in GiB", metavar="GIB"),
    Option("bdev_size", parse_gib, "8",
           "size of the file that emulates NVMe, one for each engine, in GiB", metavar="GIB"),
    Option("hugepages", _parse_positive_int, "1024",
           "hugepages the server's engines need (nr_hugepages, 512 per engine at least when "
           "there are several); raised on the host if short", metavar="COUNT"),
    Option("prefetch", _parse_positive_int, "2",
           "containers the daos_container fixture keeps ready in each session pool, made "
           "while earlier tests run and destroyed after them in the background (0: made in "
           "each test's own setup; the marker daos_fresh_container does so for one test)",
           metavar="COUNT"),
    Option("pool_size", _check_size, None,
           "size of the session pool (dmg --size: 2G is 2*10**9 bytes, 2GiB is 2*2**30; from "
           "DAOS 2.4 also a percentage of the free space, as dmg takes it; default: 2G per "
           "engine, so 4G with --daos-engines=2: DAOS wants 1 GiB of NVMe on each engine's "
           "target)", metavar="SIZE"),
    Option("privileged", _choice(PRIVILEGED_MODES), "auto",
           "run nodes with --privileged (yes), with explicit capabilities and unconfined "
           "profiles (no), or try privileged and fall back (auto)",
           metavar="|".join(PRIVILEGED_MODES)),
    Option("system", _choice(SYSTEMS), "docker",
           "docker: the plugin runs the cluster; existing: use a DAOS system someone else "
           "runs, through --daos-dmg and --daos-cmd", metavar="|".join(SYSTEMS)),
    Option("dmg", _command_prefix, None,
           "with --daos-system=existing: command prefix that runs dmg (e.g. 'ssh admin01'; "
           "default: dmg on this host)", metavar="PREFIX"),
    Option("cmd", _command_prefix, None,
           "with --daos-system=existing: command prefix that runs daos and client commands "
           "(e.g. 'ssh client01'; default: this host)", metavar="PREFIX"),
    Option("remote_shell", _choice(REMOTE_SHELL_MODES), "auto",
           "with --daos-system=existing: whether the prefixes hand their command to a shell on "
           "the far side, which then gets it as one quoted string: auto (when the prefix's "
           "program is ssh, also behind sudo, timeout, env or sshpass), yes, no (the words go "
           "to the prefix as they are)",
           metavar="|".join(REMOTE_SHELL_MODES)),
    Option("start_timeout", _parse_positive_float, "300",
           "seconds the nodes may take to start, format and join (image builds not counted)",
           metavar="SECONDS"),
    Option("rebuild", _parse_bool, "false", "rebuild every image even when cached", flag=True),
    Option("keep", _parse_bool, "false",
           "leave the cluster running at the end (pytest-daos status/down reach it)", flag=True),
    Option("reuse", _parse_bool, "false",
           "attach to a running cluster started with the same settings (or start one and keep "
           "it)", flag=True),
    Option("required", _parse_bool, "false",
           "stop the run when the host's state cannot run DAOS, instead of skipping the "
           "tests that need it (a setting given that cannot work on this host fails the run "
           "anyway)",
           flag=True),
    Option("state_dir", _text, None,
           "folder for the cluster record, build logs and locks, made private (0700); one "
           "that is a symlink, another user's or writable by others is refused (default: "
           "<tmp>/pytest-daos-<uid>)", metavar="PATH"),
)  # fmt: skip


def register_options(
    add: Callable[..., Any],
    dest: Callable[[Option], str],
    help: Callable[[Option], str],
    names: Collection[str] | None = None,
) -> None:
    """Register the options (those in `names`; None: every one) with an argparse-like
    `add(flag, **keywords)`: pytest's option group and each `pytest-daos` subcommand's
    parser alike, each value shown by its metavar. An option not given is None, so the
    resolver can fall back to the environment and the ini file."""
    for option in OPTIONS:
        if names is not None and option.name not in names:
            continue
        keywords: dict[str, Any] = {"default": None, "dest": dest(option), "help": help(option)}
        if option.flag:
            keywords.update(action="store_const", const=True)
        elif option.multiple:
            keywords.update(action="append", metavar=option.metavar)
        else:
            keywords.update(metavar=option.metavar)
        add(option.cli, **keywords)
