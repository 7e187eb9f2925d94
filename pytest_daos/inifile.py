"""The project's pytest configuration file, found and read as pytest finds and reads it,
so that the `pytest-daos` command resolves the settings a pytest run in the same folder
resolves (pytest reads the file itself for a run; its own reader is not public).

The rules are pytest's (`determine_setup` and `locate_config` in pytest's
`_pytest/config/findpaths.py`):

- `-c FILE` (`--config-file FILE`) names the file: a FILE that does not exist or is a
  folder is refused. Otherwise the current folder, then each folder above it, is searched
  for, in this order: `pytest.toml` and `.pytest.toml` (pytest 9 and later), `pytest.ini`,
  `.pytest.ini`, `pyproject.toml`, `tox.ini`, `setup.cfg`. The first file that configures
  pytest is the one: `pytest.toml`, `.pytest.toml`, `pytest.ini` and `.pytest.ini` always
  do (even without a pytest section); `pyproject.toml` with a `[tool.pytest.ini_options]`
  table (or, pytest 9 and later, `[tool.pytest]`); `tox.ini` with a `[pytest]` section;
  `setup.cfg` with a `[tool:pytest]` section (a `[pytest]` section there is refused, as
  pytest refuses it). Where none does, the first `pyproject.toml` found is the file, with
  no values.
- The rootdir is the file's folder (with none: the current folder); `--rootdir DIR` names
  another, which must be a folder, and changes neither which file is read nor its values.
- Values are what pytest's `getini` returns for the types the plugin registers: text,
  booleans (`addini(type="bool")`: true or false, yes or no, on or off, 1 or 0, y or n,
  t or f) and line lists (`daos_build_arg`). In ini files and `[tool.pytest.ini_options]`
  every value is text (a TOML number or boolean becomes its text); in pytest 9's native
  TOML tables (`pytest.toml`, `[tool.pytest]`) text must be a TOML string, a boolean a
  TOML boolean and a line list a list of strings.
- The `--daos-*` options in the file's `addopts` and in `PYTEST_ADDOPTS` count as given
  on the command line, as in pytest (`addopts` first, then `PYTEST_ADDOPTS`).

Not followed: test paths given to pytest (the search of a run starts at the folder they
share; the command's starts at the current folder: name the file with `-c`), `-o`, and
conftest.py files.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import iniconfig
from pytest import version_tuple

from .errors import PytestDaosError
from .options import Option

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

#: pytest 9 added pytest.toml, .pytest.toml and the native [tool.pytest] table
NATIVE_TOML = version_tuple >= (9,)

Values = dict[str, Any]


class IniFileError(PytestDaosError, ValueError):
    """The project's pytest configuration cannot be read, or has a value of the wrong
    type; the message names the file and what to change."""


@dataclass(frozen=True)
class IniFile:
    """The pytest configuration of a project: its file (None: there is none), the
    rootdir, the file's values, and whether they are pytest 9's native TOML values."""

    path: Path | None
    rootdir: Path
    values: Values = field(default_factory=dict)
    native: bool = False

    @property
    def source(self) -> str:
        """The file as pytest's header names it: relative to the rootdir."""
        return os.path.relpath(self.path, self.rootdir) if self.path else "the ini file"

    def value(self, option: Option) -> str | bool | list[str] | None:
        """The file's value of `option`'s ini key as pytest's `getini` returns it (None:
        not in the file)."""
        if option.ini not in self.values:
            return None
        raw = self.values[option.ini]
        if option.flag:
            if self.native:
                return bool(self._expect(option, raw, bool))
            return _truth(option, str(raw).strip())
        if option.multiple:
            if isinstance(raw, str) and not self.native:
                return [line.strip() for line in raw.split("\n") if line.strip()]
            return [
                str(self._expect(option, item, str)) for item in self._expect(option, raw, list)
            ]
        return str(self._expect(option, raw, str))

    def _expect(self, option: Option, raw: Any, kind: type) -> Any:
        """`raw`, when it is a `kind` as pytest's getini takes it for `option`'s type."""
        if not isinstance(raw, kind):
            raise IniFileError(
                f"ini key {option.ini} in {self.path}: {raw!r} is a {type(raw).__name__}: "
                f"write {option.ini_kind}"
            )
        return raw

    def addopts(self) -> list[str]:
        """The file's `addopts`, then `PYTEST_ADDOPTS`, split as pytest splits them."""
        given = self.values.get("addopts", [])
        words = _split(given, f"addopts in {self.path}") if isinstance(given, str) else given
        environment = _split(os.environ.get("PYTEST_ADDOPTS", ""), "PYTEST_ADDOPTS")
        return [str(word) for word in words] + environment


def _split(text: str, where: str) -> list[str]:
    """`text` split into words as a shell splits them, as pytest splits addopts."""
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise IniFileError(f"{where}: {exc}: close its quotes") from None


def _truth(option: Option, text: str) -> bool:
    """A boolean as pytest's `getini(type="bool")` reads it."""
    if text.lower() in ("y", "yes", "t", "true", "on", "1"):
        return True
    if text.lower() in ("n", "no", "f", "false", "off", "0"):
        return False
    raise IniFileError(f"ini key {option.ini}: {text!r} is not a boolean: write {option.ini_kind}")


def _ini(path: Path, section: str, always: bool = False) -> tuple[Values, bool] | None:
    """The `section` of an ini file (with `always`, none is no values)."""
    try:
        parsed = iniconfig.IniConfig(str(path))
    except (iniconfig.ParseError, OSError) as exc:
        raise IniFileError(f"{path}: not an ini file pytest can read: {exc}") from None
    if path.suffix == ".cfg" and section not in parsed and "pytest" in parsed:
        raise IniFileError(
            f"{path}: pytest no longer reads a [pytest] section in a .cfg file: rename it "
            "[tool:pytest]"
        )
    if section in parsed:
        return dict(parsed[section].items()), False
    return ({}, False) if always else None


def _toml(path: Path) -> dict[str, Any]:
    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise IniFileError(f"{path}: not a TOML file pytest can read: {exc}") from None


def _tool_pytest(path: Path) -> tuple[Values, bool] | None:
    """`[tool.pytest.ini_options]` (values as text) or pytest 9's `[tool.pytest]`."""
    tool = _toml(path).get("tool", {}).get("pytest", {})
    native = {key: value for key, value in tool.items() if key != "ini_options"}
    if NATIVE_TOML and native:
        if "ini_options" in tool:
            raise IniFileError(
                f"{path}: both [tool.pytest] and [tool.pytest.ini_options]: pytest reads "
                "only one of them, keep one"
            )
        return native, True
    if "ini_options" not in tool:
        return None
    options = tool["ini_options"].items()
    return {key: value if isinstance(value, list) else str(value) for key, value in options}, False


def _pytest_toml(path: Path) -> tuple[Values, bool] | None:
    """pytest.toml and .pytest.toml (pytest 9): the `[pytest]` table, in native TOML."""
    return dict(_toml(path).get("pytest", {})), True


Loader = Callable[[Path], "tuple[Values, bool] | None"]

#: The files pytest looks for in each folder, in its order, and how each is read.
BY_NAME: dict[str, Loader] = {
    **({"pytest.toml": _pytest_toml, ".pytest.toml": _pytest_toml} if NATIVE_TOML else {}),
    "pytest.ini": lambda path: _ini(path, "pytest", always=True),
    ".pytest.ini": lambda path: _ini(path, "pytest", always=True),
    "pyproject.toml": _tool_pytest,
    "tox.ini": lambda path: _ini(path, "pytest"),
    "setup.cfg": lambda path: _ini(path, "tool:pytest"),
}
#: How a file `-c` names is read when its name is none of the above.
BY_SUFFIX: dict[str, Loader] = {
    ".ini": lambda path: _ini(path, "pytest"),
    ".cfg": lambda path: _ini(path, "tool:pytest"),
    ".toml": lambda path: _tool_pytest(path) or (_pytest_toml(path) if NATIVE_TOML else None),
}


def _named(config_file: str) -> tuple[Path, Values, bool]:
    """The file `-c` names, and its values."""
    path = Path(config_file).absolute()
    if not path.exists() or path.is_dir():
        what = "a folder" if path.exists() else "not found"
        raise IniFileError(f"-c {config_file}: {what}: name pytest's configuration file")
    loader = BY_NAME.get(path.name) or BY_SUFFIX.get(path.suffix)
    if loader is None and path.is_file():
        raise IniFileError(
            f"-c {config_file}: pytest reads no such file: name a .ini, .cfg or .toml file"
        )
    values, native = (loader(path) if loader is not None else None) or ({}, False)
    return path, values, native


def _search(start: Path) -> tuple[Path | None, Values, bool]:
    """The first file from `start` upward that configures pytest, and its values."""
    pyproject: Path | None = None
    for folder in (start, *start.parents):
        for name, loader in BY_NAME.items():
            path = folder / name
            if not path.is_file():
                continue
            pyproject = pyproject or (path if name == "pyproject.toml" else None)
            found = loader(path)
            if found is not None:
                return path, found[0], found[1]
    return pyproject, {}, False


def find(config_file: str | None = None, rootdir: str | None = None) -> IniFile:
    """The project's pytest configuration as a pytest run in the current folder with
    these `-c` and `--rootdir` finds it (the rules: this module's docstring)."""
    cwd = Path.cwd()
    path: Path | None
    if config_file:
        path, values, native = _named(config_file)
        root = path.parent if path.is_file() else cwd
    else:
        path, values, native = _search(cwd)
        root = path.parent if path is not None else cwd
    if rootdir:
        root = Path(os.path.expandvars(rootdir)).absolute()
        if not root.is_dir():
            raise IniFileError(f"--rootdir {rootdir}: no such folder: name an existing one")
    return IniFile(path, root, values, native)
