"""Each DAOS release the sim imitates runs the example downstream suite end to end, and
dfuse mounts with that release's syntax."""

from __future__ import annotations

from pathlib import Path

import pytest
from restart_suite import restart_suite

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
def test_release_end_to_end(pytester, run_sim, leaves_nothing_behind, version):
    pytester.makepyfile(test_example=EXAMPLE.read_text(), test_dfuse=DFUSE)
    result = run_sim(f"--daos-version={version}")
    result.assert_outcomes(passed=7)
    full = {"2.0": "2.0.3", "2.4": "2.4.2", "2.6": "2.6.5"}[version]
    result.stdout.fnmatch_lines([f"DAOS {full}, recipe sim, *"])


def test_server_restart_needs_a_new_format(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_restart=restart_suite(stop_timeout=5, wait=60))
    result = run_sim()
    result.assert_outcomes(passed=1)
