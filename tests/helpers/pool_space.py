"""Session pools of pytest-xdist workers that do not all fit: the suite and the check of
the error its runs end with (integration and real tiers)."""

from __future__ import annotations

from typing import Any

#: Eight tests, each using its worker's session pool; each waits until every worker has
#: asked for its pool, so that all the pools are asked for while the others exist.
SESSION_POOLS = """
import os
import pathlib
import time

import pytest

@pytest.fixture(scope="session")
def asked(worker_id):
    pathlib.Path(f"asked-{worker_id}").touch()

@pytest.mark.parametrize("n", range(8))
def test_pool(asked, daos_pool, n):
    workers = int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    deadline = time.monotonic() + 300
    while len(list(pathlib.Path().glob("asked-*"))) < workers:
        assert time.monotonic() < deadline, "not every worker asked for its session pool"
        time.sleep(0.1)
    assert daos_pool.uuid
"""


def assert_clear_pool_space_error(result: Any, workers: int, bdev_gib: int) -> None:
    """Some tests passed, and those of the worker whose session pool did not fit failed
    with the message that names the sizes, the workers and the fixes."""
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 1 and outcomes.get("errors", 0) >= 1, outcomes
    result.stdout.fnmatch_lines([
        "*the pool pool_* of 2G does not fit in the cluster's storage (--daos-scm-size=4 GiB, "
        f"--daos-bdev-size={bdev_gib} GiB; DAOS answered *DER_NOSPACE*): {workers} "
        "pytest-xdist workers each make their own session pool*fewer workers (-n)*"
    ])  # fmt: skip
