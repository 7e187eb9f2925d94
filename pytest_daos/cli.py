"""The `pytest-daos` command: work on the cluster's images outside a test run."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .host import HostError
from .images import BuildError, ImageBuilder
from .recipes import load_recipe
from .session import docker_client
from .settings import OPTIONS, SettingsError, resolve


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pytest-daos",
        description="Build the images of a pytest-daos recipe (the same settings as the "
        "pytest options, also from PYTEST_DAOS_* environment variables).",
    )
    parser.add_argument("--version", action="version", version=f"pytest-daos {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build (or confirm cached) the recipe's images")
    for option in OPTIONS:
        if option.name in ("recipe", "version", "sim_base_image", "rebuild", "state_dir"):
            if option.flag:
                build.add_argument(option.cli, action="store_const", const=True, default=None,
                                   dest=option.name, help=option.help)  # fmt: skip
            else:
                build.add_argument(option.cli, dest=option.name, help=option.help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = resolve(cli=lambda option: getattr(args, option.name, None), ini=lambda _: None)
        recipe = load_recipe(settings)
        builder = ImageBuilder(docker_client(), settings.state_dir, progress=print)
        results = builder.ensure(recipe, rebuild=settings.rebuild)
    except (SettingsError, HostError, BuildError) as exc:
        print(f"pytest-daos: {exc}", file=sys.stderr)
        return 1
    for image in results:
        state = "built" if image.built else "cached"
        print(f"{image.tag} {state} {image.image_id[7:19]} ({image.seconds:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
