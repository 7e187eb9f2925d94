"""The parts of the documentation written from the code: README.md's options table and
fixture reference (`readme`), and docs/troubleshooting.md (`troubleshooting`) from the
places that raise the plugin's errors or fail a check (`sites`).

    python -m pytest_daos.docs           rewrite them (the `docs` tox env)
    python -m pytest_daos.docs --check   exit 1 naming each part that differs from the code

It works on the source tree it is run in (`--root` names another): the installed package's
code, which the wheel ships whole, against that tree's README.md and docs/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .readme import README, fixtures_reference, options_table, render_readme
from .sites import Site, error_classes, error_sites
from .text import COMMAND
from .troubleshooting import TROUBLESHOOTING, troubleshooting

__all__ = [
    "COMMAND",
    "README",
    "TROUBLESHOOTING",
    "Site",
    "error_classes",
    "error_sites",
    "fixtures_reference",
    "main",
    "options_table",
    "render_readme",
    "rendered",
    "stale",
    "troubleshooting",
]


def rendered(root: Path) -> dict[Path, str]:
    """Each generated file of the source tree at `root` as the code says it should be;
    ValueError when `root` holds no README.md with the generated blocks."""
    if not (root / README).is_file():
        raise ValueError(f"{root.absolute()} holds no {README}")
    return {
        root / README: render_readme((root / README).read_text()),
        root / TROUBLESHOOTING: troubleshooting(),
    }


def _differing(files: dict[Path, str]) -> list[Path]:
    return [path for path, text in files.items() if not path.exists() or path.read_text() != text]


def stale(root: Path) -> list[Path]:
    """The generated files of the source tree at `root` that differ from what the code
    says."""
    return _differing(rendered(root))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say what differs; exit 1")
    parser.add_argument(
        "--root", type=Path, default=Path(), metavar="DIR",
        help="the pytest-daos source tree (default: the current directory)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    root: Path = args.root
    try:
        files = rendered(root)
    except ValueError as exc:
        print(f"{COMMAND}: {exc}: run it at the top of a pytest-daos source tree, or name one "
              "with --root", file=sys.stderr)  # fmt: skip
        return 2
    differ = _differing(files)
    for path in differ:
        if args.check:
            print(f"{path.relative_to(root)} differs from the code: run {COMMAND}")
        else:
            path.write_text(files[path])
            print(f"wrote {path.relative_to(root)}")
    return 1 if args.check and differ else 0
