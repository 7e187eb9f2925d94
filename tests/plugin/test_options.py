"""The plugin inside pytest, without Docker: options, markers, header, and clear errors."""

from __future__ import annotations

import pytest
from fake_docker import FakeClient, FakeImages

from pytest_daos.cluster.recipes.sim_base import OFFLINE, USUAL

DAOS_TEST = """
def test_needs_daos(daos_pool):
    pass
"""
PLAIN_TEST = """
def test_plain():
    assert 1 + 1 == 2
"""


def test_help_lists_every_option_with_its_ini_and_environment_names(pytester):
    result = pytester.runpytest("--help")
    text = result.stdout.str()
    for flag in ("--daos-iface", "--daos-recipe", "--daos-scm-size", "--daos-pool-size",
                 "--daos-start-timeout", "--daos-rebuild", "--daos-privileged"):  # fmt: skip
        assert flag in text
    assert "PYTEST_DAOS_SCM_SIZE" in text
    assert "daos_scm_size" in text


def test_bad_value_is_one_usage_error_without_traceback(pytester):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-scm-size=1.5G")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pytest-daos: --daos-scm-size=1.5G: '1.5G' is not a whole*"])
    assert "Traceback" not in result.stderr.str()


def test_bad_ini_value_names_the_ini_key(pytester):
    pytester.makeini("[pytest]\ndaos_version = 9.9\n")
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini key daos_version=9.9: '9.9' is not one of 2.0, 2.4, 2.6*"])


def test_unknown_recipe_is_a_usage_error_naming_the_choices(pytester):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-recipe=nosuch.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*--daos-recipe=nosuch.toml: not one of upstream, local, sim, and no recipe file "
            "*/nosuch.toml*"
        ]
    )


def test_suite_without_daos_tests_never_touches_docker(pytester, nowhere):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert "= pytest-daos =" not in result.stdout.str()  # no summary section: nothing ran


def test_daos_marker_is_added_to_tests_that_use_daos_fixtures(pytester, nowhere):
    pytester.makepyfile(DAOS_TEST + PLAIN_TEST)
    result = pytester.runpytest("-m", "not daos")
    result.assert_outcomes(passed=1, deselected=1)
    result = pytester.runpytest("-m", "daos", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*::test_needs_daos"])
    assert "test_plain" not in result.stdout.str()


def test_header_names_version_recipe_and_interface(pytester):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-iface=lo", "--daos-recipe=sim", "--daos-sim-base-image=b:1")
    result.stdout.fnmatch_lines(
        ["daos: DAOS 2.6, recipe sim on base image b:1 (given), interface lo (127.0.0.1), "
         "nodes run with *"]
    )  # fmt: skip
    result = pytester.runpytest("--daos-iface=lo", "--daos-privileged=yes")
    result.stdout.fnmatch_lines(["daos: *, nodes run with --privileged"])


def test_header_of_an_existing_system_says_how_it_is_reached(pytester, nowhere):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-system=existing", "--daos-dmg=ssh admin01")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["daos: existing DAOS 2.6 system (dmg: ssh admin01, daos: this host)"]
    )


def test_an_unknown_interface_is_a_usage_error_naming_the_interfaces_that_exist(pytester, nowhere):
    """A misspelt interface is a mistake found from the host's interfaces before anything
    runs: the run stops (exit status 4) instead of skipping every DAOS test."""
    pytester.makepyfile(DAOS_TEST + PLAIN_TEST)
    result = pytester.runpytest("--daos-iface=nope0", "-rs")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert len([line for line in result.stderr.lines if line.strip()]) == 1
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-daos: --daos-iface=nope0 cannot work on this host: interface: network "
         "interface 'nope0' does not exist; interfaces with an IPv4 address: *lo (127.0.0.1)* "
         "(fix: pass --daos-iface=NAME)"]
    )  # fmt: skip
    assert "Traceback" not in result.stdout.str()


def test_an_unknown_interface_from_the_environment_names_the_variable(
    pytester, nowhere, monkeypatch
):
    monkeypatch.setenv("PYTEST_DAOS_IFACE", "nope0")
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: pytest-daos: daos_iface=nope0 from PYTEST_DAOS_IFACE cannot work on this host: "
         "interface: network interface 'nope0' does not exist;*"]
    )  # fmt: skip


def test_an_unknown_interface_is_no_matter_for_an_existing_system(pytester, nowhere):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-system=existing", "--daos-iface=nope0")
    result.assert_outcomes(passed=1)


def test_required_turns_the_skip_into_a_session_error(pytester, nowhere):
    pytester.makepyfile(DAOS_TEST + PLAIN_TEST)
    result = pytester.runpytest("--daos-iface=lo", "--daos-required")
    assert result.ret == 1
    result.assert_outcomes()
    result.stdout.fnmatch_lines(
        ["*pytest-daos (--daos-required): the host cannot run DAOS:*docker: no Docker engine*"]
    )
    assert "Traceback" not in result.stdout.str() + result.stderr.str()


def test_missing_docker_engine_is_explained(pytester, nowhere):
    pytester.makepyfile(DAOS_TEST)
    result = pytester.runpytest("--daos-iface=lo", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*docker: no Docker engine answers*start one*"])


def test_local_recipe_without_a_prefix_is_a_usage_error(pytester):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-recipe=local")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--daos-recipe=local *name it with --daos-prefix=PATH*"])


def test_local_recipe_with_a_folder_that_is_no_daos_tree(pytester):
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-recipe=local", f"--daos-prefix={pytester.path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--daos-prefix=*: no DAOS install tree there*"])


def test_the_interface_is_resolved_once_per_run(pytester, nowhere, monkeypatch):
    """The header, the prerequisite check and the start share one answer."""
    from pytest_daos.cluster import host

    asked: list[str | None] = []
    real = host.resolve_iface

    def counting(name, root=host.ROOT):
        asked.append(name)
        return real(name, root)

    monkeypatch.setattr(host, "resolve_iface", counting)
    pytester.makepyfile(DAOS_TEST + DAOS_TEST.replace("test_needs_daos", "test_again"))
    result = pytester.runpytest_inprocess("--daos-iface=lo", "--daos-recipe=sim", "-rs")
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines(["daos: *interface lo (127.0.0.1)*"])
    assert asked == ["lo"]


@pytest.mark.parametrize(
    ("present", "online", "header"),
    [
        ({OFFLINE}, False,
         f"recipe sim on base image {OFFLINE} (the default {USUAL} is not on this host and "
         "cannot be pulled)"),
        ({OFFLINE, USUAL}, False, f"recipe sim on base image {USUAL} (the default, on this host)"),
        ({OFFLINE}, True, f"recipe sim on base image {USUAL} (the default, pulled by the first*"),
    ],
)  # fmt: skip
def test_the_sim_base_image_offline_is_the_setup_scripts_and_the_header_says_so(
    pytester, monkeypatch, present, online, header
):
    """The Docker SDK answers from a pretend host: its images, its registry reached or not."""
    import docker

    monkeypatch.delenv("PYTEST_DAOS_SIM_BASE_IMAGE", raising=False)
    monkeypatch.setattr(docker, "from_env", lambda: FakeClient(FakeImages(present, online)))
    pytester.makepyfile(PLAIN_TEST)
    result = pytester.runpytest("--daos-iface=lo", "--daos-recipe=sim")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"daos: DAOS 2.6, {header}, interface lo*"])


def test_a_cluster_fixture_whose_settings_cannot_run_errors_in_one_line(pytester, nowhere):
    pytester.makeconftest(
        "from pytest_daos import factories\n\ndaos_three = factories.daos_cluster(engines=3)\n"
    )
    pytester.makepyfile("def test_three(daos_three):\n    pass\n")
    result = pytester.runpytest(f"--daos-state-dir={pytester.path / 'state'}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*pytest-daos could not start DAOS: engines=3: 3 engines need 1536 hugepages at least "
         "(each takes about 500; with fewer the engines die at start), not 1024: use "
         "hugepages=1536"]
    )  # fmt: skip
    assert "Traceback" not in result.stdout.str()


def test_a_cluster_fixture_with_more_engines_than_cores_fails_rather_than_skips(pytester, nowhere):
    """More engines than this host has cores is the fixture's mistake: its test errors
    with the one line (even with no Docker engine, which alone would skip it)."""
    import os

    count = (os.cpu_count() or 1) + 1
    pytester.makeconftest(
        "from pytest_daos import factories\n\n"
        f"daos_many = factories.daos_cluster(engines={count}, hugepages={512 * count})\n"
    )
    pytester.makepyfile("def test_many(daos_many):\n    pass\n")
    result = pytester.runpytest(f"--daos-state-dir={pytester.path / 'state'}", "--daos-iface=lo")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [f"*pytest-daos: *daos_engines={count} from a cluster fixture* cannot work on this "
         f"host: *cores: {count - 1} cores for {count} engines: each engine starts on a core of "
         f"its own (first_core) (fix: lower --daos-engines to {count - 1})*"]
    )  # fmt: skip
    assert "Traceback" not in result.stdout.str()
