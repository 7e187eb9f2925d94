"""The `pytest-daos` command: check the host, build images, and run a cluster from a shell.

Every subcommand takes the plugin's options (`--daos-iface`, `--daos-recipe`, ...), which
also come from the PYTEST_DAOS_* environment variables, as in pytest.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence

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
from .pictures import NodeView, RankView, draw_nodes
from .settings import Settings, register_options, resolve


def _parser() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("settings (as the pytest options)")
    register_options(group.add_argument, dest=lambda option: option.name,
                     help=lambda option: option.help)  # fmt: skip
    parser = argparse.ArgumentParser(
        prog="pytest-daos",
        description="Check this host for DAOS, build the images of a pytest-daos recipe, and "
        "start, inspect and remove a kept cluster.",
    )
    parser.add_argument("--version", action="version", version=f"pytest-daos {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    doctor = commands.add_parser(
        "doctor", parents=[options], help="check every prerequisite; exit 1 if DAOS cannot run"
    )
    doctor.add_argument("--json", action="store_true", help="print the checks as JSON")
    commands.add_parser(
        "build", parents=[options], help="build the recipe's images (or confirm them cached)"
    )
    prune = commands.add_parser(
        "prune",
        parents=[options],
        help="remove the images pytest-daos built whose content keys match no current recipe "
        "(the sim and upstream recipes of every release, and --daos-recipe if it is a file); "
        "never other images",
    )
    prune.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    commands.add_parser(
        "up", parents=[options], help="start a cluster and keep it running (for --daos-reuse)"
    )
    down = commands.add_parser(
        "down", parents=[options], help="remove the cluster of this host and give back hugepages"
    )
    down.add_argument(
        "--force",
        action="store_true",
        help="also when a running pytest session owns it, or when no record of this host names "
        "it (a session in another pid namespace or on another machine sharing the engine)",
    )
    commands.add_parser("status", parents=[options], help="show the cluster of this host")
    logs = commands.add_parser("logs", parents=[options], help="print the nodes' log tails")
    logs.add_argument("roles", nargs="*", choices=["server", "admin", "client"], default=[],
                      help="the nodes (default: all)")  # fmt: skip
    logs.add_argument("--lines", type=int, default=50, help="lines of each log (default 50)")
    return parser


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
    session = ClusterLifecycle(dataclasses.replace(settings, keep=True), recipe, progress=print)
    cluster = session.start()
    print(f"DAOS {cluster.version} is up on {cluster.iface} ({cluster.ip}), kept running:")
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
    seen = status(record)
    nodes = [NodeView(role, name, seen.states[role]) for role, name in record.containers.items()]
    if seen.members is None:
        print(draw_nodes(nodes, None, seen.problem))
        return 1
    print(draw_nodes(nodes, [RankView(m.rank, m.state, m.addr) for m in seen.members]))
    return 0


def _logs(settings: Settings, roles: list[str], lines: int) -> int:
    record = _recorded(settings)
    if record is None:
        return 1
    for role, source, text in node_logs(record, roles, lines):
        print(f"--- {role} {source} ---\n{text.rstrip()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = resolve(cli=lambda option: getattr(args, option.name, None), ini=lambda _: None)
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
