"""Bad option values: one usage error line each (exit status 4), never a traceback or an
INTERNALERROR, and nothing left behind: no state folder, no Docker call (the Docker engine
is one that does not exist)."""

from __future__ import annotations

import pytest

PLAIN_TEST = """
def test_plain():
    assert 1 + 1 == 2
"""
DAOS_TEST = """
def test_needs_daos(daos_pool):
    pass
"""


@pytest.fixture
def run(pytester, monkeypatch):
    """Run pytest on a plain test and a DAOS test (deselected unless `deselect=False`) with
    a state folder of its own; the result, its stderr lines and whether the state folder
    exists afterwards."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    pytester.makepyfile(test_plain=PLAIN_TEST, test_daos=DAOS_TEST)
    state = pytester.path / "state"

    def run(*args: str, deselect: bool = True) -> tuple[pytest.RunResult, list[str], bool]:
        select = ("-m", "not daos") if deselect else ()
        result = pytester.runpytest(f"--daos-state-dir={state}", *select, *args)
        output = result.stdout.str() + result.stderr.str()
        assert "Traceback" not in output
        assert "INTERNALERROR" not in output
        return result, result.stderr.lines, state.exists()

    return run


def assert_usage_error(outcome: tuple[pytest.RunResult, list[str], bool], message: str) -> None:
    result, stderr, state_left = outcome
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in stderr if line.strip()] == [f"ERROR: pytest-daos: {message}"]
    assert not state_left


def test_a_recipe_that_is_not_a_text_file(run):
    assert_usage_error(
        run("--daos-recipe=/bin/ls"),
        "/bin/ls: not a recipe file: it is not text (a recipe file is TOML, see docs/recipes.md)",
    )


def test_a_recipe_that_is_a_folder(run, pytester):
    assert_usage_error(
        run(f"--daos-recipe={pytester.path}"),
        f"--daos-recipe={pytester.path}: a folder, not a recipe file: name a recipe file "
        "(TOML) or one of upstream, local, sim",
    )


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "abc"])
def test_start_timeout_must_be_a_positive_finite_number(run, value):
    assert_usage_error(
        run(f"--daos-start-timeout={value}"),
        f"--daos-start-timeout={value}: {value!r} is not a positive finite number of seconds",
    )


@pytest.mark.parametrize("value", ["inf", "nan", "0"])
def test_sim_join_delay_must_be_a_positive_finite_number(run, value):
    assert_usage_error(
        run("--daos-recipe=sim", f"--daos-sim-join-delay={value}"),
        f"--daos-sim-join-delay={value}: {value!r} is not a positive finite number of seconds",
    )


@pytest.mark.parametrize("value", ["abc", "-3", "1.5"])
def test_hugepages_must_be_a_whole_number(run, value):
    assert_usage_error(
        run(f"--daos-hugepages={value}"),
        f"--daos-hugepages={value}: {value!r} is not a whole number (0 or more)",
    )


def test_hugepages_from_the_environment_names_the_variable(run, monkeypatch):
    monkeypatch.setenv("PYTEST_DAOS_HUGEPAGES", "lots")
    assert_usage_error(
        run(),
        "environment variable PYTEST_DAOS_HUGEPAGES=lots: 'lots' is not a whole number (0 or more)",
    )


@pytest.mark.parametrize("version", ["2.4", "2.6"])
def test_a_percentage_pool_size_is_accepted_from_2_4(run, version):
    result, _, state_left = run(f"--daos-version={version}", "--daos-pool-size=50%")
    result.assert_outcomes(passed=1, deselected=1)
    assert not state_left


def test_a_percentage_pool_size_is_refused_on_2_0(run):
    assert_usage_error(
        run("--daos-version=2.0", "--daos-pool-size=50%"),
        "--daos-pool-size=50%: DAOS 2.0 has no percentage pool sizes (2.4 and later have): "
        "use a size such as 2G",
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", "'0' is not a size above 0: use a size such as 2G (10**9 bytes) or 2GiB"),
        ("0G", "'0G' is not a size above 0: use a size such as 2G (10**9 bytes) or 2GiB"),
        ("0%", "'0%' is not a percentage of the free space from 1% to 100%"),
        ("101%", "'101%' is not a percentage of the free space from 1% to 100%"),
        ("2.5%", "'2.5%' is not a percentage of the free space from 1% to 100%"),
    ],
)
def test_an_empty_or_impossible_pool_size_is_refused(run, value, problem):
    assert_usage_error(run(f"--daos-pool-size={value}"), f"--daos-pool-size={value}: {problem}")


def test_an_unknown_release_names_the_choices(run):
    assert_usage_error(
        run("--daos-version=2.5"), "--daos-version=2.5: '2.5' is not one of 2.0, 2.4, 2.6"
    )


def test_an_unbalanced_quote_in_a_command_prefix(run):
    assert_usage_error(
        run("--daos-system=existing", "--daos-dmg=ssh 'admin01", deselect=False),
        "--daos-dmg=ssh 'admin01: not a command prefix (No closing quotation): quote its "
        "words as a shell would, e.g. ssh admin01",
    )


def test_an_unknown_remote_shell_mode(run):
    assert_usage_error(
        run("--daos-system=existing", "--daos-remote-shell=maybe"),
        "--daos-remote-shell=maybe: 'maybe' is not one of auto, yes, no",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--daos-engines=0",), "--daos-engines=0: '0' is not a whole number of 1 or more"),
        (("--daos-engines=2", "--daos-hugepages=512"),
         "--daos-engines=2: 2 engines need 1024 hugepages at least (each takes about 500; with "
         "fewer the engines die at start), not 512: use --daos-hugepages=1024"),
        (("--daos-engines=2", "--daos-scm-size=3"),
         "--daos-engines=2: each engine needs 4 GiB of SCM at least (DAOS 2.6 refuses less "
         "with fault 730), not 3: use --daos-scm-size=4"),
    ],
)  # fmt: skip
def test_engines_that_cannot_run_are_one_line_each(run, args, message):
    assert_usage_error(run(*args), message)


def test_engines_from_the_ini_file_name_the_key(run, pytester):
    pytester.makeini("[pytest]\ndaos_engines = 3\n")
    assert_usage_error(
        run(),
        "ini key daos_engines=3: 3 engines need 1536 hugepages at least (each takes about 500; "
        "with fewer the engines die at start), not 1024: use --daos-hugepages=1536",
    )
