"""Bad input, each in a run of its own: one clear line naming the cause and the fix, and
nothing left behind (the scenario fixture checks the host after each)."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from downstream_run import DownstreamRun, Ended
from nobody import DOCKER_GROUP

#: Options that are refused before anything is done (a setting that cannot work on this
#: host too: a misspelt interface, more SCM than the memory): (scenario id, arguments).
OPTIONS = [
    ("recipe_a_program", ["--daos-recipe=/bin/ls"]),
    ("unbalanced_quote_in_dmg", ["--daos-system=existing", "--daos-dmg=ssh 'admin01"]),
    ("start_timeout_nan", ["--daos-start-timeout=nan"]),
    ("sim_join_delay_inf", ["--daos-sim-join-delay=inf"]),
    ("hugepages_abc", ["--daos-hugepages=abc"]),
    ("pool_size_0", ["--daos-pool-size=0"]),
    ("unknown_interface", ["--daos-iface=nosuch0"]),
    ("scm_size_beyond_memory", ["--daos-scm-size=100000"]),
    ("version_2_5", ["--daos-version=2.5"]),
]

#: Labels and properties a downstream test passes: (scenario id, the test's body).
CALLS = [
    ("label_with_a_space", 'daos_pool.create_container("my label")'),
    ("label_with_a_quote", "daos_pool.create_container(\"it's\")"),
    ("property_value_with_a_comma",
     'daos_pool.create_container("c1", properties={"rd_fac": "1,2"})'),
]  # fmt: skip


def error_line(ended: Ended, folder: Path) -> str:
    """The line that says what is wrong: a usage error, the summary's line for a cluster
    that did not start (its tests are skipped), or a test's error; the scenario's
    temporary folder, pids and addresses masked (they vary)."""
    lines = ended.output.splitlines()
    found = (
        [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR: ")]
        + [line for line in lines if line.startswith("the cluster did not start:")]
        + [line[1:].strip() for line in lines if line.startswith("E   ")]
    )
    if not found:
        return "(no error line)"
    text = found[0].replace(str(folder), "<tmp>")
    text = re.sub(r"(interfaces with an IPv4 address:) .*? \(fix:", r"\1 <this host's> (fix:", text)
    text = re.sub(r"used by \S+ \(pid \d+\)", "used by <the listener> (pid N)", text)
    text = re.sub(r"(memory:) .*? \(fix:", r"\1 <this host's> (fix:", text)
    return re.sub(r"\b(pid|inode) \d+", r"\1 N", text)


def outcome(ended: Ended, folder: Path) -> str:
    skipped = " (its test skipped)" if "1 skipped" in ended.tally else ""
    return f"exit {ended.code}{skipped}; {error_line(ended, folder)}"


def refused(ended: Ended, folder: Path) -> bool:
    """Refused with one clear line: a usage error or a failed test, or (the default
    `--daos-required=false`) the DAOS tests skipped with the reason in the summary."""
    line = error_line(ended, folder)
    skipped = ended.code == pytest.ExitCode.OK and line.startswith("the cluster did not start")
    failed = ended.code in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.TESTS_FAILED)
    return (skipped or failed) and line != "(no error line)" and ended.tracebacks == 0


@pytest.mark.parametrize(("case", "args"), OPTIONS, ids=[case for case, _ in OPTIONS])
def test_bad_option(scenario, case, args):
    ended = DownstreamRun(scenario.folder / "run", scenario.args(*args)).end()
    scenario.outcome(" ".join(args), outcome(ended, scenario.folder))
    assert refused(ended, scenario.folder), ended.output


def test_pool_size_in_percent_is_accepted(scenario):
    """dmg takes a pool size in percent of the free space: so does the plugin."""
    ended = DownstreamRun(scenario.folder / "run", scenario.args("--daos-pool-size=50%")).end()
    scenario.outcome("--daos-pool-size=50%", f"exit {ended.code}: accepted, as dmg accepts it")
    assert ended.code == 0, ended.output


@pytest.mark.parametrize(("case", "call"), CALLS, ids=[case for case, _ in CALLS])
def test_bad_label_or_property(scenario, case, call):
    suite = f"def test_call(daos_pool):\n    {call}\n"
    ended = DownstreamRun(scenario.folder / "run", scenario.args(), suite=suite).end()
    scenario.outcome(call, outcome(ended, scenario.folder))
    assert ended.code == pytest.ExitCode.TESTS_FAILED, ended.output
    assert "DaosError" not in error_line(ended, scenario.folder), "refused before DAOS is asked"


LEADING_DASH = """
def test_label_with_a_leading_dash(daos_cluster, daos_pool):
    container = daos_pool.create_container("-rf")
    assert container.label == "-rf"
    assert ("-rf") in {label for _, label in daos_cluster.daos_tool.container_list(daos_pool.label)}
"""


def test_a_label_with_a_leading_dash_is_a_label(scenario):
    """'-rf' is a valid DAOS label: `--` before it keeps dmg and daos from reading it as
    options."""
    ended = DownstreamRun(scenario.folder / "run", scenario.args(), suite=LEADING_DASH).end()
    scenario.outcome(
        'daos_pool.create_container("-rf")',
        f"exit {ended.code}: a container labelled -rf is made and listed (a valid DAOS label)",
    )
    assert ended.code == pytest.ExitCode.OK, ended.output


@pytest.fixture
def interface_without_ipv4() -> Iterator[str]:
    """A network interface with no address: one end of a veth pair (needs root; veth is
    what Docker's own bridge network uses)."""
    name = "pdtest0"
    made = subprocess.run(
        ["ip", "link", "add", name, "type", "veth", "peer", "name", "pdtest1"],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot make a veth interface: {made.stderr.decode().strip()}")
    try:
        subprocess.run(["ip", "link", "set", name, "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "link", "delete", name], check=False)


def test_an_interface_without_ipv4(scenario, interface_without_ipv4):
    args = scenario.args(f"--daos-iface={interface_without_ipv4}")
    ended = DownstreamRun(scenario.folder / "run", args).end()
    scenario.outcome(
        "--daos-iface names an interface that has no IPv4 address",
        outcome(ended, scenario.folder),
    )
    assert refused(ended, scenario.folder), ended.output
    assert interface_without_ipv4 in error_line(ended, scenario.folder), ended.output


@pytest.fixture
def port_10001_taken() -> Iterator[None]:
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("0.0.0.0", 10001))
        except OSError as exc:
            pytest.skip(f"port 10001 is in use already: {exc}")
        listener.listen()
        yield


def test_port_10001_taken(scenario, port_10001_taken):
    ended = DownstreamRun(scenario.folder / "run", scenario.args()).end()
    scenario.outcome("another program listens on port 10001 (DAOS's control port)",
                     outcome(ended, scenario.folder))  # fmt: skip
    assert refused(ended, scenario.folder), ended.output
    assert "10001" in error_line(ended, scenario.folder), ended.output


def failed_check(line: str, name: str) -> str:
    """The failed check `name` of a summary line naming every failed check ("the host
    cannot run DAOS: docker: ... (fix: ...); hugepages: ..."), or "(not failed)"."""
    checks = line.partition("the host cannot run DAOS: ")[2].split("; ")
    return next((check for check in checks if check.startswith(f"{name}: ")), "(not failed)")


def test_docker_socket_without_permission(scenario, as_nobody):
    """Compared: the exit, the skip and the Docker check's verdict. The other checks that
    fail for this user (hugetlbfs, hugepages) follow the host's state, not the scenario."""
    ended = as_nobody.run(scenario.args()[:1], "--clear-groups")
    line = error_line(ended, as_nobody.folder)
    skipped = " (its test skipped)" if "1 skipped" in ended.tally else ""
    scenario.outcome(
        "a user who may not use the Docker socket",
        f"exit {ended.code}{skipped}; the cluster did not start, the docker check failed: "
        f"{failed_check(line, 'docker')}",
    )
    assert refused(ended, as_nobody.folder), ended.output
    assert "permission denied" in failed_check(line, "docker"), ended.output


def test_too_few_hugepages_as_non_root(scenario, as_nobody):
    import grp

    if Path("/proc/sys/vm/nr_hugepages").read_text().strip() != "0":
        pytest.skip("this host has hugepages reserved already")
    docker_gid = grp.getgrnam(DOCKER_GROUP).gr_gid
    ended = as_nobody.run(scenario.args()[:1], f"--groups={docker_gid}")
    line = error_line(ended, as_nobody.folder)
    fix = re.search(r"hugepages: 0 of 0 .*?\(fix: (sudo sysctl vm.nr_hugepages=\d+)\)", line)
    scenario.outcome(
        "a user of the docker group, not root, on a host with no hugepages",
        f"exit {ended.code} (its test skipped); the summary says none of the hugepages the "
        f"engine needs is free, and the fix: {fix.group(1) if fix else '(none)'}",
    )
    assert refused(ended, as_nobody.folder) and fix, ended.output
