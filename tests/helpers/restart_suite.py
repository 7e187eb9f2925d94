"""A downstream test that restarts the server node and waits until its control plane, back
unformatted (SCM was a tmpfs in the node), asks for a format, for the tiers that run it (the
sim recipe in tests/integration, real DAOS in tests/real)."""

from __future__ import annotations


def restart_suite(stop_timeout: float, wait: float) -> str:
    """The test's module: Docker gives the node `stop_timeout` seconds to stop, the control
    plane `wait` seconds to ask for a format."""
    return f"""
import time

import docker

from pytest_daos import DaosError

def test_a_restarted_server_node_asks_for_a_new_format(daos_cluster):
    node = docker.from_env().containers.get(daos_cluster.server.transport.name)
    node.restart(timeout={stop_timeout:g})
    deadline = time.monotonic() + {wait:g}
    while True:  # SCM was a tmpfs in the node: the control plane comes back unformatted
        try:
            daos_cluster.dmg("system", "query")
        except DaosError as exc:
            if "system is uninitialized" in exc.message:
                break
        assert time.monotonic() < deadline, "the restarted server never asked for a format"
        time.sleep(0.5)
"""
