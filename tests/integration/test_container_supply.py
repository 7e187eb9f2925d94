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
    pathlib.Path(f"listed-{n}.txt").write_text(str(len(listed)))
"""


@pytest.mark.parametrize(
    ("args", "ahead"),
    [(["--daos-prefetch=3"], True), (["--daos-prefetch=3", "-n", "2"], True),
     (["--daos-prefetch=0"], False)],
    ids=["made ahead", "made ahead, two workers", "made in each test's setup"],
)  # fmt: skip
def test_each_test_gets_its_own_container(pytester, run_sim, leaves_nothing_behind, args, ahead):
    pytester.makepyfile(test_fresh=SUITE)
    result = run_sim(*args)
    result.assert_outcomes(passed=12)
    used = [path.read_text() for path in pytester.path.glob("used-*.txt")]
    assert len(used) == 12 and len(set(used)) == 12
    assert "teardown problem" not in result.stdout.str()
    listed = [int(path.read_text()) for path in pytester.path.glob("listed-*.txt")]
    if ahead:  # while a test runs, the containers of the next ones exist already
        assert max(listed) > 1, listed
    else:  # each made in its test's setup and destroyed in its teardown
        assert set(listed) == {1}, listed
