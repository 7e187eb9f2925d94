"""The real-DAOS tier: the plugin's `local` recipe on real DAOS install trees.

The trees are found at the paths in PYTEST_DAOS_REAL_TREES (space-separated), by default
/opt/daos (DAOS 2.6.5) and /opt/daos-2.4.2 (tests/helpers/real_trees.py); `.ci/run` unpacks
them there. Where none exists, every test of the tier is skipped with one reason that says so.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from real_trees import FOUND, TREES

LOCAL_BASE = os.environ.get(
    "PYTEST_DAOS_LOCAL_BASE_IMAGE", "localhost/pytest-daos/local-base:bookworm"
)
NO_TREE = (
    f"real-DAOS tier not run: no DAOS install tree at {' or '.join(TREES)} (unpack one as "
    "the DAOS builds' README says, or name trees in PYTEST_DAOS_REAL_TREES)"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.real_daos)  # and docker, from tests/conftest.py
            if not FOUND:
                item.add_marker(pytest.mark.skip(reason=NO_TREE))


@pytest.fixture
def real_args() -> object:
    """The command-line options that run the local recipe on the tree of a release."""

    def args(release: str) -> tuple[str, ...]:
        return (
            "-p", "no:cacheprovider", "--daos-recipe=local", f"--daos-prefix={FOUND[release]}",
            f"--daos-local-base-image={LOCAL_BASE}", "--daos-start-timeout=180",
        )  # fmt: skip

    return args


@pytest.fixture(scope="session", autouse=True)
def hugetlbfs_stays_mounted() -> Iterator[None]:
    """Keep hugetlbfs mounted at /dev/hugepages for the whole tier, so that a hugepage file
    a run leaves (an engine's `spdk_pid*map_*`) stays visible to `leaves_nothing_behind`
    instead of vanishing with the plugin's own unmount."""
    mount_point = Path("/dev/hugepages")
    mounted = any(
        fields[1:3] == [str(mount_point), "hugetlbfs"]
        for fields in (line.split() for line in Path("/proc/mounts").read_text().splitlines())
    )
    if mounted or not FOUND or os.geteuid() != 0:
        yield
        return
    created = not mount_point.exists()
    mount_point.mkdir(exist_ok=True)
    subprocess.run(["mount", "-t", "hugetlbfs", "nodev", str(mount_point)], check=True)
    try:
        yield
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)
        if created:
            mount_point.rmdir()
