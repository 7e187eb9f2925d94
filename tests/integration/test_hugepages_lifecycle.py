"""Real hugepages: raised for the session, taken by the engine, all given back after,
also when the server's main process is killed with SIGKILL (as SPDK, it leaves its
hugepage files behind)."""

from __future__ import annotations

DOWNSTREAM = """
import os
import signal
from pathlib import Path

import docker

PAGES = 256


def engine_files():
    return [name for name in os.listdir("/dev/hugepages") if name.startswith("spdk_pid")]


def test_pages_are_raised_and_taken(daos_cluster):
    assert int(Path("/proc/sys/vm/nr_hugepages").read_text()) >= PAGES
    assert len(engine_files()) == PAGES


def test_sigkill_of_the_server_main_process(daos_cluster):
    server = docker.from_env().containers.get(daos_cluster.server.transport.name)
    # the whole command lines (ps cuts them to its width otherwise), Docker's init aside
    top = server.top(ps_args="-ww -eo pid,ppid,args")
    pid, ppid, cmd = (top["Titles"].index(title) for title in ("PID", "PPID", "COMMAND"))
    rows = [row for row in top["Processes"]
            if "daos_server start" in row[cmd] and "docker-init" not in row[cmd]]
    main = [row for row in rows if row[ppid] not in {other[pid] for other in rows}]
    assert len(main) == 1, rows
    os.kill(int(main[0][pid]), signal.SIGKILL)
    assert len(engine_files()) == PAGES  # the files stay after the kill
"""


def test_hugepages_come_back_after_a_sigkilled_server(pytester, run_sim, leaves_nothing_behind):
    pytester.makepyfile(test_hugepages=DOWNSTREAM)
    result = run_sim("--daos-hugepages=256")
    result.assert_outcomes(passed=2)
    assert "teardown problem" not in result.stdout.str()
