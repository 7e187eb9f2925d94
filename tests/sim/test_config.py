"""Command lines, configuration files and start-up refusals, as DAOS 2.6.5 handles them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from simsupport import (
    DATA,
    CountingProxy,
    SimSystem,
    assert_shape,
    base_env,
    free_port,
    real,
    run,
    wait_for,
)

pytestmark = pytest.mark.root


def test_version_says_it_is_the_sim(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    for args in (["--version"], ["version"]):
        result = run("daos_server", *args, env=env)
        assert result.returncode == 0
        assert "pytest-daos sim" in result.stdout
        assert "DAOS 2.6.5" in result.stdout
    assert "pytest-daos sim" in run("daos_agent", "version", env=env).stdout
    assert "pytest-daos sim" in run("dmg", "version", env=env).stdout


def test_unsupported_release_is_refused(tmp_path: Path) -> None:
    env = dict(base_env(tmp_path), DAOS_SIM_VERSION="1.2.0")
    result = run("dmg", "-j", "system", "query", env=env)
    assert result.returncode == 1
    assert "does not imitate DAOS 1.2.0" in result.stderr


def _server_config(system: SimSystem) -> dict:
    return yaml.safe_load(system.server_config.read_text())


@pytest.mark.parametrize(
    ("where", "key", "gotype"),
    [
        ("top", "bogus_key", "config.Server"),
        ("engine", "bogus_engine_key", "engine.Config"),
        ("tier", "bogus_tier_key", "storage.TierConfig"),
        ("transport", "bogus_tls_key", "security.TransportConfig"),
        ("engine", "scm_class", "engine.Config"),  # the flat 2.0 storage keys are gone in 2.6
    ],
)
def test_server_rejects_unknown_keys(make_system, where: str, key: str, gotype: str) -> None:
    system = make_system()
    config = _server_config(system)
    target = {
        "top": config,
        "engine": config["engines"][0],
        "tier": config["engines"][0]["storage"][0],
        "transport": config["transport_config"],
    }[where]
    target[key] = "ram"
    system.server_config.write_text(yaml.safe_dump(config, sort_keys=False))
    proc = system.start_server(wait_for_line=None)
    assert proc.wait(15) == 1
    err = (system.logs / "daos_server.out").read_text()
    assert err.startswith("ERROR: ")
    assert f"field {key} not found in type {gotype}" in err
    assert not system.server_log.exists() or "listening" not in system.log_text()


def test_server_rejects_values_of_the_wrong_kind(make_system) -> None:
    system = make_system()
    config = _server_config(system)
    config["engines"][0]["targets"] = "many"
    system.server_config.write_text(yaml.safe_dump(config, sort_keys=False))
    assert system.start_server(wait_for_line=None).wait(15) == 1
    assert "cannot unmarshal !!str `many` into int" in (system.logs / "daos_server.out").read_text()


def test_server_accepts_the_real_26_config_files(make_system) -> None:
    """daos_server.yml and daos_server_ofi-tcp.yml of the real run (paths moved to tmp)."""
    system = make_system()
    system.start_server("SCM format required on instance 0")
    assert (
        f"DAOS Control Server v2.6.5 (pid {system.server.pid}) listening on 0.0.0.0:"
        f"{system.port}" in system.log_text()
    )
    assert system.stop_server() == 0


def test_server_without_config_file_fails(tmp_path: Path) -> None:
    result = run(
        "daos_server", "start", "-o", str(tmp_path / "missing.yml"), env=base_env(tmp_path)
    )
    assert result.returncode == 1
    assert "no such file or directory" in result.stderr


def test_server_socket_dir_must_be_a_folder(make_system) -> None:
    """daos_server never makes socket_dir: missing (also from -d/--socket_dir) or a plain
    file, it exits 1 once listening, and the engine never starts."""
    system = make_system()
    missing = system.tmp / "nosuch"
    proc = system.spawn("daos_server", "start", "-o", str(system.server_config), "-d", str(missing))
    assert proc.wait(15) == 1
    assert (system.logs / "daos_server.out").read_text() == (
        f"ERROR: dRPC server setup: missing socket directory {missing}: stat {missing}: "
        "no such file or directory\n"
    )
    assert not missing.exists()
    assert "SCM format required" not in system.log_text()

    system.socket_dir.rmdir()
    system.socket_dir.write_text("")
    assert system.start_server(wait_for_line=None).wait(15) == 1
    system.server = None
    assert (system.logs / "daos_server.out").read_text().splitlines()[-1] == (
        f"ERROR: dRPC server setup: path {system.socket_dir} not a directory"
    )


def test_dmg_needs_each_certificate_file(make_system) -> None:
    """With certificates enabled dmg loads the CA, its certificate and its key, in this
    order, before anything else; -i skips them."""
    system = make_system()
    certs = system.tmp / "certs"
    certs.mkdir()
    control = yaml.safe_load(system.control_config.read_text())
    control["transport_config"] = {
        "allow_insecure": False,
        "ca_cert": str(certs / "daosCA.crt"),
        "cert": str(certs / "admin.crt"),
        "key": str(certs / "admin.key"),
    }
    system.control_config.write_text(yaml.safe_dump(control))
    resolution = (
        'ERROR: dmg: security: code = 901 resolution = "refer to the System Deployment '
        'section of the DAOS Admin Guide for information about certificates"'
    )
    for name in ("daosCA.crt", "admin.crt", "admin.key"):
        result = system.dmg("-j", "pool", "list")
        assert result.returncode == 1
        error = (
            "Unable to load Certificate Data: security: code = 901 description = "
            f'"certificates are enabled, but {certs / name} was not found"'
        )
        assert result.json == {"response": None, "error": error, "status": -1025}
        assert result.stderr_lines == [f"ERROR: dmg: {error}", resolution]
        (certs / name).write_text("")
        (certs / name).chmod(0o644 if name.endswith(".crt") else 0o400)
    (certs / "admin.key").chmod(0o644)
    result = system.dmg("-j", "pool", "list")
    assert result.json["error"] == (
        f"Unable to load Certificate Data: could not load key: {certs / 'admin.key'} has "
        "insecure permissions 0644 (suggested: 0440)"
    )
    result = system.dmg("-i", "-j", "pool", "list")  # nothing listens: the 506 fault
    assert "refused the connection" in result.json["error"]


def test_agent_insecure_flag_skips_the_certificates(make_system) -> None:
    if Path("/etc/daos/certs").exists():
        pytest.skip("this host has DAOS certificates in /etc/daos/certs")
    system = make_system()
    agent = yaml.safe_load(system.agent_config.read_text())
    agent["transport_config"] = {"allow_insecure": False}
    system.agent_config.write_text(yaml.safe_dump(agent))
    result = run("daos_agent", "-o", str(system.agent_config), env=system.env)
    assert result.returncode == 1
    assert "code = 901" in result.stderr
    proc = system.spawn("daos_agent", "-i", "-o", str(system.agent_config))
    wait_for(lambda: (system.agent_dir / "daos_agent.sock").exists(), what="agent socket")
    assert proc.poll() is None


def test_agent_and_dmg_reject_unknown_keys(make_system) -> None:
    system = make_system()
    agent = yaml.safe_load(system.agent_config.read_text())
    agent["bogus_agent_key"] = 1
    system.agent_config.write_text(yaml.safe_dump(agent))
    result = run("daos_agent", "-o", str(system.agent_config), env=system.env)
    assert result.returncode == 1
    assert "field bogus_agent_key not found in type main.Config" in result.stderr
    assert not (system.agent_dir / "daos_agent.sock").exists()

    control = yaml.safe_load(system.control_config.read_text())
    control["bogus_control_key"] = 1
    system.control_config.write_text(yaml.safe_dump(control))
    result = system.dmg("-j", "system", "query")
    assert result.returncode == 1
    assert result.json["status"] == -1025
    assert "field bogus_control_key not found in type control.Config" in result.json["error"]


THP_FAULT = [
    'ERROR: server: code = 621 description = "transparent hugepage (THP) enabled on storage '
    'server, DAOS requires THP to be disabled"',
    "ERROR: server: code = 621 resolution = \"disable THP by adding 'transparent_hugepage=never' "
    'kernel parameter in the grub configuration file then reboot and restart daos_server"',
]


@pytest.mark.parametrize(
    ("thp", "allow_thp", "starts"),
    [
        ("always [madvise] never", False, False),
        ("[always] madvise never", False, False),
        ("always [madvise] never", True, True),
        ("always madvise [never]", False, True),
    ],
)
def test_transparent_hugepages_stop_the_server(
    make_system, thp: str, allow_thp: bool, starts: bool
) -> None:
    system = make_system()
    thp_file = system.tmp / "thp"
    thp_file.write_text(thp + "\n")
    system.env["DAOS_SIM_THP_FILE"] = str(thp_file)
    config = _server_config(system)
    config.pop("allow_thp", None)
    if allow_thp:
        config["allow_thp"] = True
    system.server_config.write_text(yaml.safe_dump(config, sort_keys=False))
    if starts:
        system.start_server("SCM format required on instance 0")
        assert system.stop_server() == 0
        return
    proc = system.start_server(wait_for_line=None)
    assert proc.wait(15) == 1
    assert (system.logs / "daos_server.out").read_text().splitlines() == THP_FAULT
    result = system.dmg("-j", "storage", "scan")
    assert result.returncode == 1  # nothing listens


def test_flag_errors_use_the_go_flags_wording(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    result = run("dmg", "-j", "pool", "create", "--size=2G", env=env)
    assert result.returncode == 1
    assert result.stdout == (DATA / "dmg_pool_create_no_label.json").read_text()
    assert result.stderr_lines == [
        "ERROR: dmg: the required argument `<pool label>` was not provided"
    ]

    result = run("dmg", "-j", "pool", "list", "--bogus", env=env)
    assert result.returncode == 1
    assert result.json == {"response": None, "error": "unknown flag `bogus'", "status": -1025}

    result = run("dmg", "-j", "pool", "frobnicate", env=env)
    assert result.returncode == 1
    assert result.json["error"] == (
        "Unknown command `frobnicate'. Please specify one command "
        "of: create, destroy, exclude, list, query or reintegrate"
    )

    result = run("dmg", "-j", "pool", "lst", env=env)
    assert result.json["error"] == "Unknown command `lst', did you mean `list'?"

    result = run("dmg", "-j", "pool", "create", "--size", env=env)
    assert result.json["error"] == "expected argument for flag `-z, --size'"

    result = run("dmg", "-j", "pool", "create", "--size=10.5%", "x", env=env)
    assert 'invalid pool size ratio "10.5%"' in result.json["error"]

    # -j after the bad token: no JSON, only the error line (as go-flags stops at the error)
    result = run("dmg", "pool", "list", "--bogus", "-j", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr_lines == ["ERROR: dmg: unknown flag `bogus'"]

    # -j is also accepted after the subcommand
    result = run("daos", "container", "create", "p", "--type=bogus", "-j", env=env)
    assert result.returncode == 1
    assert result.stdout == ""
    result = run("daos", "container", "create", "-j", "p", "--type=bogus", env=env)
    assert 'unknown container type "bogus"' in result.json["error"]

    result = run("dmg", "--help", env=env)
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_server_down_errors_match_the_real_ones(tmp_path: Path) -> None:
    """Nothing listens on the configured port."""
    port = free_port()
    control = tmp_path / "daos_control.yml"
    control.write_text(
        yaml.safe_dump(
            {
                "name": "daos_server",
                "hostlist": ["localhost"],
                "port": port,
                "transport_config": {"allow_insecure": True},
            }
        )
    )
    env = base_env(tmp_path)

    def expected(name: str) -> dict:
        text = (DATA / name).read_text()
        return yaml.safe_load(text.replace("10001", str(port)))

    scan = run("dmg", "-o", str(control), "-j", "storage", "scan", env=env)
    assert scan.returncode == 1
    assert scan.json == expected("dmg_storage_scan_server_down.json")
    assert scan.stderr_lines == ["ERROR: dmg: 1 host had errors"]

    query = run("dmg", "-o", str(control), "-j", "system", "query", env=env)
    assert query.returncode == 1
    assert query.json == expected("dmg_system_query_server_down.json")
    assert query.stderr_lines == [f"ERROR: dmg: {query.json['error']}"]
    with CountingProxy(port) as proxy:  # in front of the port nothing listens on
        again = run("dmg", "-o", str(proxy.control(tmp_path)), "-j", "system", "query",
                    env={**env, "DAOS_SIM_REQUEST_TIMEOUT": "4"})  # fmt: skip
    assert again.returncode == 1
    assert again.json["error"].endswith("unable to contact the DAOS Management Service")
    assert proxy.connections == 1  # a connection that fails is not tried again

    pools = run("dmg", "-o", str(control), "-j", "pool", "list", env=env)
    assert pools.returncode == 1
    assert pools.json == expected("dmg_pool_list_server_down.json")
    assert_shape(pools.json, real("dmg_pool_list_server_down.json"))


def test_daos_without_agent(tmp_path: Path) -> None:
    env = base_env(tmp_path)  # DAOS_AGENT_DRPC_DIR points to a directory without a socket
    result = run("daos", "-j", "pool", "query", "p50", env=env)
    assert result.returncode == 1
    assert result.json == real("docker_daos_pool_query_no_agent.json")
    socket_path = os.path.join(env["DAOS_AGENT_DRPC_DIR"], "daos_agent.sock")
    assert result.stderr_lines[0].endswith(
        f"mgmt ERR  src/mgmt/cli_mgmt.c:317 get_attach_info() failed to connect to "
        f"{socket_path} DER_NONEXIST(-1005): 'The specified entity does not exist'"
    )
    assert result.stderr_lines[1] == (
        "ERROR: daos: failed to initialize DAOS API: "
        "DER_AGENT_COMM(-2034): Agent communication error"
    )
