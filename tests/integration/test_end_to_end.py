"""A downstream suite run through the plugin against the sim recipe, end to end."""

from __future__ import annotations

import re

import pytest

DOWNSTREAM = """
import pathlib

import pytest

def test_pool_is_in_dmg_pool_list(daos_cluster, daos_pool):
    result = daos_cluster.admin.exec(["dmg", "-j", "pool", "list"])
    assert daos_pool.uuid in result.stdout
    assert daos_pool.uuid in [p["uuid"] for p in daos_cluster.dmg("pool", "list")["pools"]]

@pytest.mark.daos_fresh_container  # destroyed in its own teardown: gone in the next test
def test_container_is_listed_during_its_test(daos_cluster, daos_container):
    result = daos_cluster.client.exec(["daos", "-j", "container", "list", daos_container.pool.uuid])
    assert daos_container.uuid in result.stdout
    pathlib.Path("container-uuid").write_text(daos_container.uuid)

def test_container_is_gone_after_its_test(daos_cluster, daos_pool):
    uuid = pathlib.Path("container-uuid").read_text()
    listed = daos_cluster.daos("container", "list", daos_pool.uuid) or []
    assert uuid not in [c["uuid"] for c in listed]
"""


def test_downstream_suite_twice(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    first = run_sim()
    first.assert_outcomes(passed=3)
    text = first.stdout.str()
    assert "pytest-daos" in text
    assert re.search(r"plugin start-up \(pytest start to first test\): \d+\.\ds", text)
    second = run_sim()
    second.assert_outcomes(passed=3)
    second.stdout.fnmatch_lines(["images: 4 cached, 0 built (all images were cached)"])
    assert "building image" not in second.stdout.str()


def test_failing_pool_leaves_nothing_behind(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = run_sim("--daos-pool-size=500G")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*DER_NOSPACE*"])


def test_missing_base_image_fails_fast_with_the_fix(pytester, leaves_nothing_behind):
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--daos-recipe=sim",
        "--daos-sim-base-image=pytest-daos/no-such-base:1",
        "--daos-rebuild", timeout=120,
    )  # fmt: skip
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        ["*building image daos-base*failed*is not on this host and cannot be pulled*"]
    )


@pytest.mark.parametrize("option", ["--daos-iface=lo"])
def test_loopback_cluster(pytester, run_sim, leaves_nothing_behind, option):
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = run_sim(option)
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["*interface lo (127.0.0.1)*"])


def test_real_join_delay(pytester, run_sim, leaves_nothing_behind):
    """With the several seconds a real DAOS 2.6.5 rank takes to join, the start still works."""
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = run_sim("--daos-sim-join-delay=8")
    result.assert_outcomes(passed=3)
    match = re.search(r"format and join (\d+\.\d)s", result.stdout.str())
    assert match and float(match.group(1)) >= 8


def test_start_timeout_names_the_phase_and_leaves_nothing(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_downstream=DOWNSTREAM)
    result = run_sim("--daos-sim-join-delay=30", "--daos-start-timeout=6")
    result.assert_outcomes(errors=3)
    text = result.stdout.str()
    assert "DAOS cluster start failed in phase 'join'" in text
    # the diagnostics: dmg system query (with the written configuration) and node logs
    assert "$ dmg -o /etc/daos/daos_control.yml system query -v" in text
    assert "--- server /tmp/daos_server.log (last lines) ---" in text
