"""The project's pytest configuration as the `pytest-daos` command finds and reads it
(`inifile.py`): the file, the rootdir and the values pytest itself finds and reads, held
against pytest's own answer (`pytester.parseconfig`, a pytest configuration made as a run
makes it) in folders of ini files made here."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_daos import inifile
from pytest_daos.inifile import IniFileError, find
from pytest_daos.options import OPTIONS

OPTION = {option.name: option for option in OPTIONS}
NATIVE = pytest.version_tuple >= (9,)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def agrees_with_pytest(pytester: pytest.Pytester, *args: str, names: tuple[str, ...] = ()):
    """Our reading and pytest's of the folder pytester is in (`args`: -c, --rootdir):
    the same file, rootdir and values of `names`; returns ours."""
    given = dict(zip(args[::2], args[1::2], strict=True))
    ours = find(given.get("-c"), given.get("--rootdir"))
    theirs = pytester.parseconfig(*args)
    assert (ours.path, ours.rootdir) == (theirs.inipath, theirs.rootpath)
    for name in names:
        expected = theirs.getini(OPTION[name].ini)
        assert ours.value(OPTION[name]) == (expected if expected not in ("", [], None) else None)
    return ours


def test_the_first_folder_upward_with_a_file_that_configures_pytest(pytester, monkeypatch):
    root = pytester.path
    write(root, "pytest.ini", "[pytest]\ndaos_version = 2.4\n")
    write(root / "pkg", "tox.ini", "[tox]\nenv_list = py\n")  # no [pytest]: not pytest's
    write(root / "pkg", "setup.cfg", "[metadata]\nname = x\n")
    monkeypatch.chdir(write(root / "pkg/sub", "x.py", "").parent)
    found = agrees_with_pytest(pytester, names=("version",))
    assert found.path == root / "pytest.ini" and found.source == "pytest.ini"
    write(root / "pkg", "setup.cfg", "[tool:pytest]\ndaos_version = 2.0\n")
    found = agrees_with_pytest(pytester, names=("version",))
    assert found.path == root / "pkg/setup.cfg" and found.value(OPTION["version"]) == "2.0"


def test_in_one_folder_pytest_ini_comes_before_pyproject_toml_and_tox_ini(pytester):
    write(pytester.path, "tox.ini", "[pytest]\ndaos_version = 2.0\n")
    write(pytester.path, "pyproject.toml", "[tool.pytest.ini_options]\ndaos_version = '2.4'\n")
    assert agrees_with_pytest(pytester, names=("version",)).path.name == "pyproject.toml"
    write(pytester.path, "pytest.ini", "")  # a pytest.ini always configures pytest
    found = agrees_with_pytest(pytester, names=("version",))
    assert found.path.name == "pytest.ini" and found.value(OPTION["version"]) is None


def test_a_pyproject_without_pytest_is_the_file_only_where_nothing_else_is(pytester):
    write(pytester.path, "pyproject.toml", "[project]\nname = 'x'\n")
    found = agrees_with_pytest(pytester, names=("version",))
    assert found.path == pytester.path / "pyproject.toml" and found.values == {}


def test_no_file_at_all(pytester, tmp_path_factory, monkeypatch):
    empty = tmp_path_factory.mktemp("nothing")
    monkeypatch.chdir(empty)
    found = find()
    assert (found.path, found.rootdir, found.values) == (None, empty, {})


def test_values_as_pytests_getini_gives_them(pytester):
    write(pytester.path, "pyproject.toml", """\
[tool.pytest.ini_options]
daos_version = 2.4
daos_keep = true
daos_reuse = "off"
daos_build_arg = ["A=1", "B=2"]
daos_scm_size = 8
""")  # fmt: skip
    found = agrees_with_pytest(
        pytester, names=("version", "keep", "reuse", "build_arg", "scm_size", "rebuild")
    )
    assert found.value(OPTION["version"]) == "2.4"  # a TOML number, as text
    assert found.value(OPTION["keep"]) is True and found.value(OPTION["reuse"]) is False
    assert found.value(OPTION["build_arg"]) == ["A=1", "B=2"]


def test_ini_booleans_and_line_lists(pytester):
    write(pytester.path, "tox.ini", "[pytest]\ndaos_keep = y\ndaos_reuse = OFF\n"
          "daos_build_arg =\n    A=1\n    B=2\n")  # fmt: skip
    found = agrees_with_pytest(pytester, names=("keep", "reuse", "build_arg"))
    assert found.value(OPTION["keep"]) is True and found.value(OPTION["reuse"]) is False
    write(pytester.path, "tox.ini", "[pytest]\ndaos_keep = maybe\n")
    with pytest.raises(IniFileError, match="ini key daos_keep: 'maybe' is not a boolean: write"):
        find().value(OPTION["keep"])


@pytest.mark.skipif(not NATIVE, reason="pytest 9 reads native TOML")
def test_native_toml_values_must_have_the_options_type(pytester):
    write(pytester.path, "pytest.toml", '[pytest]\ndaos_version = "2.4"\ndaos_keep = true\n')
    write(pytester.path, "pytest.ini", "[pytest]\ndaos_version = 2.0\n")  # comes after
    found = agrees_with_pytest(pytester, names=("version", "keep"))
    assert found.path.name == "pytest.toml" and found.value(OPTION["keep"]) is True
    write(pytester.path, "pytest.toml", "[pytest]\ndaos_version = 2.4\ndaos_keep = 'yes'\n")
    with pytest.raises(IniFileError, match=r"daos_version in .*pytest.toml: 2.4 is a float: write"):
        find().value(OPTION["version"])
    with pytest.raises(IniFileError, match=r"daos_keep in .*: 'yes' is a str: write true or false"):
        find().value(OPTION["keep"])


@pytest.mark.skipif(not NATIVE, reason="pytest 9 reads [tool.pytest]")
def test_tool_pytest_in_pyproject(pytester):
    write(pytester.path, "pyproject.toml", "[tool.pytest]\ndaos_build_arg = ['A=1']\n")
    assert agrees_with_pytest(pytester, names=("build_arg",)).value(OPTION["build_arg"]) == ["A=1"]


def test_c_names_the_file_and_its_folder_is_the_rootdir(pytester):
    write(pytester.path, "pytest.ini", "[pytest]\ndaos_version = 2.4\n")
    write(pytester.path / "ci", "daos.ini", "[pytest]\ndaos_version = 2.0\n")
    found = agrees_with_pytest(pytester, "-c", "ci/daos.ini", names=("version",))
    assert found.rootdir == pytester.path / "ci" and found.value(OPTION["version"]) == "2.0"
    assert found.source == "daos.ini"
    found = agrees_with_pytest(pytester, "-c", "ci/daos.ini", "--rootdir", str(pytester.path))
    assert found.source == "ci/daos.ini"  # as pytest's header names it, from the rootdir


def test_rootdir_changes_neither_the_file_nor_its_values(pytester):
    write(pytester.path / "sub", "pytest.ini", "[pytest]\ndaos_version = 2.0\n")
    write(pytester.path, "pytest.ini", "[pytest]\ndaos_version = 2.4\n")
    found = agrees_with_pytest(pytester, "--rootdir", "sub", names=("version",))
    assert found.path == pytester.path / "pytest.ini" and found.rootdir == pytester.path / "sub"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nothere.ini", None), "-c nothere.ini: not found: name pytest's configuration file"),
        ((".", None), "-c .: a folder: name pytest's configuration file"),
        (("notes.txt", None), "-c notes.txt: pytest reads no such file: name a .ini, .cfg"),
        ((None, "nodir"), "--rootdir nodir: no such folder: name an existing one"),
    ],
)
def test_a_file_or_rootdir_that_cannot_be_is_refused(pytester, args, message):
    write(pytester.path, "notes.txt", "hello\n")
    with pytest.raises(IniFileError) as caught:
        find(*args)
    assert str(caught.value).startswith(message)


def test_a_pytest_section_in_setup_cfg_is_refused_as_pytest_refuses_it(pytester):
    write(pytester.path, "setup.cfg", "[pytest]\ndaos_version = 2.4\n")
    with pytest.raises(IniFileError, match=r"setup.cfg: pytest no longer reads a \[pytest\]"):
        find()
    with pytest.raises(pytest.fail.Exception, match=r"\[pytest\] section in setup.cfg"):
        pytester.parseconfig()


def test_addopts_then_pytest_addopts(pytester, monkeypatch):
    write(pytester.path, "tox.ini", "[pytest]\naddopts = -p no:x --daos-version 2.4 -q\n")
    monkeypatch.setenv("PYTEST_ADDOPTS", "--daos-recipe=sim")
    assert find().addopts() == ["-p", "no:x", "--daos-version", "2.4", "-q", "--daos-recipe=sim"]


def test_files_pytest_reads_by_name_in_its_order():
    names = list(inifile.BY_NAME)
    classic = ["pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg"]
    assert names == (["pytest.toml", ".pytest.toml"] if NATIVE else []) + classic


def test_addopts_whose_quotes_do_not_close_are_one_message(pytester, monkeypatch):
    monkeypatch.setenv("PYTEST_ADDOPTS", "--daos-dmg='ssh admin01")
    with pytest.raises(IniFileError, match=r"^PYTEST_ADDOPTS: No closing quotation: close its"):
        find().addopts()
