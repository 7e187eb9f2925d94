"""The start's progress reaches the person waiting under pytest-xdist: on a cold host
(every image built, `--daos-rebuild`) the controller shows, as the start goes, the lines of
the worker that starts the cluster, each phase's and the build's, with the worker's name;
its own teardown line follows."""

from __future__ import annotations

import re

SUITE = """
def test_one(daos_pool):
    assert daos_pool.uuid

def test_two(daos_pool):
    assert daos_pool.uuid
"""

#: What the worker that starts the cluster says, in the order it says it.
CUES = [
    "pytest-daos: starting a DAOS cluster (sim recipe, DAOS ",
    "pytest-daos: checking the recipe's 4 images, building those missing or stale",
    "pytest-daos: building image 1/4 ",
    "pytest-daos:   image 1/4 daos-base: step 1/",
    "pytest-daos: building image 4/4 ",
    "pytest-daos: starting the nodes daos-server, daos-admin, daos-client",
    "pytest-daos: waiting for the control plane, the format and every rank to join",
]


def test_xdist_shows_the_start_of_a_cold_host(pytester, base_image, leaves_nothing_behind):
    pytester.makepyfile(test_two=SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-n", "2", "--daos-recipe=sim", "--daos-rebuild",
        f"--daos-sim-base-image={base_image}", timeout=1800,
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    lines = result.stdout.lines
    found = []
    for cue in CUES:
        at = [n for n, line in enumerate(lines) if cue in line]
        assert at, f"no line with {cue!r} in:\n{result.stdout.str()}"
        assert re.match(r"\[gw[01]\] pytest-daos: ", lines[at[0]]), lines[at[0]]
        found.append(at[0])
    assert found == sorted(found), "the start's lines are not in the order of its phases"
    workers = {lines[n].split()[0] for n in found}
    assert len(workers) == 1  # one worker starts the cluster; the other attaches
    teardown = [n for n, line in enumerate(lines) if "teardown: the DAOS cluster" in line]
    assert teardown and lines[teardown[0]].startswith("pytest-daos: teardown")  # the controller
    assert teardown[0] > found[-1]
