"""Containers made ahead of need (--daos-prefetch): each test still gets a fresh container
of its own, under pytest-xdist too, and nothing is left when the run ends."""

from __future__ import annotations

import pytest

SUITE = """
import pathlib
import pytest

@pytest.mark.parametrize("n", range(12))
def test_fresh(daos_cluster, daos_container, n):
    listed = daos_cluster.daos_tool.container_list(daos_container.pool.uuid)
    assert daos_container.uuid in [uuid for uuid, _ in listed]
    assert daos_container.exec(["sh", "-c", "echo $DAOS_CONT"]).stdout.strip() == (
        daos_container.uuid
    )
    pathlib.Path(f"used-{n}.txt").write_text(daos_container.uuid)
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "two workers"])
def test_each_test_gets_its_own_container(pytester, base_image, leaves_nothing_behind, workers):
    pytester.makepyfile(test_fresh=SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--daos-recipe=sim", f"--daos-sim-base-image={base_image}",
        "--daos-prefetch=3", *workers, timeout=600,
    )  # fmt: skip
    result.assert_outcomes(passed=12)
    used = [path.read_text() for path in pytester.path.glob("used-*.txt")]
    assert len(used) == 12 and len(set(used)) == 12
    assert "teardown problem" not in result.stdout.str()
