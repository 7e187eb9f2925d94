"""The parts of the documentation written from the code: README.md's options table and
fixture reference, and docs/troubleshooting.md from the error sites.

    python -m pytest_daos.docs           rewrite them (the `docs` tox env)
    python -m pytest_daos.docs --check   exit 1 naming each part that differs from the code

README.md keeps each generated part between `<!-- generated: NAME -->` and
`<!-- end generated: NAME -->`; docs/troubleshooting.md is generated whole.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from . import factories, plugin
from .settings import OPTIONS

PACKAGE = Path(__file__).parent
ROOT = PACKAGE.parent
README = "README.md"
TROUBLESHOOTING = "docs/troubleshooting.md"
COMMAND = "python -m pytest_daos.docs"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    """`text` as a Markdown code span, also when it holds backticks."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


# -- README.md ------------------------------------------------------------------------------


def options_table() -> str:
    """Every option with its ini key, environment variable, default and help text."""
    rows = [
        "| option | ini key / environment variable | default | what it sets |",
        "|---|---|---|---|",
    ]
    for option in OPTIONS:
        name = option.cli + ("" if option.flag else "=VALUE")
        default = "off" if option.flag else (_code(option.default) if option.default else "")
        rows.append(
            f"| {_code(name)} | {_code(option.ini)}, {_code(option.env)} | {default} | "
            f"{_cell(_one_line(option.help))} |"
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
        yield name, str(marker.scope), _one_line(inspect.getdoc(function))


def fixtures_reference() -> str:
    """The fixtures of the plugin, then the factories that make them and more."""
    rows = ["| fixture | scope | what it gives |", "|---|---|---|"]
    rows += [f"| `{name}` | {scope} | {_cell(doc)} |" for name, scope, doc in _fixtures()]
    rows += ["", "The factories of `pytest_daos.factories` (each returns a fixture):", ""]
    for name, function in vars(factories).items():
        if not inspect.isfunction(function) or name.startswith("_"):
            continue
        if function.__module__ != factories.__name__ or not name.startswith("daos_"):
            continue
        signature = str(inspect.signature(function)).replace("'", '"')
        rows.append(f"- `{name}{signature}`: {_one_line(inspect.getdoc(function))}")
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


# -- docs/troubleshooting.md: the error sites -----------------------------------------------


@dataclass(frozen=True)
class Site:
    """One place that raises an error of the plugin, or one failing prerequisite check."""

    kind: str  # the error class, or "check <name>"
    message: str  # the message, `{expression}` where a value is put in
    where: str  # module path:function


Names = dict[str, str]


def _template(node: ast.expr, names: Names | None = None) -> str | None:
    """The text of a message expression, `{expression}` for each value put in (a name
    bound once to a text in `names` is put in as that text); None when the expression is
    no text."""
    names = names or {}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                inner = value.value
                known = isinstance(inner, ast.Name) and inner.id in names
                parts.append(_template(inner, names) if known else "{" + ast.unparse(inner) + "}")
            else:
                parts.append(_template(value, names) or "")
        return "".join(part or "" for part in parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left, names), _template(node.right, names)
        if left is None and right is None:
            return None
        return (left if left is not None else "{" + ast.unparse(node.left) + "}") + (
            right if right is not None else "{" + ast.unparse(node.right) + "}"
        )
    return None


def _texts(body: ast.AST, names: Names | None = None) -> Names:
    """The names bound exactly once in `body` (a module or a function) to a text."""
    bound: dict[str, list[ast.expr]] = {}
    for node in ast.walk(body):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                bound.setdefault(target.id, []).append(node.value)
    texts = dict(names or {})
    for name, values in bound.items():
        text = _template(values[0], texts) if len(values) == 1 else None
        if text is not None:
            texts[name] = text
    return texts


def _modules() -> Iterator[tuple[str, ast.Module]]:
    """The plugin's modules (not the sim, which runs inside the images), parsed."""
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if relative.startswith("pytest_daos/sim/"):
            continue
        yield relative, ast.parse(path.read_text(), filename=str(path))


def error_classes() -> dict[str, str]:
    """The plugin's error classes (PytestDaosError and what derives from it): docstrings."""
    bases: dict[str, tuple[set[str], str]] = {}
    for _, module in _modules():
        for node in ast.walk(module):
            if isinstance(node, ast.ClassDef):
                names = {ast.unparse(base).split(".")[-1] for base in node.bases}
                bases[node.name] = (names, _one_line(ast.get_docstring(node)))
    errors = {"PytestDaosError": bases["PytestDaosError"][1]}
    grown = True
    while grown:
        grown = False
        for name, (parents, doc) in bases.items():
            if name not in errors and parents & errors.keys():
                errors[name] = doc
                grown = True
    return errors


def _init_message(module: ast.Module, cls: str) -> str | None:
    """The message a class builds in its `__init__` (its `super().__init__(...)`)."""
    for node in ast.walk(module):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "__init__"
                    and call.args
                ):
                    return _template(call.args[0])
    return None


def _functions(module: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node


def error_sites() -> list[Site]:
    """Every raise of a plugin error with its message, and every failing check's fix."""
    errors = error_classes()
    modules = dict(_modules())
    built = {
        cls: message
        for module in modules.values()
        for cls in errors
        if (message := _init_message(module, cls)) is not None
    }
    sites: list[Site] = []
    for path, module in modules.items():
        constants = _texts(ast.Module(body=[n for n in module.body if isinstance(n, ast.Assign)],
                                      type_ignores=[]))  # fmt: skip
        for function, node in _functions(module):
            where = f"{path}:{function}"
            names = _texts(node, constants)
            for inner in ast.walk(node):
                sites += _raise_site(inner, errors, built, where, names)
                sites += _check_site(inner, where, names)
    unique: dict[tuple[str, str], Site] = {}
    for site in sites:
        unique.setdefault((site.kind, site.message), site)
    return list(unique.values())


def _raise_site(
    node: ast.AST, errors: dict[str, str], built: dict[str, str], where: str, names: Names
) -> list[Site]:
    if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
        return []
    cls = ast.unparse(node.exc.func).split(".")[-1]
    if cls not in errors:
        return []
    texts = [text for arg in node.exc.args if (text := _template(arg, names)) is not None]
    message = texts[0] if texts else built.get(cls)
    if message is None:
        return []
    return [Site(cls, _one_line(message), where)]


def _check_site(node: ast.AST, where: str, names: Names) -> list[Site]:
    """A `Check(name, FAIL or WARN, detail, fix)` made where a prerequisite fails."""
    if not (isinstance(node, ast.Call) and ast.unparse(node.func) == "Check"):
        return []
    args = node.args
    if len(args) < 4 or ast.unparse(args[1]) not in ("FAIL", "WARN"):
        return []
    name = _template(args[0], names) or ast.unparse(args[0])
    detail = _template(args[2], names) or "{" + ast.unparse(args[2]) + "}"
    fix = _template(args[3], names) or "{" + ast.unparse(args[3]) + "}"
    return [Site(f"check {name}", _one_line(f"{detail} (fix: {fix})"), where)]


TROUBLE_INTRO = f"""# Troubleshooting

Generated by `{COMMAND}` from the places in the code that raise an error or fail a
prerequisite check; a unit test fails when this page and the code differ. Do not edit.

Every message names its cause and, where one exists, its fix. `{{...}}` marks a value the
message puts in (an option's value, a path, a container name). pytest shows these messages
after `pytest-daos: ` (a usage error, exit status 4), as the skip reason of the tests that
need DAOS (a failed prerequisite; with `--daos-required` the run stops instead), as the
failure of those tests (`pytest-daos could not start DAOS: ...`), or in the terminal
summary (`the cluster did not start: ...`, `teardown problem: ...`). The `pytest-daos`
command prints them after `pytest-daos: ` and exits with status 1.

A failed test that used DAOS also carries the tails of the server, engine, agent and node
logs; `pytest-daos logs` prints them for a kept cluster, and the image builds log to
`<state dir>/logs/`.
"""


def troubleshooting() -> str:
    """The whole of docs/troubleshooting.md."""
    sites = error_sites()
    lines = [TROUBLE_INTRO, "## Prerequisite checks", "",
             "`pytest-daos doctor` runs every check; a failed one skips the tests that need "
             "DAOS with this line.", "",
             "| check | what was seen, and the fix | where |", "|---|---|---|"]  # fmt: skip
    for site in sites:
        if site.kind.startswith("check "):
            name = site.kind.removeprefix("check ")
            lines.append(f"| {name} | {_cell(_code(site.message))} | `{site.where}` |")
    lines += ["", "## Errors", ""]
    for cls, doc in error_classes().items():
        messages = [site for site in sites if site.kind == cls]
        if not messages:
            continue
        lines += [f"### `{cls}`", "", doc, ""]
        lines += [f"- {_code(site.message)} (`{site.where}`)" for site in messages]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- the command ----------------------------------------------------------------------------


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


if __name__ == "__main__":
    sys.exit(main())
