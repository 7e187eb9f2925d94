"""A Docker engine on another machine (DOCKER_HOST=tcp://other-host or ssh://) is refused
with one line: the plugin checks and changes this machine's hugepages, ports and interfaces
while the containers would run there. An existing system is reached whatever DOCKER_HOST
says: it needs no Docker."""

from __future__ import annotations

import shlex

import pytest
from samples import sample_path

DAOS_TEST = """
def test_needs_daos(daos_cluster):
    assert daos_cluster.members()
"""
REMOTE = "ssh://builder@192.0.2.7"


def test_a_docker_engine_on_another_machine_fails_the_daos_tests_with_one_line(
    pytester, monkeypatch
):
    monkeypatch.setenv("DOCKER_HOST", REMOTE)
    pytester.makepyfile(test_daos=DAOS_TEST)
    state = pytester.path / "state"
    result = pytester.runpytest(
        f"--daos-state-dir={state}", "--daos-recipe=sim", "--daos-sim-base-image=b:1"
    )
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    assert "Traceback" not in output and "INTERNALERROR" not in output
    result.stdout.fnmatch_lines(
        [f"pytest-daos could not start DAOS: DOCKER_HOST={REMOTE} is a Docker engine on "
         "another machine, *: unset DOCKER_HOST *--daos-system=existing"]
    )  # fmt: skip
    assert not (state / "cluster.json").exists()


def test_an_existing_system_is_reached_whatever_docker_host_says(pytester, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://192.0.2.7:2376")
    bin_dir = pytester.path / "bin"
    bin_dir.mkdir()
    answer = shlex.quote(str(sample_path("2.6", "dmg_system_query.json")))
    (bin_dir / "dmg").write_text(f"#!/bin/sh\ncat {answer}\n")  # every ask: the ranks joined
    (bin_dir / "dmg").chmod(0o755)
    pytester.makepyfile(test_daos=DAOS_TEST)
    prefix = f"env PATH={bin_dir}:/usr/bin:/bin"
    result = pytester.runpytest(
        "--daos-system=existing", f"--daos-dmg={prefix}", f"--daos-cmd={prefix}",
        f"--daos-state-dir={pytester.path / 'state'}",
    )  # fmt: skip
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("docker_host", ["unix:///run/docker.sock", "tcp://localhost:2375",
                                         "tcp://127.0.0.1:2376"])  # fmt: skip
def test_an_engine_of_this_machine_is_not_refused(pytester, monkeypatch, docker_host):
    """Here the engine does not answer: the test is skipped for that, not refused."""
    monkeypatch.setenv("DOCKER_HOST", docker_host.replace("/run/", "/nonexistent/"))
    pytester.makepyfile(test_daos=DAOS_TEST)
    result = pytester.runpytest(
        f"--daos-state-dir={pytester.path / 'state'}", "--daos-recipe=sim",
        "--daos-sim-base-image=b:1", "--daos-start-timeout=5",
    )  # fmt: skip
    assert "another machine" not in result.stdout.str()
