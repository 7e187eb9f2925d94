"""The settings inside pytest: command line > environment > ini file > default, where each
came from in the header on -v, ini booleans read by pytest as booleans, typed --help."""

from __future__ import annotations

import re

import pytest

PLAIN_TEST = """
def test_plain():
    pass
"""


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No PYTEST_DAOS_* variable of the calling shell reaches the inner run."""
    import os

    for name in [name for name in os.environ if name.startswith("PYTEST_DAOS_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_the_environment_beats_the_ini_file_and_the_header_says_so_on_v(
    pytester, clean_environment
):
    """A project's ini says 2.4; tox's set_env (the environment) says 2.0: 2.0 runs."""
    pytester.makeini("[pytest]\ndaos_version = 2.4\ndaos_reuse = true\ndaos_pool_size = 3G\n")
    clean_environment.setenv("PYTEST_DAOS_VERSION", "2.0")
    clean_environment.setenv("PYTEST_DAOS_KEEP", "1")  # daos_keep is not in the ini file
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("-v", "--daos-iface=lo", "--daos-system=existing")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "daos: existing DAOS 2.0 system *",
            "daos settings: daos_iface=lo from --daos-iface, daos_version=2.0 from "
            "PYTEST_DAOS_VERSION, daos_pool_size=3G from tox.ini, daos_system=existing from "
            "--daos-system, daos_keep=true from PYTEST_DAOS_KEEP, daos_reuse=true from tox.ini",
        ]
    )
    quiet = pytester.runpytest("--daos-iface=lo", "--daos-system=existing")
    quiet.stdout.fnmatch_lines(["daos: existing DAOS 2.0 system *"])
    assert "daos settings" not in quiet.stdout.str()  # the header line alone, as it was


def test_an_ini_boolean_false_is_below_the_environment(pytester, clean_environment):
    pytester.makeini("[pytest]\ndaos_keep = false\n")
    clean_environment.setenv("PYTEST_DAOS_KEEP", "yes")
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("-v", "--daos-system=existing")
    result.stdout.fnmatch_lines(
        ["daos settings: daos_system=*, daos_keep=true from PYTEST_DAOS_KEEP"]
    )


def test_an_ini_value_given_with_o_is_said_to_come_from_there(pytester, clean_environment):
    pytester.makeini("[pytest]\ndaos_system = docker\n")
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("-v", "-o", "daos_system=existing")
    result.stdout.fnmatch_lines(["daos settings: daos_system=existing from -o daos_system"])


def test_an_ini_boolean_pytest_cannot_read_is_one_usage_error(pytester, clean_environment):
    pytester.makeini("[pytest]\ndaos_keep = maybe\n")
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pytest-daos: ini key daos_keep: *maybe*: write true or false*"])
    assert "Traceback" not in result.stderr.str()


def test_help_shows_what_each_value_is_and_the_choices(pytester):
    text = pytester.runpytest("--help").stdout.str()
    for shown in ("--daos-version=2.0|2.4|2.6", "--daos-privileged=auto|yes|no",
                  "--daos-system=docker|existing", "--daos-scm-size=GIB", "--daos-iface=IFACE",
                  "--daos-pool-size=SIZE", "--daos-start-timeout=SECONDS",
                  "--daos-build-arg=KEY=VALUE", "--daos-state-dir=PATH",
                  "daos_keep (bool):", "daos_build_arg (linelist):"):  # fmt: skip
        assert shown in text
    assert not re.search(r"--daos-[a-z-]+=VALUE\b", text)


def test_the_default_pool_size_of_the_engines_is_said_on_v(pytester, clean_environment, nowhere):
    pytester.makepyfile(PLAIN_TEST)
    two = pytester.runpytest("-v", "--daos-iface=lo", "--daos-engines=2")
    two.assert_outcomes(passed=1)
    two.stdout.fnmatch_lines(
        ["daos settings: daos_iface=lo from --daos-iface, daos_engines=2 from --daos-engines",
         "daos defaults that follow from them: daos_pool_size=4G (2G per engine)"]
    )  # fmt: skip
    given = pytester.runpytest("-v", "--daos-iface=lo", "--daos-engines=2", "--daos-pool-size=3G")
    assert "daos defaults that follow" not in given.stdout.str()
