"""--daos-system=existing: the same fixtures against a cluster someone else runs (here one
brought up with `pytest-daos up`, reached through `docker exec` prefixes)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

SUITE = """
import pytest

def test_pool_and_container(daos_cluster, daos_pool, daos_container):
    assert daos_cluster.server is None
    assert daos_pool.label.startswith("pool_")
    listed = daos_cluster.daos("container", "list", daos_pool.uuid)
    assert daos_container.uuid in {c["uuid"] for c in listed}
    out = daos_container.exec(["sh", "-c", "echo $DAOS_CONT"]).stdout.strip()
    assert out == daos_container.uuid

def test_files_through_the_prefix(daos_client, tmp_path):
    (tmp_path / "f").write_text("through the prefix")
    daos_client.put(tmp_path / "f", "/tmp/existing-f")
    assert daos_client.exec(["cat", "/tmp/existing-f"]).stdout == "through the prefix"
    daos_client.get("/tmp/existing-f", tmp_path / "back")
    assert (tmp_path / "back").read_text() == "through the prefix"
"""


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest_daos.cli", *args]


@pytest.fixture
def kept_cluster(base_image: str, tmp_path) -> Iterator[dict[str, Any]]:
    sim = ("--daos-recipe=sim", f"--daos-sim-base-image={base_image}")
    up = subprocess.run(cli("up", *sim), capture_output=True, text=True, timeout=600)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        from pytest_daos.cluster.record import load_record
        from pytest_daos.settings import default_state_dir

        state = load_record(default_state_dir())
        assert state is not None and state.keep
        yield state.containers
    finally:
        down = subprocess.run(cli("down"), capture_output=True, text=True, timeout=300)
        assert down.returncode == 0, down.stdout + down.stderr


def test_same_fixtures_against_an_existing_system(pytester, leaves_nothing_behind, kept_cluster):
    pytester.makepyfile(test_existing=SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--daos-system=existing",
        f"--daos-dmg=docker exec -i {kept_cluster['admin']}",
        f"--daos-cmd=docker exec -i {kept_cluster['client']}", timeout=300,
    )  # fmt: skip
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["daos: existing DAOS 2.6 system (dmg: docker exec -i *"])
    pools = subprocess.run(
        ["docker", "exec", kept_cluster["admin"], "dmg", "-j", "pool", "list"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(pools.stdout)["response"]["pools"] is None  # the session's pool is gone


def test_unreachable_existing_system_is_explained(pytester):
    pytester.makepyfile(test_existing=SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--daos-system=existing", "--daos-dmg=no-such-prefix",
        "--daos-start-timeout=5", timeout=120,
    )  # fmt: skip
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*the existing DAOS system is not ready through `no-such-prefix dmg`*",
            "*cannot run 'no-such-prefix': No such file or directory. Check --daos-dmg*",
        ]
    )
