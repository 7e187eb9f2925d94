"""The engine: hugepage files that outlive it, and the core-count check of dss_tgt_nr_check()."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from simsupport import wait_for

pytestmark = pytest.mark.root


def _page_size() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Hugepagesize:"):
            return int(line.split()[1]) * 1024
    return 2 * 1024 * 1024


def _dead_pid() -> int:
    return int(Path("/proc/sys/kernel/pid_max").read_text()) + 1


def _engine_files(directory: Path, pid: int) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(f"spdk_pid{pid}map_"))


def test_hugepage_files_outlive_the_engine(make_system) -> None:
    system = make_system(nr_hugepages=4)
    stale = system.hugepages / f"spdk_pid{_dead_pid()}map_0"
    stale.write_bytes(b"")
    unrelated = system.hugepages / "not_ours"
    unrelated.write_bytes(b"")

    system.up()
    assert not stale.exists()  # daos_server removed the file of a dead engine
    assert unrelated.exists()
    pid = system.engine_pid()
    files = _engine_files(system.hugepages, pid)
    assert files == [f"spdk_pid{pid}map_{n}" for n in range(4)]
    for name in files:
        stat = os.stat(system.hugepages / name)
        assert stat.st_size == _page_size()
        assert stat.st_blocks > 0  # touched: the page is really used

    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 5, "the engine to die")
    assert _engine_files(system.hugepages, pid) == files  # the files stay behind
    query = wait_for(
        lambda: (
            (r := system.dmg("-j", "system", "query")).json["response"]["members"][0]["state"]
            == "errored"
            and r
        ),
        5,
        "the member to be errored",
    )
    assert "daos_engine exited: signal: killed" in query.json["response"]["members"][0]["info"]

    # a new daos_server removes them (their PID is gone) and its engine takes new pages
    assert system.stop_server() == 0
    offset = len(system.log_text())
    system.start_server()
    system.wait_log("started on rank 0", offset=offset)
    assert _engine_files(system.hugepages, pid) == []
    new_pid = system.engine_pid()
    assert new_pid != pid
    assert len(_engine_files(system.hugepages, new_pid)) == 4
    assert "removed 4 hugepage files" in system.log_text()[offset:]


def test_no_hugepages_when_disabled(make_system) -> None:
    system = make_system(nr_hugepages=0).up()
    assert _engine_files(system.hugepages, system.engine_pid()) == []


def _meminfo_value(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


@pytest.mark.skipif(_meminfo_value("HugePages_Free") != 0, reason="would take real hugepages")
def test_short_of_hugepages_the_engine_takes_what_is_free(make_system) -> None:
    """On a real hugetlbfs without free pages: a notice, no pages, the rank still joins."""
    system = make_system(nr_hugepages=4)
    mounted = subprocess.run(
        ["mount", "-t", "hugetlbfs", "none", str(system.hugepages)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount hugetlbfs: {mounted.stderr.strip()}")
    try:
        system.up()
        assert _engine_files(system.hugepages, system.engine_pid()) == []
        assert "only 0 of 4 hugepages" in system.engine_log.read_text()
        assert "only 0 of 4 hugepages" in system.log_text()
    finally:
        system.cleanup()
        subprocess.run(["umount", str(system.hugepages)], capture_output=True)


def test_engine_refuses_too_few_cores(make_system) -> None:
    """2 cores, 1 target: format exits 0, the rank never joins, dmg retries to its timeout."""
    system = make_system(engine_env=[])
    system.env["DAOS_SIM_CPU_COUNT"] = "2"
    system.start_server("SCM format required on instance 0")
    system.format()
    wait_for(lambda: "exited: exit status 1" in system.log_text(), 10, "the engine to exit")
    line = (
        "dss_tgt_nr_check() cannot start engine with 1 targets 0 xs_helpers on 2 cores, may "
        "try with DAOS_TARGET_OVERSUBSCRIBE=1 or reduce #targets/#nr_xs_helpers(2 cores "
        "reserved for system service)."
    )
    assert line in system.engine_log.read_text()

    env = dict(system.env, DAOS_SIM_REQUEST_TIMEOUT="1.5")
    started = time.monotonic()
    query = system.dmg("-j", "system", "query", env=env)
    assert time.monotonic() - started >= 1.5
    assert query.returncode == 1
    assert query.json["error"] == (
        'system query failed: client: code = 510 description = "the '
        '*control.SystemQueryReq request timed out after 1.5s"'
    )
    assert system.server.poll() is None  # daos_server stays up ("MS leader running")
    assert system.dmg("-j", "storage", "scan").returncode == 0


def test_oversubscribe_forces_the_start(make_system) -> None:
    system = make_system(engine_env=["DAOS_TARGET_OVERSUBSCRIBE=1"])
    system.env["DAOS_SIM_CPU_COUNT"] = "2"
    system.up()
    forced = (
        "Force to start engine with 1 targets 0 xs_helpers on 2 cores(2 cores reserved for "
        "system service)."
    )
    assert forced in system.engine_log.read_text()
    assert f"daos_engine:0 {forced}" in system.log_text()


def test_enough_cores_need_no_oversubscribe(make_system) -> None:
    system = make_system(engine_env=[])
    system.env["DAOS_SIM_CPU_COUNT"] = "8"
    system.up()
    assert "Force to start" not in system.engine_log.read_text()
