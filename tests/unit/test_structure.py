"""The package's shape, kept: no module outside `sim/` over MODULE_LINES lines, no function
over FUNCTION_LINES, and an import graph without a cycle and without an import upward
between the layers (the pytest face, `cluster/`, `client/`, the leaves), the sim apart;
`client/` never imports the Docker SDK. A new feature that would pass a limit splits a
module instead of growing it.

The code is read with `ast`, never imported: for the layers an import inside a function or
under `if TYPE_CHECKING:` counts as much as one at the top. Cycles are those of the imports
that run: a type named under `if TYPE_CHECKING:` (a pool's `cluster` is a `DaosCluster`,
whose module makes pools) is no import at run time."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

MODULE_LINES = 350
FUNCTION_LINES = 50

PACKAGE = Path(__file__).parents[2] / "pytest_daos"
SIM = "sim/"

#: the layers from the top down; a module may import from its own layer or any below.
#: An entry ending in "/" is a folder (a package); "__init__.py" is the package's own.
LAYERS: dict[str, tuple[str, ...]] = {
    "face": ("__init__.py", "plugin.py", "factories.py", "runstate.py", "progress.py",
             "timeouts.py", "usage.py", "cli.py", "docs/"),
    "cluster": ("cluster/",),
    "client": ("client/",),
    "leaves": ("settings.py", "options.py", "releases.py", "errors.py", "waiting.py",
               "report.py", "pictures.py", "signals.py", "sizes.py", "inifile.py"),
}  # fmt: skip


def sources(package: Path) -> dict[str, ast.Module]:
    """Every module of `package`, parsed, by its path in the package (`client/dmg.py`)."""
    return {
        path.relative_to(package).as_posix(): ast.parse(path.read_text(), filename=str(path))
        for path in sorted(package.rglob("*.py"))
    }


def line_offenders(package: Path, limit: int = MODULE_LINES) -> list[str]:
    """The modules outside `sim/` with more than `limit` lines."""
    found = []
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        lines = len(path.read_text().splitlines())
        if not name.startswith(SIM) and lines > limit:
            found.append(f"{name}: {lines} lines (limit {limit})")
    return found


Function = ast.FunctionDef | ast.AsyncFunctionDef


def functions(node: ast.AST, prefix: str = "") -> Iterator[tuple[str, Function]]:
    """Every function and method in `node`, nested ones too, with its qualified name."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{child.name}"
            if not isinstance(child, ast.ClassDef):
                yield name, child
            yield from functions(child, f"{name}.")
        else:
            yield from functions(child, prefix)


def function_offenders(package: Path, limit: int = FUNCTION_LINES) -> list[str]:
    """The functions of the modules outside `sim/` with more than `limit` lines."""
    found = []
    for module, tree in sources(package).items():
        if module.startswith(SIM):
            continue
        for name, node in functions(tree):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > limit:
                found.append(f"{module}:{name} (line {node.lineno}): {lines} lines (limit {limit})")
    return found


def module_file(package: Path, dotted: list[str]) -> str | None:
    """The module `dotted` (["pytest_daos", "client", "dmg"]) names, as a path in the
    package; None when it is not one of the package's modules."""
    if not dotted or dotted[0] != package.name:
        return None
    inner = "/".join(dotted[1:])
    candidates = [f"{inner}.py", f"{inner}/__init__.py"] if inner else ["__init__.py"]
    return next((c for c in candidates if (package / c).is_file()), None)


def type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """The statements under `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`) in `tree`."""
    found: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (
            (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
            or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
        ):
            found.update(inner for stmt in node.body for inner in ast.walk(stmt))
    return found


def imports(
    package: Path, module: str, tree: ast.Module, runtime: bool = False
) -> Iterator[tuple[str, int]]:
    """The package's modules that `module` imports, each with the line of its import
    (`runtime`: only the imports that run, not those under `if TYPE_CHECKING:`)."""
    here = [package.name, *module.split("/")[:-1]]  # the package `module` is in
    skipped = type_checking_only(tree) if runtime else set()
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = module_file(package, alias.name.split("."))
                if target is not None:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            source = base + (node.module.split(".") if node.module else [])
            for alias in node.names:
                target = module_file(package, [*source, alias.name]) or module_file(package, source)
                if target is not None:
                    yield target, node.lineno


def outside_imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """The top-level names of the absolute imports in `tree` (`docker` for `import
    docker.errors`), each with the line of its import."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.module.split(".")[0], node.lineno


def graph(package: Path, runtime: bool = False) -> dict[str, dict[str, int]]:
    """Each module's imports of the package's modules (the line of the first; `runtime`:
    only those that run)."""
    edges: dict[str, dict[str, int]] = {}
    for module, tree in sources(package).items():
        edges[module] = {}
        for target, line in imports(package, module, tree, runtime):
            if target != module:
                edges[module].setdefault(target, line)
    return edges


def layer(module: str) -> int | None:
    """The layer of `module` (0 the top), None when no layer holds it."""
    for rank, entries in enumerate(LAYERS.values()):
        for entry in entries:
            if module == entry or (entry.endswith("/") and module.startswith(entry)):
                return rank
    return None


def upward_imports(package: Path) -> list[str]:
    """Imports of a module in a layer above the importer's, and of or from the sim."""
    names = list(LAYERS)
    found = []
    for module, targets in graph(package).items():
        for target, line in targets.items():
            if module.startswith(SIM) != target.startswith(SIM):
                found.append(f"{module}:{line} imports {target}: the sim stands apart")
                continue
            mine, theirs = layer(module), layer(target)
            if mine is not None and theirs is not None and theirs < mine:
                found.append(
                    f"{module}:{line} imports {target}: {names[mine]} imports "
                    f"{names[theirs]}, a layer above it"
                )
    return found


def cycles(package: Path) -> list[str]:
    """Each cycle of the imports that run among the modules outside the sim, as
    `a.py -> b.py -> a.py`."""
    edges = {m: sorted(t) for m, t in graph(package, runtime=True).items() if not m.startswith(SIM)}
    found: list[str] = []
    seen: set[frozenset[str]] = set()
    for start in sorted(edges):
        stack = [(start, [start])]
        visited: set[str] = set()
        while stack:
            module, path = stack.pop()
            for target in edges.get(module, []):
                if target == start:
                    key = frozenset(path)
                    if key not in seen:
                        seen.add(key)
                        found.append(" -> ".join([*path, start]))
                elif target not in visited and target > start:
                    visited.add(target)
                    stack.append((target, [*path, target]))
    return found


def test_no_module_passes_the_line_limit():
    offenders = line_offenders(PACKAGE)
    assert offenders == [], "split these modules:\n" + "\n".join(offenders)


def test_no_function_passes_the_line_limit():
    offenders = function_offenders(PACKAGE)
    assert offenders == [], "split these functions:\n" + "\n".join(offenders)


def test_every_module_outside_the_sim_is_in_a_layer():
    unplaced = [m for m in sources(PACKAGE) if not m.startswith(SIM) and layer(m) is None]
    assert unplaced == [], f"add these modules to a layer of LAYERS in {__name__}: {unplaced}"


def test_no_module_imports_a_layer_above_its_own_and_the_sim_stands_apart():
    offenders = upward_imports(PACKAGE)
    assert offenders == [], "\n".join(offenders)


#: The one module of `cluster/` the pytest face imports it through.
FRONT_DOOR = "cluster/api.py"


def past_the_front_door(package: Path) -> list[str]:
    """Imports of a `cluster/` module other than FRONT_DOOR by a module of the face."""
    face = LAYERS["face"]
    return (
        [
            f"{module}:{line} imports {target}: the face reaches cluster/ through {FRONT_DOOR}"
            for module, targets in graph(package).items()
            if layer(module) == 0 and module != "__init__.py"
            for target, line in targets.items()
            if target.startswith("cluster/") and target != FRONT_DOOR
        ]
        if face
        else []
    )


def test_the_face_imports_the_cluster_layer_through_its_front_door():
    offenders = past_the_front_door(PACKAGE)
    assert offenders == [], "\n".join(offenders)


def test_the_client_layer_never_imports_the_docker_sdk():
    """`client/` drives the container objects `cluster/` hands it (`DockerExec`); making,
    finding and removing containers is the cluster layer's."""
    found = [
        f"{module}:{line}"
        for module, tree in sources(PACKAGE).items()
        if module.startswith("client/")
        for name, line in outside_imports(tree)
        if name == "docker"
    ]
    assert found == [], f"imports of the Docker SDK in client/: {found}"


def test_the_modules_import_each_other_without_a_cycle():
    found = cycles(PACKAGE)
    assert found == [], "import cycles:\n" + "\n".join(found)


# -- the checks themselves, on a package made here ------------------------------------------


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A package `pkg` whose modules are written by the test (`write`)."""
    root = tmp_path / "pkg"
    root.mkdir()
    return root


def write(package: Path, module: str, text: str) -> None:
    path = package / module
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_relative_imports_resolve_to_modules_and_packages(package):
    write(package, "__init__.py", "")
    write(package, "errors.py", "")
    write(package, "client/__init__.py", "")
    write(package, "client/dmg.py", "")
    write(package, "cluster/__init__.py", "from .. import errors\n")
    write(package, "cluster/config.py",
          "from ..client import dmg\nfrom ..client.dmg import Dmg\nimport pkg.errors\n"
          "from . import nothing_here\nimport json\n")  # fmt: skip
    edges = graph(package)
    assert edges["cluster/__init__.py"] == {"errors.py": 1}
    assert edges["cluster/config.py"] == {
        "client/dmg.py": 1,
        "errors.py": 3,
        "cluster/__init__.py": 4,
    }


def test_an_import_upward_is_named_also_under_type_checking(package):
    write(package, "errors.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
          "    from .client.dmg import Dmg\n")  # fmt: skip
    write(package, "client/dmg.py", "def later():\n    from ..cluster import nodes\n")
    write(package, "cluster/nodes.py", "from ..client import dmg\n")
    assert upward_imports(package) == [
        "client/dmg.py:2 imports cluster/nodes.py: client imports cluster, a layer above it",
        "errors.py:3 imports client/dmg.py: leaves imports client, a layer above it",
    ]


def test_the_sim_neither_imports_nor_is_imported(package):
    write(package, "sim/dmg.py", "from ..errors import PytestDaosError\nfrom . import flags\n")
    write(package, "sim/flags.py", "")
    write(package, "errors.py", "")
    write(package, "cli.py", "from .sim import dmg\n")
    assert upward_imports(package) == [
        "cli.py:1 imports sim/dmg.py: the sim stands apart",
        "sim/dmg.py:1 imports errors.py: the sim stands apart",
    ]


def test_outside_imports_are_named_by_their_top_package():
    tree = ast.parse("import docker.errors\nfrom docker import types\nfrom . import docker\n"
                     "def f():\n    import json, os.path\n")  # fmt: skip
    assert sorted(outside_imports(tree)) == [("docker", 1), ("docker", 2), ("json", 5), ("os", 5)]


def test_a_cycle_is_named_once_with_its_modules(package):
    write(package, "a.py", "from . import b\n")
    write(package, "b.py", "from .c import x\n")
    write(package, "c.py", "import pkg.a\n")
    write(package, "d.py", "from . import a\n")
    assert cycles(package) == ["a.py -> b.py -> c.py -> a.py"]


def test_long_modules_and_functions_are_named_with_their_size_and_limit(package):
    write(package, "big.py", textwrap.dedent("""\
        class C:
            def method(self):
                a = 1
                return a


        def outer():
            @decorated
            def inner():
                return 1

            return inner
        """))  # fmt: skip
    write(package, "sim/bigger.py", "def sim():\n" + "    x = 1\n" * 20)
    assert line_offenders(package, limit=10) == ["big.py: 12 lines (limit 10)"]
    assert function_offenders(package, limit=2) == [
        "big.py:C.method (line 2): 3 lines (limit 2)",
        "big.py:outer (line 7): 6 lines (limit 2)",
    ]
    assert function_offenders(package, limit=1) == [
        "big.py:C.method (line 2): 3 lines (limit 1)",
        "big.py:outer (line 7): 6 lines (limit 1)",
        "big.py:outer.inner (line 9): 2 lines (limit 1)",
    ]


def test_a_type_named_under_type_checking_makes_no_cycle(package):
    write(package, "client/cluster.py", "from .pool import Pool\n")
    write(package, "client/pool.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
          "    from .cluster import Cluster\n")  # fmt: skip
    assert cycles(package) == []
    write(package, "client/pool.py", "from .cluster import Cluster\n")
    assert cycles(package) == ["client/cluster.py -> client/pool.py -> client/cluster.py"]


def test_an_import_past_the_front_door_is_named(package):
    write(package, "plugin.py", "from .cluster.api import prepare\nfrom .cluster import nodes\n")
    write(package, "cluster/api.py", "from . import nodes\n")
    write(package, "cluster/nodes.py", "")
    assert past_the_front_door(package) == [
        "plugin.py:2 imports cluster/nodes.py: the face reaches cluster/ through cluster/api.py"
    ]
