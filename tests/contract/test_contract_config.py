"""Each release's configuration keys: what daos_server, daos_agent and dmg accept and refuse,
the THP check (2.6.5 only), the plugin's own configuration files, and --version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from contract import series
from simsupport import SimSystem, base_env, run

from pytest_daos.cluster.config_files import ClusterConfig, config_files
from pytest_daos.cluster.host import HostFacts

pytestmark = pytest.mark.root

PROGRAMS = ("dmg", "daos", "dfuse", "daos_agent", "daos_server", "daos_engine")


def edit_server(system: SimSystem, change: Callable[[dict], None]) -> None:
    config = yaml.safe_load(system.server_config.read_text())
    change(config)
    system.server_config.write_text(yaml.safe_dump(config, sort_keys=False))


def start_fails(system: SimSystem) -> str:
    proc = system.start_server(wait_for_line=None)
    assert proc.wait(15) == 1
    system.server = None
    return (system.logs / "daos_server.out").read_text()


def test_version_says_it_is_the_sim(tmp_path: Path, release: str) -> None:
    env = base_env(tmp_path, release)
    for program in PROGRAMS:
        result = run(program, "--version", env=env)
        assert result.returncode == 0, (program, result.stderr)
        assert result.stdout == (
            f"{program} version {release} (pytest-daos sim: a test stand-in imitating "
            f"DAOS {release}; this is not DAOS)\n"
        )
    assert release in run("daos_server", "version", env=env).stdout


def test_allow_thp_only_in_2_6(make_system: Callable[..., SimSystem], release: str) -> None:
    system = make_system()
    edit_server(system, lambda config: config.update(allow_thp=True))
    if series(release) == "2.6":
        system.start_server("SCM format required on instance 0")
        return
    err = start_fails(system)
    path = system.server_config
    if series(release) == "2.4":  # real-2.4 daos_server_start_allow_thp.txt, its stderr
        assert err.splitlines()[0] == (
            f'ERROR: failed to load config from {path}: parse of "{path}" failed; config '
            "contains invalid parameters and may be out of date, see server config examples: "
            "yaml: unmarshal errors:"
        )
    assert err.splitlines()[1].endswith("field allow_thp not found in type config.Server")


def test_thp_check_only_in_2_6_5(make_system: Callable[..., SimSystem], release: str) -> None:
    system = make_system()
    thp = system.tmp / "thp"
    thp.write_text("always [madvise] never\n")
    system.env["DAOS_SIM_THP_FILE"] = str(thp)
    if series(release) == "2.6":
        edit_server(system, lambda config: config.pop("allow_thp", None))
        assert "code = 621" in start_fails(system)
    else:
        system.start_server("SCM format required on instance 0")


def _flat_storage(config: dict) -> None:
    engine = config["engines"][0]
    scm, bdev = engine.pop("storage")
    engine.update(scm_class="ram", scm_mount=scm["scm_mount"], scm_size=scm["scm_size"])
    engine.update(bdev_class="file", bdev_list=bdev["bdev_list"], bdev_size=bdev["bdev_size"])


def _tier_storage(config: dict) -> None:
    engine = config["engines"][0]
    engine["storage"] = [
        {"class": "ram", "scm_mount": engine.pop("scm_mount"), "scm_size": engine.pop("scm_size")},
        {
            "class": "file",
            "bdev_list": engine.pop("bdev_list"),
            "bdev_size": engine.pop("bdev_size"),
        },
    ]
    del engine["scm_class"], engine["bdev_class"]


def test_storage_keys(make_system: Callable[..., SimSystem], release: str) -> None:
    """Flat scm_class/scm_mount/... keys: 2.0 and 2.4 (legacy); the storage: list: all
    (v2.0.3 already has it); 2.6 refuses the flat keys."""
    system = make_system()
    if series(release) == "2.0":  # its sample config has the flat keys
        edit_server(system, _tier_storage)
        system.start_server("SCM format required on instance 0")
        system.format()
        system.wait_joined()
        return
    edit_server(system, _flat_storage)
    if series(release) == "2.4":
        system.start_server("SCM format required on instance 0")
        system.format()
        system.wait_joined()
        return
    assert "field scm_class not found in type engine.Config" in start_fails(system)


def test_keys_newer_than_the_release(make_system: Callable[..., SimSystem], release: str) -> None:
    system = make_system()
    if series(release) == "2.0":
        edit_server(system, lambda config: config.update(system_ram_reserved=2))
        assert "field system_ram_reserved not found in type config.Server" in start_fails(system)
        agent = yaml.safe_load(system.agent_config.read_text())
        agent["control_log_mask"] = "info"  # 2.4+
        system.agent_config.write_text(yaml.safe_dump(agent))
        result = run("daos_agent", "-o", str(system.agent_config), env=system.env)
        assert result.returncode == 1
        assert "field control_log_mask not found in type main.Config" in result.stderr
    else:
        edit_server(system, lambda config: config.update(bogus_key=1))
        assert "field bogus_key not found in type config.Server" in start_fails(system)


def test_the_plugins_config_files(make_system: Callable[..., SimSystem], release: str) -> None:
    """What pytest_daos.cluster.config_files writes for the release is accepted (paths moved)."""
    facts = HostFacts(cpu_count=2, thp_enabled=True, mem_total_bytes=24 * 1024**3,
                      hugepage_size_bytes=2 * 1024**2)  # fmt: skip
    config = ClusterConfig(release, "ofi+tcp", "lo", 1, 2, 4)
    files = {name: yaml.safe_load(text) for name, text in config_files(config, facts).items()}
    system = make_system()
    ours = yaml.safe_load(system.server_config.read_text())
    server = files["daos_server.yml"]
    server.update({key: ours[key] for key in ("access_points", "port", "socket_dir",
                                              "control_log_file", "helper_log_file")})  # fmt: skip
    engine, our_engine = server["engines"][0], ours["engines"][0]
    engine["log_file"] = our_engine["log_file"]
    if "storage" in engine:
        engine["storage"] = our_engine.get("storage") or engine["storage"]
        engine["storage"][0]["scm_mount"] = str(system.scm)
        engine["storage"][1]["bdev_list"] = [str(system.bdev)]
    else:
        engine.update(scm_mount=str(system.scm), bdev_list=[str(system.bdev)])
    system.server_config.write_text(yaml.safe_dump(server, sort_keys=False))
    agent = files["daos_agent.yml"]
    agent.update(access_points=["localhost"], port=system.port, runtime_dir=str(system.agent_dir))
    agent["log_file"] = str(system.logs / "agent.log")
    system.agent_config.write_text(yaml.safe_dump(agent, sort_keys=False))
    control = dict(files["daos_control.yml"], hostlist=["localhost"], port=system.port)
    system.control_config.write_text(yaml.safe_dump(control, sort_keys=False))
    system.up()
    system.start_agent()
    assert system.dmg("-j", "pool", "list").returncode == 0


@pytest.mark.parametrize("program", ["dmg", "daos"])
def test_flag_errors_use_go_flags_wording(tmp_path: Path, release: str, program: str) -> None:
    env = base_env(tmp_path, release)
    result = run(program, "-j", "pool", "frobnicate", env=env)
    assert result.returncode == 1
    assert result.json["status"] == -1025
    assert result.json["error"].startswith("Unknown command `frobnicate'")
    assert result.stderr_lines == [f"ERROR: {program}: {result.json['error']}"]
