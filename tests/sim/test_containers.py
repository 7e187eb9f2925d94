"""daos container create/list/query/destroy and daos pool query, through daos_agent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from simsupport import SimSystem, assert_shape, base_env, free_port, real, run

pytestmark = pytest.mark.root


@pytest.fixture
def tank(system: SimSystem) -> str:
    created = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert created.returncode == 0, created.stderr
    return str(created.json["response"]["uuid"])


def test_create_query_list_destroy(system: SimSystem, tank: str) -> None:
    created = system.daos("-j", "container", "create", "tank", "c1", "--type", "POSIX")
    assert created.returncode == 0, created.stderr
    assert_shape(created.json, real("daos_container_create_tank_c1.json"))
    info = created.json["response"]
    assert (info["pool_uuid"], info["container_label"], info["container_type"]) == (
        tank,
        "c1",
        "POSIX",
    )
    expected = real("daos_container_create_tank_c1.json")["response"]
    for key in (
        "object_class",
        "dir_object_class",
        "file_object_class",
        "chunk_size",
        "num_handles",
        "redundancy_factor",
    ):
        assert info[key] == expected[key], key
    assert 0 < info["open_time"] < info["close_modify_time"]

    query = system.daos("-j", "container", "query", "tank", "c1")
    assert query.returncode == 0
    assert_shape(query.json, real("daos_container_query_tank_c1.json"))
    assert query.json == created.json
    by_uuid = system.daos("-j", "container", "query", tank, info["container_uuid"])
    assert by_uuid.json == created.json

    listed = system.daos("-j", "container", "list", "tank")
    assert_shape(listed.json, real("daos_container_list_tank.json"))
    assert listed.json["response"] == [{"uuid": info["container_uuid"], "label": "c1"}]

    pool = system.daos("-j", "pool", "query", "tank")
    assert pool.returncode == 0, pool.stderr
    assert_shape(pool.json, real("daos_pool_query_tank.json"))
    # the real tank (one container) showed the same space numbers
    assert pool.json["response"] == {**real("daos_pool_query_tank.json")["response"], "uuid": tank}

    destroyed = system.daos("-j", "container", "destroy", "tank", "c1")
    assert destroyed.returncode == 0
    assert destroyed.json == real("daos_container_destroy_t2_c2.json")
    assert system.daos("-j", "container", "list", "tank").json == real(
        "daos_container_list_t2_empty.json"
    )
    gone = system.daos("-j", "container", "query", "tank", "c1")
    assert gone.returncode == 1
    assert gone.json["status"] == -1005


def test_container_types(system: SimSystem, tank: str) -> None:
    default = system.daos("-j", "container", "create", "tank", "cdef")
    assert default.returncode == 0, default.stderr
    assert_shape(default.json, real("docker_daos_container_create_default_type.json"))
    assert default.json["response"]["container_type"] == "unknown"
    assert default.json["response"]["open_time"] == 0

    hdf5 = system.daos("-j", "container", "create", "tank", "ch5", "--type=hdf5")
    assert_shape(hdf5.json, real("docker_daos_container_create_hdf5.json"))
    assert hdf5.json["response"]["container_type"] == "HDF5"
    db = system.daos("-j", "container", "create", "tank", "cdb", "-t", "db")
    assert db.json["response"]["container_type"] == "DATABASE"

    bogus = system.daos("-j", "container", "create", "tank", "cx", "--type=bogus")
    assert bogus.returncode == 1
    assert bogus.json["status"] == -1025
    assert bogus.json["error"].endswith('unknown container type "bogus"')

    listed = system.daos("-j", "container", "ls", "tank").json["response"]
    assert [c["label"] for c in listed] == ["cdb", "cdef", "ch5"]


def test_duplicate_and_unknown_pool(system: SimSystem, tank: str) -> None:
    first = system.daos("-j", "container", "create", "tank", "c1", "--type", "POSIX")
    assert first.returncode == 0
    duplicate = system.daos("-j", "container", "create", "tank", "c1", "--type", "POSIX")
    assert duplicate.returncode == 1
    assert duplicate.json == real("daos_container_create_duplicate.json")
    assert duplicate.stderr_lines[0].endswith(
        "dfs  ERR  src/client/dfs/cont.c:321 dfs_cont_create() daos_cont_create() failed "
        "DER_EXIST(-1004): 'Entity already exists'"
    )
    assert duplicate.stderr_lines[1] == (
        "ERROR: daos: failed to create container: DER_EXIST(-1004): Entity already exists"
    )

    unknown = system.daos("-j", "container", "create", "nosuchpool", "cx", "--type", "POSIX")
    assert unknown.returncode == 1
    assert unknown.json == real("daos_container_create_unknown_pool.json")
    assert unknown.stderr_lines == [
        "ERROR: daos: DER_NONEXIST(-1005): The specified entity does not exist"
    ]


def test_plain_container_create(system: SimSystem, tank: str) -> None:
    created = system.daos("container", "create", "tank", "c2", "--type", "POSIX")
    assert created.returncode == 0
    uuid = created.stdout.split()[3]
    assert created.stdout == real("daos_container_create_t2_c2_plain.txt").replace(
        "32a0a85f-d3d2-4da9-a47f-2b1f3a49c765", uuid
    )


def test_pool_destroy_with_containers(system: SimSystem, tank: str) -> None:
    assert system.daos("-j", "container", "create", "tank", "c1", "--type=POSIX").returncode == 0
    refused = system.dmg("-j", "pool", "destroy", "tank")
    assert refused.returncode == 1
    assert refused.json == real("dmg_pool_destroy_tank_with_container.json")
    assert refused.stderr_lines == [
        'ERROR: dmg: pool destroy failed: server: code = 618 description = "cannot destroy a pool '
        'with existing containers"',
        'ERROR: dmg: server: code = 618 resolution = "retry the operation with the recursive flag '
        'set to remove containers along with the pool"',
    ]
    forced = system.dmg("-j", "pool", "destroy", "--force", "tank")
    assert forced.json == real("docker_dmg_pool_destroy_force_with_containers.json")
    recursive = system.dmg("-j", "pool", "destroy", "--recursive", "tank")
    assert recursive.json == real("dmg_pool_destroy_tank_recursive.json")
    assert system.dmg("-j", "pool", "list").json == real("dmg_pool_list_empty.json")


def test_agent_without_server(tmp_path: Path) -> None:
    """daos_agent up, daos_server down: libdaos init times out (DER_TIMEDOUT)."""
    runtime = tmp_path / "agent"
    runtime.mkdir()
    config = tmp_path / "daos_agent.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "daos_server",
                "access_points": ["localhost"],
                "port": free_port(),
                "runtime_dir": str(runtime),
                "log_file": str(tmp_path / "agent.log"),
                "transport_config": {"allow_insecure": True},
            }
        )
    )
    env = base_env(tmp_path)
    agent = subprocess.Popen(
        [sys.executable, "-m", "pytest_daos.sim", "daos_agent", "-o", str(config)],
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not (runtime / "daos_agent.sock").exists():
            assert time.monotonic() < deadline, "no agent socket"
            assert agent.poll() is None, "daos_agent exited"
            time.sleep(0.05)
        result = run("daos", "-j", "pool", "query", "t2", env=env)
        assert result.returncode == 1
        assert result.json == real("daos_pool_query_t2_server_down.json")
        assert result.stderr_lines[-1] == (
            "ERROR: daos: failed to initialize DAOS API: DER_TIMEDOUT(-1011): Time out"
        )

        agent.send_signal(signal.SIGTERM)
        assert agent.wait(5) == 0
        assert not (runtime / "daos_agent.sock").exists()
    finally:
        if agent.poll() is None:
            os.killpg(agent.pid, signal.SIGKILL)
            agent.wait()
