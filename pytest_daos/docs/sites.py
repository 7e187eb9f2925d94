"""The places in the plugin's code that raise one of its errors or fail a prerequisite
check, read with `ast` (the sim, which runs inside the images, is not read)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .text import one_line

PACKAGE = Path(__file__).parents[1]


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
                bases[node.name] = (names, one_line(ast.get_docstring(node)))
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
    return [Site(cls, one_line(message), where)]


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
    return [Site(f"check {name}", one_line(f"{detail} (fix: {fix})"), where)]
