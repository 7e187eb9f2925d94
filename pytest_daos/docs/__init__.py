"""The parts of the documentation written from the code: README.md's options table and
fixture reference (`readme`), and docs/troubleshooting.md (`troubleshooting`) from the
places that raise the plugin's errors or fail a check (`sites`).

    python -m pytest_daos.docs           rewrite them (the `docs` tox env)
    python -m pytest_daos.docs --check   exit 1 naming each part that differs from the code
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .readme import README, fixtures_reference, options_table, render_readme
from .sites import Site, error_classes, error_sites
from .text import COMMAND
from .troubleshooting import TROUBLESHOOTING, troubleshooting

__all__ = [
    "COMMAND",
    "README",
    "ROOT",
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

ROOT = Path(__file__).parents[2]


def rendered(root: Path = ROOT) -> dict[Path, str]:
    """Each generated file as the code says it should be."""
    return {
        root / README: render_readme((root / README).read_text()),
        root / TROUBLESHOOTING: troubleshooting(),
    }


def stale(root: Path = ROOT) -> list[Path]:
    """The generated files that differ from what the code says."""
    return [
        path
        for path, text in rendered(root).items()
        if not path.exists() or path.read_text() != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say what differs; exit 1")
    args = parser.parse_args(argv)
    if args.check:
        differ = stale()
        for path in differ:
            print(f"{path.relative_to(ROOT)} differs from the code: run {COMMAND}")
        return 1 if differ else 0
    for path, text in rendered().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0
