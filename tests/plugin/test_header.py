"""The `daos:` line shows only where DAOS is used: in the header when a pytest-daos option
is set (command line, ini file or environment), else after collection when a selected test
needs DAOS (under pytest-xdist too, once); never in a project that uses neither."""

from __future__ import annotations

import pytest

from pytest_daos.options import OPTIONS

DAOS_TEST = """
def test_needs_daos(daos_pool):
    pass
"""
PLAIN_TEST = """
def test_plain():
    pass
"""


@pytest.fixture
def no_daos_settings(monkeypatch, pytester):
    """No pytest-daos option in the environment; the default state folder (in TMPDIR)
    is the test's own."""
    for option in OPTIONS:
        monkeypatch.delenv(option.env, raising=False)
    monkeypatch.setenv("TMPDIR", str(pytester.path))


def daos_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("daos: ")]


def test_a_project_without_daos_tests_or_options_shows_no_daos_line(pytester, no_daos_settings):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert daos_lines(result.stdout.str()) == []


@pytest.mark.parametrize("where", ["command line", "ini", "environment"])
def test_a_daos_option_shows_the_line_in_the_header(pytester, no_daos_settings, monkeypatch,
                                                    where):  # fmt: skip
    pytester.makepyfile(PLAIN_TEST)
    args = []
    if where == "command line":
        args = ["--daos-engines=2"]
    elif where == "ini":
        pytester.makeini("[pytest]\ndaos_engines = 2\n")
    else:
        monkeypatch.setenv("PYTEST_DAOS_ENGINES", "2")
    result = pytester.runpytest(*args)
    result.assert_outcomes(passed=1)
    text = result.stdout.str()
    assert len(daos_lines(text)) == 1
    assert text.index("daos: DAOS 2.6") < text.index("collected 1 item")


def test_a_selected_daos_test_shows_the_line_after_collection(pytester, no_daos_settings):
    pytester.makepyfile(DAOS_TEST + PLAIN_TEST)
    result = pytester.runpytest("--collect-only")
    text = result.stdout.str()
    assert len(daos_lines(text)) == 1
    assert text.index("collected 2 items") < text.index("daos: DAOS 2.6")


def test_a_daos_test_not_selected_shows_no_line(pytester, no_daos_settings):
    pytester.makepyfile(DAOS_TEST + PLAIN_TEST)
    result = pytester.runpytest("--collect-only", "-m", "not daos")
    assert daos_lines(result.stdout.str()) == []


def test_the_line_after_collection_keeps_quiet_with_the_header(pytester, no_daos_settings):
    pytester.makepyfile(DAOS_TEST)
    for quiet in (["-q"], ["--no-header"]):
        result = pytester.runpytest("--collect-only", *quiet)
        assert daos_lines(result.stdout.str()) == [], quiet


def test_under_xdist_a_workers_daos_test_shows_the_line_once(pytester, no_daos_settings, nowhere):
    """No Docker engine: the DAOS test is skipped after the line is shown."""
    pytester.makepyfile(DAOS_TEST.replace("test_needs_daos", "test_one")
                        + DAOS_TEST.replace("test_needs_daos", "test_two"))  # fmt: skip
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(skipped=2)
    assert len(daos_lines(result.stdout.str())) == 1, result.stdout.str()
