"""daos pool query and daos container create|list|query|destroy against each release's
samples: types, labels (2.0: --label, 2.4+: a positional), the errors, the agent."""

from __future__ import annotations

from pathlib import Path

import pytest
from contract import Samples, normalize, series
from contract import check as check_envelope
from simsupport import Result, SimSystem, base_env, run

pytestmark = pytest.mark.root


def check(result: Result, samples: Samples, name: str) -> None:
    """The daos command's JSON, exit status and stderr are those of the sample."""
    check_envelope(result, samples.json(name), "daos")
    if samples.json(name)["error"] is not None:
        assert result.stderr_lines[-1] == f"ERROR: daos: {samples.json(name)['error']}"


def label_args(release: str, label: str) -> list[str]:
    """How the release names a new container: 2.0 `--label=L`, 2.4+ a second positional."""
    return [f"--label={label}"] if series(release) == "2.0" else [label]


@pytest.fixture
def tank(system: SimSystem) -> str:
    created = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert created.returncode == 0, created.stderr
    return str(created.json["response"]["uuid"])


def test_container_create(system: SimSystem, samples: Samples, release: str, tank: str) -> None:
    args = ["-j", "container", "create", "tank", *label_args(release, "c1"), "--type", "POSIX"]
    result = system.daos(*args)
    check(result, samples, "daos_container_create_tank_c1.json")
    assert result.json["response"]["pool_uuid"] == tank


def test_container_list_query_destroy(
    system: SimSystem, samples: Samples, release: str, tank: str
) -> None:
    made = system.daos(
        "-j", "container", "create", "tank", *label_args(release, "c1"), "-t", "posix"
    )
    assert made.returncode == 0, made.stderr
    check(system.daos("-j", "container", "list", "tank"), samples, "daos_container_list_tank.json")
    query = system.daos("-j", "container", "query", "tank", "c1")
    check(query, samples, "daos_container_query_tank_c1.json")
    destroyed = system.daos("-j", "container", "destroy", "tank", "c1")
    check(destroyed, samples, "daos_container_destroy_t2_c2.json")
    empty = system.daos("-j", "container", "list", "tank")
    check(empty, samples, "daos_container_list_t2_empty.json")


def test_daos_pool_query(system: SimSystem, samples: Samples, release: str, tank: str) -> None:
    made = system.daos("-j", "container", "create", "tank", *label_args(release, "c1"))
    assert made.returncode == 0, made.stderr
    check(system.daos("-j", "pool", "query", "tank"), samples, "daos_pool_query_tank.json")


def test_container_types(system: SimSystem, samples: Samples, release: str, tank: str) -> None:
    default = system.daos("-j", "container", "create", "tank", *label_args(release, "cdef"))
    assert default.returncode == 0, default.stderr
    assert default.json["response"]["container_type"] == "unknown"
    hdf5 = system.daos(
        "-j", "container", "create", "tank", *label_args(release, "ch5"), "--type=HDF5"
    )
    assert hdf5.json["response"]["container_type"] == "HDF5"
    for name, result in (
        ("daos_container_create_default_type.json", default),
        ("docker_daos_container_create_default_type.json", default),
        ("daos_container_create_hdf5.json", hdf5),
        ("docker_daos_container_create_hdf5.json", hdf5),
    ):
        if samples.has(name):
            check(result, samples, name)
    bogus = system.daos("-j", "container", "create", "tank", "--type=bogus")
    assert bogus.json["error"].endswith('unknown container type "bogus"')


def test_container_create_duplicate(
    system: SimSystem, samples: Samples, release: str, tank: str
) -> None:
    args = ["-j", "container", "create", "tank", *label_args(release, "c1"), "--type", "POSIX"]
    assert system.daos(*args).returncode == 0
    duplicate = system.daos(*args)
    check(duplicate, samples, "daos_container_create_duplicate.json")
    assert "dfs_cont_create() daos_cont_create() failed DER_EXIST(-1004)" in duplicate.stderr


def test_container_create_unknown_pool(system: SimSystem, samples: Samples, release: str) -> None:
    args = [
        "-j",
        "container",
        "create",
        "nosuchpool",
        *label_args(release, "cx"),
        "--type",
        "POSIX",
    ]
    check(system.daos(*args), samples, "daos_container_create_unknown_pool.json")


def test_container_label_syntax_of_the_release(system: SimSystem, release: str, tank: str) -> None:
    """2.0 refuses a second positional; 2.4+ have no --label flag."""
    if series(release) == "2.0":
        result = system.daos("-j", "container", "create", "tank", "c9", "--type=POSIX")
        assert result.json == {
            "response": None, "error": "unexpected arguments: c9", "status": -1025,
        }  # fmt: skip
        pool_flag = system.daos("-j", "container", "create", "--pool=tank", "--label=c9")
        assert pool_flag.returncode == 0, pool_flag.stderr
        listed = system.daos("-j", "container", "list", "tank").json["response"]
        assert [c["Label"] for c in listed] == ["c9"]
        return
    result = system.daos("-j", "container", "create", "tank", "--label", "c9", "--type", "POSIX")
    assert result.returncode == 1
    sample_name = "daos_container_create_label_flag.json"
    expected = Samples("2.4.2").json(sample_name)  # the 2.4 capture; 2.6 parses alike
    assert result.json == expected
    assert result.stderr_lines == ["ERROR: daos: unknown flag `label'"]


def test_plain_container_create(
    system: SimSystem, samples: Samples, release: str, tank: str
) -> None:
    result = system.daos(
        "container", "create", "tank", *label_args(release, "c2"), "--type", "POSIX"
    )
    assert result.returncode == 0, result.stderr
    assert normalize(result.stdout) == normalize(
        samples.text("daos_container_create_t2_c2_plain.txt")
    )


@pytest.mark.parametrize("flags", [("--debug",), ("--verbose",), ("--debug", "--verbose")])
def test_daos_global_flags(system: SimSystem, tank: str, flags: tuple[str, ...]) -> None:
    """The flags DAOS's own tools pass (its functional tests' DaosCommand: --debug,
    --verbose). daos has no short -d (main.go of every release), so it refuses one."""
    result = system.daos(*flags, "-j", "pool", "query", "tank")
    assert result.returncode == 0, result.stderr
    assert result.json["response"]["uuid"] == tank
    short = system.daos("-d", "-j", "pool", "query", "tank")
    assert (short.returncode, short.stderr_lines) == (1, ["ERROR: daos: unknown flag `d'"])


def test_daos_without_agent(tmp_path: Path, samples: Samples, release: str) -> None:
    env = base_env(tmp_path, release)  # DAOS_AGENT_DRPC_DIR: a folder without a socket
    result = run("daos", "-j", "pool", "query", "p50", env=env)
    name = "docker_daos_pool_query_no_agent.json"
    check(result, samples, name if samples.has(name) else "daos_pool_query_no_agent.json")
    assert "get_attach_info() failed to connect to" in result.stderr_lines[0]
