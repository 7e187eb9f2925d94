"""The `pytest-daos` command: check the host and build the images outside a test run.

Every subcommand takes the plugin's options (`--daos-iface`, `--daos-recipe`, ...), which
also come from the PYTEST_DAOS_* environment variables, as in pytest.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .doctor import report, run_checks
from .host import FAIL, HostError, check_docker, docker_client
from .images import BuildError, ImageBuilder, UnreachableContext
from .recipes import RecipeError, known_recipes, load_recipe
from .settings import OPTIONS, Settings, SettingsError, resolve


def _parser() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    group = options.add_argument_group("settings (as the pytest options)")
    for option in OPTIONS:
        if option.flag:
            group.add_argument(option.cli, action="store_const", const=True, default=None,
                               dest=option.name, help=option.help)  # fmt: skip
        elif option.multiple:
            group.add_argument(option.cli, action="append", dest=option.name,
                               metavar="KEY=VALUE", help=option.help)  # fmt: skip
        else:
            group.add_argument(option.cli, dest=option.name, metavar="VALUE", help=option.help)
    parser = argparse.ArgumentParser(
        prog="pytest-daos",
        description="Check this host for DAOS and build the images of a pytest-daos recipe.",
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
    return parser


def _doctor(settings: Settings, as_json: bool) -> int:
    checks = run_checks(settings, check_docker())
    print(report(checks, as_json))
    return 1 if any(check.status == FAIL for check in checks) else 0


def _build(settings: Settings) -> int:
    builder = ImageBuilder(docker_client(), settings.state_dir, progress=print)
    for image in builder.ensure(load_recipe(settings), rebuild=settings.rebuild):
        state = "built" if image.built else "cached"
        print(f"{image.tag} {state} {image.image_id[7:19]} ({image.seconds:.1f}s)")
    return 0


def _prune(settings: Settings, dry_run: bool) -> int:
    builder = ImageBuilder(docker_client(), settings.state_dir)
    lines = builder.prune(known_recipes(settings), dry_run=dry_run)
    print("\n".join(lines) if lines else "nothing to prune")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = resolve(cli=lambda option: getattr(args, option.name, None), ini=lambda _: None)
        if args.command == "doctor":
            return _doctor(settings, args.json)
        if args.command == "prune":
            return _prune(settings, args.dry_run)
        return _build(settings)
    except (SettingsError, RecipeError, HostError, BuildError, UnreachableContext) as exc:
        print(f"pytest-daos: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
