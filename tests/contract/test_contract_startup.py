"""Failures before anything runs, against each release's samples: daos_server without its
socket_dir, daos_agent without its runtime_dir (neither makes them), configuration files
missing, empty or with an unknown key, and dmg and daos_agent with certificates enabled but
no CA file.

The samples (CAPTURES.md in tests/data/2.6/ and tests/data/2.4/, SOURCES.md in
tests/data/2.0/) ran in a folder shown as /srv/daos; each test builds the same files in its own
folder, with the same edits, and compares the sim's stdout and stderr line by line after
putting /srv/daos back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from contract import Samples
from simsupport import Result, base_env, free_port, run

RUN_DIR = "/srv/daos"
PID = re.compile(r"\(pid \d+\)")
#: `<argv[0]> logging to file ...`: the capture ran the programs by their full path
ARGV0 = re.compile(r"^\S*/(daos_\w+) logging to file ", re.MULTILINE)


@dataclass
class Folder:
    """The run folder of one test: the configuration files of the capture, a free port."""

    path: Path
    samples: Samples
    port: int

    def text(self, text: str) -> str:
        """`text` as the capture shows it: the folder as /srv/daos, the port as 10001, pids
        and the programs' directory left out."""
        text = text.replace(str(self.path), RUN_DIR).replace(f":{self.port}", ":10001")
        return ARGV0.sub(r"\1 logging to file ", PID.sub("(pid N)", text))

    def config(self, name: str, insert: str | None = None, after: tuple[str, ...] = ()) -> Path:
        """The release's sample `name` with its paths in this folder and the free port, and
        the line `insert` after the first line starting with one of `after`."""
        lines = self.samples.text(name).replace(RUN_DIR, str(self.path)).splitlines()
        lines = [f"port: {self.port}" if line.startswith("port:") else line for line in lines]
        if insert is not None:
            at = next(i for prefix in after for i, ln in enumerate(lines) if ln.startswith(prefix))
            lines.insert(at + 1, insert)
        stem, suffix = name.rsplit(".", 1)
        path = self.path / (f"{stem}_nosuch_key.{suffix}" if insert else name)
        path.write_text("\n".join(lines) + "\n")
        return path


@pytest.fixture
def folder(tmp_path: Path, samples: Samples) -> Folder:
    (tmp_path / "logs").mkdir()
    return Folder(tmp_path, samples, free_port())


@pytest.fixture
def env(tmp_path: Path, release: str) -> dict[str, str]:
    """The release's environment, with a HOME of its own (no ~/.daos_control.yml)."""
    home = tmp_path / "home"
    home.mkdir()
    return dict(base_env(tmp_path, release), HOME=str(home))


def sample_lines(folder: Folder, name: str) -> list[str] | None:
    """The lines of a sample, pids and program paths left out (None if there is none)."""
    if not folder.samples.has(name):
        return None
    return folder.text(folder.samples.text(name)).splitlines()


def assert_outputs(result: Result, folder: Folder, name: str, stdout: str = ".txt") -> None:
    """Exit 1, stdout and stderr as the sample `name` (stdout `name+stdout`, stderr
    `name.stderr`), line by line; a JSON document compared as JSON."""
    assert result.returncode == 1, result.stderr
    assert folder.text(result.stderr).splitlines() == sample_lines(folder, f"{name}.stderr")
    expected = folder.text(folder.samples.text(name + stdout))
    if stdout == ".json":
        assert json.loads(folder.text(result.stdout)) == json.loads(expected)
    else:
        assert folder.text(result.stdout).splitlines() == expected.splitlines()


# --- daos_server ---------------------------------------------------------------------------


def test_server_without_socket_dir(folder: Folder, env: dict[str, str]) -> None:
    """daos_server listens, then fails setting up its dRPC server: socket_dir is missing and
    it does not make it. The sim writes only the final error: the real stderr's other lines
    are its start-up log (one access point, syslog, the SPDK helper on the capture host)."""
    config = folder.config("daos_server.yml")
    result = run("daos_server", "start", "-o", str(config), env=env, timeout=30)
    assert result.returncode == 1, result.stderr
    name = "daos_server_start_missing_socket_dir"
    real_stderr = sample_lines(folder, f"{name}.stderr")
    assert real_stderr is not None
    assert folder.text(result.stderr).splitlines() == real_stderr[-1:]
    real_stdout = sample_lines(folder, f"{name}.txt")
    if real_stdout is not None:  # the sim prints none of the start-up lines, or the same
        assert set(folder.text(result.stdout).splitlines()) <= set(real_stdout)
    assert not (folder.path / "sockets").exists()
    log = folder.text((folder.path / "logs" / "daos_server.log").read_text()).splitlines()
    assert "listening on" in log[-2]
    assert log[-1].endswith(real_stderr[-1].removeprefix("ERROR: "))


def test_server_unknown_key(folder: Folder, env: dict[str, str]) -> None:
    config = folder.config("daos_server.yml", "nosuch_key: 1",
                           ("system_ram_reserved:", "nr_hugepages:"))  # fmt: skip
    result = run("daos_server", "start", "-o", str(config), env=env, timeout=30)
    assert_outputs(result, folder, "daos_server_start_unknown_key")


def test_server_missing_config(folder: Folder, env: dict[str, str]) -> None:
    config = folder.path / "nosuch" / "daos_server.yml"
    result = run("daos_server", "start", "-o", str(config), env=env, timeout=30)
    assert_outputs(result, folder, "daos_server_start_missing_config")


# --- daos_agent ----------------------------------------------------------------------------


def test_agent_without_runtime_dir(folder: Folder, env: dict[str, str]) -> None:
    """daos_agent cannot listen on <runtime_dir>/daos_agent.sock and does not make the
    folder: exit 1, the release's stdout and stderr (2.4: the logger's complaint about its
    closed log file included)."""
    config = folder.config("daos_agent.yml")
    result = run("daos_agent", "-o", str(config), env=env, timeout=30)
    assert_outputs(result, folder, "daos_agent_missing_runtime_dir")
    assert not (folder.path / "agent").exists()


def test_agent_unknown_key(folder: Folder, env: dict[str, str]) -> None:
    config = folder.config("daos_agent.yml", "nosuch_key: 1", ("port:",))
    (folder.path / "agent").mkdir()
    result = run("daos_agent", "-o", str(config), env=env, timeout=30)
    assert_outputs(result, folder, "daos_agent_unknown_key")


def test_agent_missing_config(folder: Folder, env: dict[str, str]) -> None:
    config = folder.path / "nosuch" / "daos_agent.yml"
    result = run("daos_agent", "-o", str(config), env=env, timeout=30)
    assert_outputs(result, folder, "daos_agent_missing_config")


def test_agent_certificates_enabled(folder: Folder, env: dict[str, str]) -> None:
    """allow_insecure false and no CA: fault 901 before anything else, no resolution line."""
    if Path("/etc/daos/certs").exists():
        pytest.skip("this host has DAOS certificates in /etc/daos/certs")
    text = folder.config("daos_agent.yml").read_text()
    config = folder.path / "daos_agent_secure.yml"
    config.write_text(text.replace("allow_insecure: true", "allow_insecure: false"))
    (folder.path / "agent").mkdir()
    result = run("daos_agent", "-o", str(config), env=env, timeout=30)
    assert_outputs(result, folder, "daos_agent_secure_no_certs")
    assert not (folder.path / "agent" / "daos_agent.sock").exists()


# --- dmg -----------------------------------------------------------------------------------


def _secure(folder: Folder, transport: bool = True) -> Path:
    """A control configuration with certificates enabled: allow_insecure false, or no
    transport_config at all (DAOS's default)."""
    text = f"name: daos_server\nhostlist: ['localhost']\nport: {folder.port}\n"
    name = "daos_control_no_transport.yml"
    if transport:
        text += "transport_config:\n  allow_insecure: false\n"
        name = "daos_control.yml"
    path = folder.path / name
    path.write_text(text)
    return path


def _nosuch_key(folder: Folder) -> Path:
    return folder.config("daos_control.yml", "nosuch_key: 1", ("port:",))


def _empty(folder: Folder) -> Path:
    path = folder.path / "daos_control_empty.yml"
    path.write_text("")
    return path


DMG_CASES = {
    # sample: (dmg's arguments after its -o option, or None for no -o; that -o's file)
    "dmg_storage_scan_no_certs.json": (["-j", "storage", "scan"], None),
    "dmg_system_query_no_certs.json": (["-j", "system", "query"], None),
    "dmg_system_query_no_certs_plain.txt": (["system", "query"], None),
    "dmg_storage_scan_secure_no_certs.json": (["-j", "storage", "scan"], _secure),
    "dmg_system_query_secure_no_certs.json": (["-j", "system", "query"], _secure),
    "dmg_system_query_secure_no_certs_plain.txt": (["system", "query"], _secure),
    "dmg_system_query_no_transport_config.json": (
        ["-j", "system", "query"], lambda f: _secure(f, transport=False)),
    # the capture used the default configuration; here one with a free port: nothing listens
    "dmg_system_query_no_certs_insecure_flag.json": (["-i", "-j", "system", "query"], _secure),
    "dmg_system_query_missing_config.json": (
        ["-j", "system", "query"], lambda f: f.path / "nosuch" / "daos_control.yml"),
    "dmg_system_query_missing_config_plain.txt": (
        ["system", "query"], lambda f: f.path / "nosuch" / "daos_control.yml"),
    "dmg_system_query_unknown_key.json": (["-j", "system", "query"], _nosuch_key),
    "dmg_system_query_empty_config.json": (["-j", "system", "query"], _empty),
}  # fmt: skip


@pytest.mark.parametrize("sample", list(DMG_CASES))
def test_dmg_config_and_certificates(folder: Folder, env: dict[str, str], sample: str) -> None:
    """dmg reads its configuration and, with certificates enabled (allow_insecure false or
    not set, and no -i), loads the CA first: absent, every command fails with security
    fault 901 before anything is sent."""
    if Path("/etc/daos/daos_control.yml").exists() or Path("/etc/daos/certs").exists():
        pytest.skip("this host has a DAOS control configuration or certificates in /etc/daos")
    args, config = DMG_CASES[sample]
    prefix = [] if config is None else ["-o", str(config(folder))]
    result = run("dmg", *prefix, *args, env=env, timeout=30)
    name, suffix = sample.rsplit(".", 1)
    assert_outputs(result, folder, name, "." + suffix)
