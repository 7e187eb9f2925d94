"""Each DAOS release the sim imitates runs the example downstream suite end to end, and
dfuse mounts with that release's syntax."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parents[2] / "examples" / "tests" / "test_system.py"

DFUSE = """
def test_two_mounts_see_each_other(daos_cluster, daos_container):
    first, second = daos_container.mount(), daos_container.mount()
    client = daos_cluster.client
    client.exec(["sh", "-c", f"echo hello > {first}/f"])
    assert client.exec(["cat", f"{second}/f"]).stdout == "hello\\n"
    mounts = client.exec(["grep", "fuse.daos", "/proc/mounts"]).stdout
    assert f"dfuse {first} fuse.daos" in mounts and f"dfuse {second} fuse.daos" in mounts
    assert "dfuse" in client.exec(["df", "--type=fuse.daos"]).stdout
    daos_container.unmount(second)
    assert f" {second} " not in client.exec(["cat", "/proc/mounts"]).stdout
    remount = daos_container.mount()
    assert client.exec(["cat", f"{remount}/f"]).stdout == "hello\\n"  # kept by the server
"""


@pytest.mark.parametrize("version", ["2.0", "2.4", "2.6"])
def test_release_end_to_end(pytester, base_image, leaves_nothing_behind, version):
    pytester.makepyfile(test_example=EXAMPLE.read_text(), test_dfuse=DFUSE)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--daos-recipe=sim", f"--daos-version={version}",
        f"--daos-sim-base-image={base_image}", timeout=600,
    )  # fmt: skip
    result.assert_outcomes(passed=7)
    full = {"2.0": "2.0.3", "2.4": "2.4.2", "2.6": "2.6.5"}[version]
    result.stdout.fnmatch_lines([f"DAOS {full}, recipe sim, *"])


RESTART = """
import time

import docker
import pytest

from pytest_daos import DaosError

def test_a_server_restart_loses_the_storage(daos_cluster):
    docker.from_env().containers.get(daos_cluster.server.transport.name).restart(timeout=5)
    deadline = time.monotonic() + 60
    while True:  # the control plane comes back, unformatted: SCM was a tmpfs in the node
        try:
            daos_cluster.dmg("system", "query")
        except DaosError as exc:
            if "system is uninitialized" in exc.message:
                break
        assert time.monotonic() < deadline, "the restarted server never asked for a format"
        time.sleep(0.5)
"""


def test_server_restart_needs_a_new_format(pytester, base_image, leaves_nothing_behind):
    pytester.makepyfile(test_restart=RESTART)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--daos-recipe=sim", f"--daos-sim-base-image={base_image}",
        timeout=600,
    )  # fmt: skip
    result.assert_outcomes(passed=1)
