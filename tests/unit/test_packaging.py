"""What the package says of itself and what its archives hold: one version, the license
file and the classifiers in its metadata, the project's tools as dependency groups (no
extra the wheel does not serve), an sdist that holds what its own tests need, a wheel of
the package alone, a README whose links work on a package index page, and a changelog in
Keep a Changelog's form."""

from __future__ import annotations

import ast
import configparser
import hashlib
import importlib.metadata
import re
from pathlib import Path
from typing import Any

import pytest

import pytest_daos

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parents[2]
PYPROJECT: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT: dict[str, Any] = PYPROJECT["project"]

#: sha256 of the Apache License 2.0 as the Apache Software Foundation publishes it
#: (https://www.apache.org/licenses/LICENSE-2.0.txt)
APACHE_2_0 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"


def test_the_version_is_written_once_in_the_package():
    assert "version" not in PROJECT
    assert "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["hatch"]["version"]["path"] == "pytest_daos/__init__.py"
    assert importlib.metadata.version("pytest-daos") == pytest_daos.__version__


def test_the_license_file_is_the_apache_license_the_metadata_names():
    assert PROJECT["license"] == "Apache-2.0"
    assert PROJECT["license-files"] == ["LICENSE"]
    assert hashlib.sha256((ROOT / "LICENSE").read_bytes()).hexdigest() == APACHE_2_0


def test_the_classifiers_say_what_the_plugin_runs_on():
    classifiers = PROJECT["classifiers"]
    assert "Framework :: Pytest" in classifiers
    assert "Operating System :: POSIX :: Linux" in classifiers
    assert [c for c in classifiers if c.startswith("Development Status :: ")]
    oldest = PROJECT["requires-python"].removeprefix(">=")
    assert f"Programming Language :: Python :: {oldest}" in classifiers
    matrix = re.search(r"py\{([\d,]+)\}-pytest", (ROOT / "tox.ini").read_text())
    assert matrix is not None
    for python in matrix.group(1).split(","):  # 310: Python 3.10
        assert f"Programming Language :: Python :: 3.{python[1:]}" in classifiers


#: The install of an extra of this project: `.` or `pytest-daos`, then the extra in brackets
EXTRA = re.compile(r"""(?:^|[\s'"])(?:\.|pytest-daos)\[(\w+)\]""")
TEXT_FILES = ("*.py", "*.sh", "*.md", "*.ini", "*.toml", "*.yml", "*.yaml", "run")


def project_texts() -> dict[str, str]:
    """The project's own text files (not virtual environments or build output)."""
    skip = {".venv", ".tox", ".git", "build", "dist", "__pycache__"}
    found = {}
    for pattern in TEXT_FILES:
        for path in ROOT.rglob(pattern):
            relative = path.relative_to(ROOT)
            if path.is_file() and not any(
                part in skip or part.startswith(".venv") for part in relative.parts
            ):
                found[relative.as_posix()] = path.read_text(errors="replace")
    return found


def test_the_tools_are_dependency_groups_and_nothing_installs_an_extra():
    assert "optional-dependencies" not in PROJECT, "the wheel serves no extra"
    groups = PYPROJECT["dependency-groups"]
    assert {"test", "lint", "type", "bench", "dev"} <= groups.keys()
    installs = [
        f"{name}: .[{extra}]"
        for name, text in project_texts().items()
        for extra in EXTRA.findall(text)
    ]
    assert installs == [], "install the dependency group instead (pip install --group NAME)"
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    for section in tox.sections():
        assert "extras" not in tox[section], f"tox.ini [{section}]: use dependency_groups"
        for group in tox[section].get("dependency_groups", "").split():
            assert group in groups, f"tox.ini [{section}]: no dependency group {group}"


def imported_tops(folder: Path) -> set[str]:
    """The top-level names the test files below `folder` import."""
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def test_the_sdist_holds_what_its_own_tests_need():
    """`pytest tests/unit tests/plugin` in the unpacked sdist collects: the top conftest.py
    and every folder of the source tree those tests import are in it."""
    from hatchling.builders.sdist import SdistBuilder

    files = {f.distribution_path for f in SdistBuilder(str(ROOT)).recurse_included_files()}
    needed = {"conftest.py", "README.md", "LICENSE", "CHANGELOG.md"}  # and pyproject.toml
    for tier in ("unit", "plugin", "helpers"):
        for name in imported_tops(ROOT / "tests" / tier):
            if (ROOT / name).is_dir():
                needed |= {
                    path.relative_to(ROOT).as_posix()
                    for path in (ROOT / name).rglob("*.py")
                    if "__pycache__" not in path.parts
                }
    for folder in ("scripts", ".ci"):  # what the docs and the CI examples' test name
        needed |= {path.relative_to(ROOT).as_posix() for path in (ROOT / folder).iterdir()}
    assert sorted(needed - files) == []


def test_the_wheel_holds_the_package_alone():
    """The wheel ships `pytest_daos/` whole (the docs generator too, which works on the
    source tree it is run in) and nothing of the source tree around it."""
    from hatchling.builders.wheel import WheelBuilder

    files = {f.distribution_path for f in WheelBuilder(str(ROOT)).recurse_included_files()}
    assert {path.split("/")[0] for path in files} == {"pytest_daos"}
    for needed in ("pytest_daos/py.typed", "pytest_daos/docs/__main__.py",
                   "pytest_daos/cluster/recipes/sim/daos-base/Dockerfile"):  # fmt: skip
        assert needed in files


#: A Markdown link or image whose target is neither a web address nor an anchor.
RELATIVE_LINK = re.compile(r"\]\((?!https?://|#)([^)]*)\)")


def test_the_readme_has_no_link_that_breaks_on_a_package_index_page():
    """A package index shows README.md without the source tree: a link to a file of the
    tree would lead nowhere there."""
    assert RELATIVE_LINK.findall((ROOT / "README.md").read_text()) == []


@pytest.mark.parametrize("text", ["[a](docs/x.md)", "![p](performance/a.png)", "[b]()"])
def test_a_relative_link_is_found(text: str):
    assert RELATIVE_LINK.findall(text)


@pytest.mark.parametrize("text", ["[a](https://example.org/x)", "[b](#options)"])
def test_web_addresses_and_anchors_are_not_relative_links(text: str):
    assert RELATIVE_LINK.findall(text) == []


#: Keep a Changelog's kinds of change, in its order.
KINDS = ("Added", "Changed", "Deprecated", "Removed", "Fixed", "Security")


def test_the_changelog_follows_keep_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text()
    releases = re.findall(r"^## (.*)$", text, re.MULTILINE)
    assert releases[0] == "[Unreleased]"
    dated = [re.fullmatch(r"\[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})", r) for r in releases[1:]]
    assert all(dated), f"a release heading is not `## [X.Y.Z] - YYYY-MM-DD`: {releases}"
    versions = [tuple(map(int, m.group(1).split("."))) for m in dated if m]
    assert versions == sorted(versions, reverse=True), "newest release first"
    assert dated[0] and dated[0].group(1) == pytest_daos.__version__
    for section in re.split(r"^## .*$", text, flags=re.MULTILINE)[1:]:
        kinds = re.findall(r"^### (.*)$", section, re.MULTILINE)
        assert set(kinds) <= set(KINDS), kinds
        assert kinds == sorted(kinds, key=KINDS.index)
