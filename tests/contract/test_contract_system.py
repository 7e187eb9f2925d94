"""dmg storage scan|format and system query|stop|start|erase against each release's samples.

The tests of this module walk one system per release through its states, in order: before
format, formatted and joined, stopped, started, erased and formatted again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from contract import Samples, new_system, series
from contract import check as check_envelope
from simsupport import HOSTNAME, Result, SimSystem

pytestmark = pytest.mark.root


@pytest.fixture(scope="module")
def lifecycle(release: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimSystem]:
    system = new_system(tmp_path_factory.mktemp(f"lifecycle-{series(release)}"), release)
    try:
        system.start_server("SCM format required on instance 0")
        yield system
    finally:
        system.cleanup()


def check(result: Result, samples: Samples, name: str, system: SimSystem) -> None:
    """The dmg command's JSON, exit status and stderr are those of the sample."""
    check_envelope(result, samples.json(name), "dmg", system.port)


def test_storage_scan(lifecycle: SimSystem, samples: Samples) -> None:
    check(lifecycle.dmg("-j", "storage", "scan"), samples, "dmg_storage_scan.json", lifecycle)


def test_system_query_before_format(lifecycle: SimSystem, samples: Samples) -> None:
    result = lifecycle.dmg("-j", "system", "query")
    check(result, samples, "dmg_system_query_before_format.json", lifecycle)
    assert result.stderr_lines == [f"ERROR: dmg: {result.json['error']}"]
    plain = lifecycle.dmg("system", "query", "--verbose")
    assert plain.returncode == 1
    assert plain.stdout == samples.text("dmg_system_query_before_format_plain.txt") == ""
    assert plain.stderr_lines == result.stderr_lines


def test_pool_commands_refused_before_format(lifecycle: SimSystem) -> None:
    uninitialized = (
        "rpc error: code = Unknown desc = system is uninitialized (storage format required?)"
    )
    create = lifecycle.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert (create.returncode, create.json["status"]) == (1, -1025)
    assert create.json["error"] == f"pool create failed: {uninitialized}"
    listed = lifecycle.dmg("-j", "pool", "list")
    assert listed.json["error"] == f"list pools failed: {uninitialized}"


def test_storage_format(lifecycle: SimSystem, samples: Samples) -> None:
    result = lifecycle.dmg("-j", "storage", "format")
    check(result, samples, "dmg_storage_format.json", lifecycle)
    assert os.path.ismount(lifecycle.scm)


def test_system_query(lifecycle: SimSystem, samples: Samples, release: str) -> None:
    lifecycle.wait_joined()
    result = lifecycle.dmg("-j", "system", "query")
    check(result, samples, "dmg_system_query.json", lifecycle)
    (member,) = result.json["response"]["members"]
    assert member["state"] == "joined"
    assert lifecycle.dmg("system", "query").stdout == samples.text("dmg_system_query_plain.txt")
    if samples.has("dmg_system_query_verbose_plain.txt"):
        real = samples.text("dmg_system_query_verbose_plain.txt")
        real_uuid = samples.json("dmg_system_query.json")["response"]["members"][0]["uuid"]
        expected = real.replace(real_uuid, member["uuid"])
        expected = expected.replace("127.0.0.1:10001", f"127.0.0.1:{lifecycle.port}")
        expected = expected.replace("/vm ", f"/{HOSTNAME} ")
        assert lifecycle.dmg("system", "query", "--verbose").stdout == expected


def test_format_on_running_system(lifecycle: SimSystem, samples: Samples, release: str) -> None:
    code = 508 if series(release) == "2.0" else 509
    for extra in ([], ["--force"]):
        result = lifecycle.dmg("-j", "storage", "format", *extra)
        check(result, samples, "dmg_storage_format_running_system.json", lifecycle)
        assert result.stderr_lines == [
            f'ERROR: dmg: client: code = {code} description = "storage format invoked on a '
            'running system"',
            f'ERROR: dmg: client: code = {code} resolution = "stop and erase the system, then '
            'retry the format operation"',
        ]


def test_system_query_absent_rank(lifecycle: SimSystem, samples: Samples) -> None:
    result = lifecycle.dmg("-j", "system", "query", "-r", "5")
    check(result, samples, "dmg_system_query_rank_absent.json", lifecycle)
    assert result.stderr_lines == ["ERROR: dmg: system query failed: non-existent ranks 5"]


def test_system_stop(lifecycle: SimSystem, samples: Samples) -> None:
    created = lifecycle.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert created.returncode == 0, created.stderr
    check(lifecycle.dmg("-j", "system", "stop"), samples, "dmg_system_stop.json", lifecycle)
    query = lifecycle.dmg("-j", "system", "query")
    check(query, samples, "dmg_system_query_stopped.json", lifecycle)
    assert query.json["response"]["members"][0]["state"] == "stopped"


def test_pools_while_stopped(lifecycle: SimSystem, samples: Samples) -> None:
    listed = lifecycle.dmg("-j", "pool", "list")
    check(listed, samples, "dmg_pool_list_while_stopped.json", lifecycle)
    query = lifecycle.dmg("-j", "pool", "query", "tank")
    check(query, samples, "dmg_pool_query_tank_while_stopped.json", lifecycle)


def test_system_start(lifecycle: SimSystem, samples: Samples) -> None:
    check(lifecycle.dmg("-j", "system", "start"), samples, "dmg_system_start.json", lifecycle)
    lifecycle.wait_joined(timeout=10)
    assert lifecycle.dmg("-j", "pool", "query", "tank").returncode == 0


def test_erase_and_format_again(lifecycle: SimSystem, samples: Samples, release: str) -> None:
    """As the Docker run recorded it: after stop and erase the system is uninitialized, a
    new format works and the pools (and the files in them) are gone."""
    assert lifecycle.dmg("-j", "system", "stop").returncode == 0
    erased = lifecycle.dmg("-j", "system", "erase")
    assert erased.json == {"response": None, "error": None, "status": 0}
    query = lifecycle.dmg("-j", "system", "query")
    check(query, samples, "dmg_system_query_before_format.json", lifecycle)
    if samples.has("docker_dmg_system_query_after_erase.json"):
        check(query, samples, "docker_dmg_system_query_after_erase.json", lifecycle)
    result = lifecycle.dmg("-j", "storage", "format")
    assert result.returncode == 0, result.stderr
    (entry,) = result.json["response"]["HostStorage"].values()
    assert entry["storage"]["scm_mount_points"][0]["info"] == "SCM is already formatted"
    if samples.has("docker_dmg_storage_format_after_erase.json"):
        check(result, samples, "docker_dmg_storage_format_after_erase.json", lifecycle)
    lifecycle.wait_joined()
    check(lifecycle.dmg("-j", "pool", "list"), samples, "dmg_pool_list_empty.json", lifecycle)
    assert not (Path(lifecycle.scm) / ".daos_sim" / "data").exists()


def test_storage_lost_with_the_server_container(lifecycle: SimSystem, samples: Samples) -> None:
    """The SCM tmpfs lives in the server container: a restarted container (server stopped,
    tmpfs gone) needs a new format."""
    assert lifecycle.stop_server() == 0
    lifecycle.cleanup()  # what removing the container does to its tmpfs and processes
    lifecycle.procs.clear()
    lifecycle.start_server("SCM format required on instance 0")
    query = lifecycle.dmg("-j", "system", "query")
    check(query, samples, "dmg_system_query_before_format.json", lifecycle)


def test_server_down(lifecycle: SimSystem, samples: Samples) -> None:
    assert lifecycle.stop_server() == 0
    for args, name in (
        (("storage", "scan"), "dmg_storage_scan_server_down.json"),
        (("system", "query"), "dmg_system_query_server_down.json"),
        (("pool", "list"), "dmg_pool_list_server_down.json"),
    ):
        check(lifecycle.dmg("-j", *args), samples, name, lifecycle)
