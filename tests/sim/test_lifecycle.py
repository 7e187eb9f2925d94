"""daos_server start -> format required -> format -> joined; stop/start; restart; erase."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
from simsupport import HOSTNAME, CountingProxy, assert_shape, real, run, wait_for

pytestmark = pytest.mark.root

GIB = 1024**3
RFC3339_NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")


def _meminfo() -> dict[str, int]:
    info = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, rest = line.partition(":")
        info[key] = int(rest.split()[0])
    return info


def test_only_a_service_not_ready_yet_is_asked_again(make_system, tmp_path) -> None:
    """dmg asks the management service again only while it says it is not ready yet: an
    uninitialized system's refusal is answered after one attempt."""
    system = make_system()
    system.start_server("SCM format required on instance 0")
    with CountingProxy(system.port) as proxy:
        control = str(proxy.control(tmp_path))
        env = {**system.env, "DAOS_SIM_REQUEST_TIMEOUT": "4"}
        create = run("dmg", "-o", control, "-j", "pool", "create", "--size=2G", "tank", env=env)
    assert proxy.connections == 1
    assert create.json["error"] == (
        "pool create failed: rpc error: code = Unknown desc = system "
        "is uninitialized (storage format required?)"
    )


def test_start_format_join(make_system) -> None:
    system = make_system()
    system.start_server("SCM format required on instance 0")
    log = system.log_text()
    assert (
        f"DAOS Control Server v2.6.5 (pid {system.server.pid}) listening on "
        f"0.0.0.0:{system.port}" in log
    )

    # before format: storage scan works, the management service is uninitialized
    scan = system.dmg("-j", "storage", "scan")
    assert scan.returncode == 0, scan.stderr
    assert_shape(scan.json, real("dmg_storage_scan.json"))
    (entry,) = scan.json["response"]["HostStorage"].values()
    assert entry["hosts"] == f"localhost:{system.port}"
    assert entry["storage"]["mem_info"]["mem_total_kb"] == _meminfo()["MemTotal"]
    assert entry["storage"]["mem_info"]["hugepage_size_kb"] == _meminfo()["Hugepagesize"]

    before = system.dmg("-j", "system", "query")
    assert before.returncode == 1
    assert before.json == real("dmg_system_query_before_format.json")
    plain = system.dmg("system", "query", "--verbose")
    assert plain.returncode == 1
    assert plain.stdout == real("dmg_system_query_before_format_plain.txt")
    assert plain.stderr_lines == [f"ERROR: dmg: {before.json['error']}"]
    pools = system.dmg("-j", "pool", "list")
    assert pools.json["error"] == (
        "list pools failed: rpc error: code = Unknown desc = system "
        "is uninitialized (storage format required?)"
    )
    create = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert create.json["error"] == (
        "pool create failed: rpc error: code = Unknown desc = system "
        "is uninitialized (storage format required?)"
    )
    for host_list in ("localhost", f"localhost:{system.port}", "127.0.0.1"):
        scanned = system.dmg("-j", "storage", "scan", "-l", host_list)
        assert scanned.returncode == 0, scanned.stderr
        (entry,) = scanned.json["response"]["HostStorage"].values()
        assert entry["hosts"] == f"{host_list.split(':')[0]}:{system.port}"
    assert not os.path.ismount(system.scm)

    # format: tmpfs of scm_size GiB, a bdev file of bdev_size GiB really allocated
    fmt = system.dmg("-j", "storage", "format")
    assert fmt.returncode == 0, fmt.stderr
    assert_shape(fmt.json, real("dmg_storage_format.json"))
    (entry,) = fmt.json["response"]["HostStorage"].values()
    storage = entry["storage"]
    assert storage["scm_mount_points"][0]["path"] == str(system.scm)
    assert storage["scm_mount_points"][0]["info"] == "CTL_SUCCESS"
    assert storage["nvme_devices"][0]["pci_addr"] == str(system.bdev)
    assert os.path.ismount(system.scm)
    vfs = os.statvfs(system.scm)
    assert vfs.f_blocks * vfs.f_frsize == 1 * GIB
    stat = os.stat(system.bdev)
    assert stat.st_size == 2 * GIB
    assert stat.st_blocks * 512 >= 2 * GIB  # fallocated, not sparse

    # the engine starts asynchronously; dmg retries until the rank has joined
    query = system.dmg("-j", "system", "query")
    assert query.returncode == 0, query.stderr
    assert_shape(query.json, real("dmg_system_query.json"))
    (member,) = query.json["response"]["members"]
    assert member["state"] == "joined"
    assert member["addr"] == f"127.0.0.1:{system.port}"
    assert member["fault_domain"] == f"/{HOSTNAME}"
    assert member["fabric_uri"] == "ofi+tcp;ofi_rxm://127.0.0.1:31416"
    assert member["fabric_contexts"] == 3
    assert member["incarnation"] > 0
    assert RFC3339_NANO.match(member["last_update"])
    assert query.json["response"]["providers"] == ["ofi+tcp;ofi_rxm"]
    pid = system.engine_pid()
    assert (
        f"daos_engine:0 DAOS I/O Engine (v2.6.5) process {pid} started on rank 0 with 1 "
        f"target, 0 helper XS, firstcore 0, host {HOSTNAME}."
    ) in system.log_text()

    again = system.dmg("-j", "system", "query", "--verbose")
    assert again.json["response"]["members"][0]["uuid"] == member["uuid"]

    assert system.dmg("system", "query").stdout == real("dmg_system_query_plain.txt")
    verbose = system.dmg("system", "query", "--verbose").stdout
    expected = real("dmg_system_query_verbose_plain.txt")
    expected = expected.replace("46bdcde1-819b-458a-ba99-597386b946e8", member["uuid"])
    expected = expected.replace("127.0.0.1:10001", f"127.0.0.1:{system.port}")
    expected = expected.replace("/vm ", f"/{HOSTNAME} ")
    assert verbose == expected

    # a second format on the running system is refused, even with --force
    for args in ([], ["--force"]):
        second = system.dmg("-j", "storage", "format", *args)
        assert second.returncode == 1
        assert second.json == real("dmg_storage_format_running_system.json")
        assert second.stderr_lines == [
            'ERROR: dmg: client: code = 509 description = "storage format invoked on a running '
            'system"',
            'ERROR: dmg: client: code = 509 resolution = "stop and erase the system, then retry '
            'the format operation"',
        ]

    absent = system.dmg("-j", "system", "query", "-r", "5")
    assert absent.returncode == 1
    assert absent.json == real("dmg_system_query_rank_absent.json")
    assert absent.stderr_lines == ["ERROR: dmg: system query failed: non-existent ranks 5"]
    assert system.dmg("-j", "system", "query", "-r", "0").returncode == 0


def test_system_stop_and_start(make_system) -> None:
    system = make_system().up()
    created = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert created.returncode == 0, created.stderr
    pool_uuid = created.json["response"]["uuid"]
    engine_pid = system.engine_pid()

    stop = system.dmg("-j", "system", "stop")
    assert stop.returncode == 0, stop.stderr
    assert_shape(stop.json, real("dmg_system_stop.json"))
    assert stop.json["response"]["Results"] == [
        {
            "state": "stopped",
            "Addr": f"127.0.0.1:{system.port}",
            "Rank": 0,
            "Action": "stop",
            "Errored": False,
            "Msg": "system stop",
        }
    ]
    assert not os.path.exists(f"/proc/{engine_pid}")

    query = system.dmg("-j", "system", "query")
    assert_shape(query.json, real("dmg_system_query_stopped.json"))
    member = query.json["response"]["members"][0]
    assert (member["state"], member["info"]) == ("stopped", "system stop")
    verbose = system.dmg("system", "query", "--verbose").stdout
    assert (
        verbose.splitlines()[0]
        == real("dmg_system_query_stopped_verbose_plain.txt").splitlines()[0]
    )
    assert "Stopped system stop" in verbose

    listed = system.dmg("-j", "pool", "list")
    assert listed.returncode == 0
    assert listed.json == {
        "response": {
            "status": 0,
            "pools": [
                {
                    **real("dmg_pool_list_while_stopped.json")["response"]["pools"][1],
                    "uuid": pool_uuid,
                }
            ],
        },
        "error": None,
        "status": 0,
    }

    queried = system.dmg("-j", "pool", "query", "tank")
    assert queried.returncode == 1
    assert queried.json == {
        **real("dmg_pool_query_tank_while_stopped.json"),
        "error": (
            "rpc error: code = Unknown desc = unable to find any available service ranks for pool "
            f"{pool_uuid}"
        ),
    }

    start = system.dmg("-j", "system", "start")
    assert start.returncode == 0, start.stderr
    assert start.json == {
        **real("dmg_system_start.json"),
        "response": {
            "Results": [
                {
                    **real("dmg_system_start.json")["response"]["Results"][0],
                    "Addr": f"127.0.0.1:{system.port}",
                }
            ]
        },
    }
    system.wait_joined(timeout=10)
    assert system.engine_pid() != engine_pid
    assert system.dmg("-j", "pool", "query", "tank").returncode == 0


def test_restart_with_tmpfs_mounted_keeps_pools(make_system) -> None:
    system = make_system().up()
    created = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert created.returncode == 0, created.stderr
    engine_pid = system.engine_pid()

    started = time.monotonic()
    assert system.stop_server(signal.SIGTERM) == 0
    assert time.monotonic() - started < 5
    assert not os.path.exists(f"/proc/{engine_pid}")
    assert os.path.ismount(system.scm)  # daos_server leaves the tmpfs mounted

    down = system.dmg("-j", "pool", "list")
    assert down.returncode == 1
    assert "refused the connection" in down.json["error"]

    offset = len(system.log_text())
    system.start_server("listening on")
    listed = system.dmg("-j", "pool", "list")  # retried until the rank has rejoined
    assert listed.returncode == 0, listed.stderr
    (pool,) = listed.json["response"]["pools"]
    assert (pool["uuid"], pool["label"]) == (created.json["response"]["uuid"], "tank")
    second_run = system.log_text()[offset:]
    assert "SCM format required" not in second_run
    assert "already formatted" in second_run


def test_sigint_stops_the_server_and_engine(make_system) -> None:
    system = make_system().up()
    engine_pid = system.engine_pid()
    assert system.stop_server(signal.SIGINT) == 0
    wait_for(lambda: not os.path.exists(f"/proc/{engine_pid}"), 5, "the engine to exit")


def test_erase_and_reformat(make_system) -> None:
    system = make_system().up()
    assert system.dmg("-j", "pool", "create", "--size=2G", "tank").returncode == 0
    running = system.dmg("-j", "system", "erase")
    assert running.returncode == 1
    assert "system erase not supported when rank 0 is running" in running.json["error"]
    assert system.dmg("-j", "system", "stop").returncode == 0
    erased = system.dmg("-j", "system", "erase")
    assert erased.json == {"response": None, "error": None, "status": 0}
    query = system.dmg("-j", "system", "query")
    assert query.json == real("dmg_system_query_before_format.json")
    fmt = system.dmg("-j", "storage", "format")
    assert fmt.returncode == 0, fmt.stderr
    (entry,) = fmt.json["response"]["HostStorage"].values()
    assert entry["storage"]["scm_mount_points"][0]["info"] == "SCM is already formatted"
    system.wait_joined()
    assert system.dmg("-j", "pool", "list").json["response"]["pools"] is None


def test_format_fails_cleanly_when_the_mount_fails(make_system) -> None:
    system = make_system()
    blocker = system.tmp / "not-a-dir"
    blocker.write_text("")
    config = system.server_config.read_text().replace(str(system.scm), str(blocker / "scm"))
    system.server_config.write_text(config)
    system.scm = blocker / "scm"
    system.start_server("SCM format required on instance 0")
    fmt = system.dmg("-j", "storage", "format")
    assert fmt.returncode == 1
    assert fmt.json["error"] == "1 host had errors"
    assert fmt.json["response"]["HostStorage"] is None
    ((message, hosts),) = fmt.json["response"]["host_errors"].items()
    assert hosts == f"localhost:{system.port}"
    assert str(blocker / "scm") in message
    assert fmt.stderr_lines == ["ERROR: dmg: 1 host had errors"]
    assert system.server.poll() is None  # the server stays up
    again = system.dmg("-j", "system", "query")
    assert again.json == real("dmg_system_query_before_format.json")
