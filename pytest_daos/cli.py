"""The `pytest-daos` command: check the host, build images, and run a cluster from a shell.

Each subcommand takes the plugin's options it reads (`--daos-iface`, `--daos-recipe`, ...;
`pytest-daos COMMAND --help` lists them). Every setting also comes from the PYTEST_DAOS_*
environment variables and from the project's pytest configuration file, found as pytest
finds it (`-c`, `--rootdir`: see `inifile`), in pytest's order: command line >
environment > ini file > default; so the command resolves, and refuses, what a pytest
run in the same folder does.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import __version__
from .cluster.api import (
    FAIL,
    ClusterLifecycle,
    ClusterRecord,
    Recipe,
    build_images,
    check_docker,
    down,
    load_record,
    node_logs,
    prepare,
    prune_images,
    report,
    run_checks,
    status,
)
from .errors import PytestDaosError
from .inifile import find
from .pictures import NodeView, RankView, draw_nodes
from .settings import Option, Settings, register_options, resolve

#: What a recipe's images are made of
RECIPE = ("recipe", "version", "prefix", "local_base_image", "build_arg", "sim_base_image",
          "sim_join_delay", "sim_fault_delay")  # fmt: skip
#: What a cluster's nodes are and take of the host
NODES = ("iface", "engines", "scm_size", "bdev_size", "hugepages", "privileged")

#: Each subcommand: its help, and the plugin's options it reads (the others still come
#: from the environment and the ini file, and are checked with them).
SUBCOMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "doctor": ("check every prerequisite; exit 1 if DAOS cannot run", (*RECIPE, *NODES)),
    "build": ("build the recipe's images (or confirm them cached)",
              (*RECIPE, "rebuild", "state_dir")),
    "prune": ("remove the images pytest-daos built whose content keys match no current "
              "recipe (the sim and upstream recipes of every release, and --daos-recipe if "
              "it is a file); never other images", (*RECIPE, "state_dir")),
    "up": ("start a cluster and keep it running (for --daos-reuse); when one with these "
           "settings is up already, say so",
           (*RECIPE, *NODES, "start_timeout", "rebuild", "state_dir")),
    "down": ("remove the cluster of this host and give back hugepages",
             ("state_dir", "start_timeout")),
    "status": ("show the cluster of this host and the settings it was started with",
               ("state_dir",)),
    "logs": ("print the nodes' log tails", ("state_dir",)),
}  # fmt: skip
ROLES = ("server", "admin", "client")


def _role(text: str) -> str:
    if text not in ROLES:
        raise argparse.ArgumentTypeError(f"{text!r} is not a node: name {', '.join(ROLES)}")
    return text


#: The options of each subcommand besides the settings.
EXTRAS: dict[str, Callable[[argparse.ArgumentParser], Any]] = {
    "doctor": lambda p: p.add_argument("--json", action="store_true",
                                       help="print the checks as JSON"),
    "prune": lambda p: p.add_argument("--dry-run", action="store_true",
                                      help="only say what would be removed"),
    "down": lambda p: p.add_argument(
        "--force", action="store_true",
        help="also while a session that uses it runs or cannot be seen to have ended (in "
        "another pid namespace, of another user, on another machine sharing the engine), "
        "or when no record of this host names it (this user's containers only)"),
    "logs": lambda p: (
        p.add_argument("roles", nargs="*", type=_role, default=None, metavar="|".join(ROLES),
                       help="the nodes (default: all)"),
        p.add_argument("--lines", type=int, default=50, metavar="COUNT",
                       help="lines of each log (default 50)"),
    ),
}  # fmt: skip


def _no_extras(parser: argparse.ArgumentParser) -> None:
    """A subcommand with no options besides the settings."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-daos",
        description="Check this host for DAOS, build the images of a pytest-daos recipe, and "
        "start, inspect and remove a kept cluster. Settings come from the command line, "
        "the PYTEST_DAOS_* environment variables and the project's pytest ini file, in "
        "that order.",
    )
    parser.add_argument("--version", action="version", version=f"pytest-daos {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (text, names) in SUBCOMMANDS.items():
        command = commands.add_parser(name, help=text, description=text)
        EXTRAS.get(name, _no_extras)(command)
        project = command.add_argument_group("the project's pytest configuration")
        project.add_argument(
            "-c",
            "--config-file",
            metavar="FILE",
            help="read the settings of this pytest configuration file "
            "(default: found as pytest finds it, from this folder up)",
        )
        project.add_argument("--rootdir", metavar="DIR",
                             help="the project's rootdir, as pytest's --rootdir")  # fmt: skip
        settings = command.add_argument_group(
            "settings (as the pytest options; also PYTEST_DAOS_* and the ini file)"
        )
        register_options(settings.add_argument, lambda option: option.name, Option.described, names)
    return parser


def _addopts(words: list[str]) -> dict[str, Any]:
    """The plugin's options among `words` (the ini file's addopts, PYTEST_ADDOPTS), which
    pytest reads as given on the command line, each by option name."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    register_options(parser.add_argument, lambda option: option.name, lambda option: "")
    known, _ = parser.parse_known_args(words)
    return {name: value for name, value in vars(known).items() if value is not None}


def _settings(args: argparse.Namespace) -> Settings:
    """The settings as a pytest run in this folder resolves them, with the command's own
    options on its command line."""
    project = find(args.config_file, args.rootdir)
    added = _addopts(project.addopts())

    def cli(option: Option) -> Any:
        own = getattr(args, option.name, None)  # (None: not an option of this subcommand)
        if option.multiple and own is not None and option.name in added:
            return [*added[option.name], *own]  # one argv to pytest: addopts come first
        return own if own is not None else added.get(option.name)

    return resolve(cli=cli, ini=project.value, ini_source=lambda option: project.source)


def _doctor(settings: Settings, recipe: Recipe, as_json: bool) -> int:
    checks = run_checks(settings, recipe, check_docker(), sources=True)
    print(report(checks, as_json))
    return 1 if any(check.status == FAIL for check in checks) else 0


def _build(settings: Settings, recipe: Recipe) -> int:
    for image in build_images(settings, recipe, progress=print):
        done = "built" if image.built else "cached"
        print(f"{image.tag} {done} {image.image_id[7:19]} ({image.seconds:.1f}s)")
    return 0


def _prune(settings: Settings, recipe: Recipe, dry_run: bool) -> int:
    lines = prune_images(settings, recipe, dry_run)
    print("\n".join(lines) if lines else "nothing to prune")
    return 0


def _up(settings: Settings, recipe: Recipe) -> int:
    """Start a kept cluster; one with these settings up already is used (as `docker
    compose up` does), one with other settings refused, saying what differs."""
    session = ClusterLifecycle(dataclasses.replace(settings, keep=True), recipe, progress=print)
    cluster = session.start()
    already = "already " if session.report.attached else ""
    print(f"DAOS {cluster.version} is {already}up on {cluster.iface} ({cluster.ip}), kept running:")
    return _status(settings)


_NOTHING_RECORDED = "no pytest-daos cluster is recorded in {}"


def _recorded(settings: Settings) -> ClusterRecord | None:
    record = load_record(settings.state_dir)
    if record is None:
        print(_NOTHING_RECORDED.format(settings.state_dir))
    return record


def _down(settings: Settings, force: bool) -> int:
    done = down(settings, force)
    if done.record is None:
        print(_NOTHING_RECORDED.format(settings.state_dir))
        print("\n".join(f"removed {name}" for name in done.removed) or "nothing to remove")
        for name in done.left:
            print(f"left {name}: not this user's (remove it as its owner, or with "
                  "`docker rm -f` if it is yours)")  # fmt: skip
        return 0
    if done.refused:
        print(done.refused, file=sys.stderr)
        return 1
    for problem in done.problems:
        print(f"problem: {problem}", file=sys.stderr)
    print(f"removed the cluster of session {done.record.session}")
    return 1 if done.problems else 0


def _status(settings: Settings) -> int:
    record = _recorded(settings)
    if record is None:
        return 1
    owner = "kept" if record.keep else f"owned by pid {record.owner['pid']}"
    alive = "" if record.keep or record.owner_alive() else " (its owner is gone)"
    print(f"session {record.session}: {record.recipe} recipe, DAOS {record.daos_version}, "
          f"{record.iface} ({record.ip}), {owner}{alive}")  # fmt: skip
    if record.settings:  # (a record an older pytest-daos wrote does not have them)
        print(f"started with: {', '.join(record.given) or 'the defaults'}")
    seen = status(record)
    nodes = [NodeView(role, name, seen.states[role]) for role, name in record.containers.items()]
    if seen.members is None:
        print(draw_nodes(nodes, None, seen.problem))
        return 1
    print(draw_nodes(nodes, [RankView(m.rank, m.state, m.addr) for m in seen.members]))
    return 0


def _logs(settings: Settings, roles: list[str] | None, lines: int) -> int:
    record = _recorded(settings)
    if record is None:
        return 1
    for role, source, text in node_logs(record, roles or [], lines):
        print(f"--- {role} {source} ---\n{text.rstrip()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        if args.command in ("doctor", "build", "prune", "up"):  # the commands of a recipe
            prepared = prepare(settings, every_release=args.command == "prune")
            settings, recipe = prepared.settings, prepared.recipe
        if args.command == "doctor":
            return _doctor(settings, recipe, args.json)
        if args.command == "prune":
            return _prune(settings, recipe, args.dry_run)
        if args.command == "up":
            return _up(settings, recipe)
        if args.command == "down":
            return _down(settings, args.force)
        if args.command == "status":
            return _status(settings)
        if args.command == "logs":
            return _logs(settings, args.roles, args.lines)
        return _build(settings, recipe)
    except PytestDaosError as exc:
        print(f"pytest-daos: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
