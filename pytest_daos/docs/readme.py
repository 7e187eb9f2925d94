"""README.md's generated parts: the options table (from `OPTIONS`) and the fixture
reference (from the fixtures' and factories' docstrings). README.md keeps each between
`<!-- generated: NAME -->` and `<!-- end generated: NAME -->`."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator

from .. import factories, plugin
from ..settings import OPTIONS
from .text import COMMAND, cell, code, one_line

README = "README.md"


def options_table() -> str:
    """Every option with its ini key, environment variable, default and help text."""
    rows = [
        "| option | ini key / environment variable | default | what it sets |",
        "|---|---|---|---|",
    ]
    for option in OPTIONS:
        name = option.cli + ("" if option.flag else f"={option.metavar}")
        default = "off" if option.flag else (code(option.default) if option.default else "")
        rows.append(
            f"| {cell(code(name))} | {code(option.ini)}, {code(option.env)} | {default} | "
            f"{cell(one_line(option.help))} |"
        )
    return "\n".join(rows)


def _fixtures() -> Iterator[tuple[str, str, str]]:
    """The plugin's fixtures: (name, scope, docstring of the fixture function)."""
    for name, value in vars(plugin).items():
        marker = getattr(value, "_fixture_function_marker", None) or getattr(
            value, "_pytestfixturefunction", None
        )
        if marker is None:
            continue
        function = getattr(value, "_fixture_function", value)
        yield name, str(marker.scope), one_line(inspect.getdoc(function))


def fixtures_reference() -> str:
    """The fixtures of the plugin, then the factories that make them and more."""
    rows = ["| fixture | scope | what it gives |", "|---|---|---|"]
    rows += [f"| `{name}` | {scope} | {cell(doc)} |" for name, scope, doc in _fixtures()]
    rows += ["", "The factories of `pytest_daos.factories` (each returns a fixture):", ""]
    for name, function in vars(factories).items():
        if not inspect.isfunction(function) or name.startswith("_"):
            continue
        if function.__module__ != factories.__name__ or not name.startswith("daos_"):
            continue
        signature = str(inspect.signature(function)).replace("'", '"')
        rows.append(f"- `{name}{signature}`: {one_line(inspect.getdoc(function))}")
    return "\n".join(rows)


GENERATED: dict[str, Callable[[], str]] = {
    "options": options_table,
    "fixtures": fixtures_reference,
}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- generated: {name} ({COMMAND}) -->", f"<!-- end generated: {name} -->"


def render_readme(text: str) -> str:
    """README.md with each generated part written anew from the code."""
    for name, make in GENERATED.items():
        begin, end = _markers(name)
        pattern = re.compile(re.escape(begin) + r"\n.*?" + re.escape(end), re.DOTALL)
        found = pattern.search(text)
        if found is None:
            raise ValueError(f"{README} has no {begin} ... {end} block")
        text = f"{text[: found.start()]}{begin}\n{make()}\n{end}{text[found.end() :]}"
    return text
