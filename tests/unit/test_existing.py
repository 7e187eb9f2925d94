"""--daos-system=existing: connecting to a DAOS system someone else runs, through the real
`Local` transport and real command prefixes (`env PATH=<tmp>/bin:/usr/bin:/bin`). The only
stand-ins are small `dmg` and `daos` shell scripts that print real captured DAOS output."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

import pytest
from samples import sample_path

from pytest_daos.client.dmg import Member
from pytest_daos.client.existing import ExistingSystemError, connect, describe
from pytest_daos.settings import Settings


def exit_status(release: str, name: str) -> int:
    """What dmg and daos exit with for a `-j` answer: 1 when its envelope has an error."""
    return 0 if json.loads(sample_path(release, name).read_text())["error"] is None else 1


def write_program(folder: Path, name: str, answers: dict[str, tuple[str, str]]) -> Path:
    """A shell script `name` that logs its arguments (one call a line, in `<name>.calls`
    next to `folder`) and answers by them: {"system query": (release, sample), ...}; the
    sample's `.stderr` companion, where the capture has one, goes to stderr."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder.parent / f"{name}.calls"
    lines = ["#!/bin/sh", f'printf "%s\\n" "$*" >> {shlex.quote(str(log))}', 'case "$*" in']
    for words, (release, sample) in answers.items():
        path = sample_path(release, sample)
        stderr = path.with_suffix(".stderr")
        lines.append(f'  *"{words}"*)')
        lines.append(f"    cat {shlex.quote(str(path))}")
        if stderr.is_file():
            lines.append(f"    cat {shlex.quote(str(stderr))} >&2")
        lines.append(f"    exit {exit_status(release, sample)};;")
    lines += [f'  *) echo "fake {name}: no answer for $*" >&2; exit 2;;', "esac", ""]
    program = folder / name
    program.write_text("\n".join(lines))
    program.chmod(0o755)
    return program


def calls(folder: Path, name: str) -> list[str]:
    log = folder.parent / f"{name}.calls"
    return log.read_text().splitlines() if log.exists() else []


def prefix_for(folder: Path) -> str:
    """A real command prefix that finds the programs of `folder` first."""
    return f"env PATH={folder}:/usr/bin:/bin"


def expected_through(prefix: str) -> str:
    command = shlex.join([*shlex.split(prefix), "dmg"])
    return f"the existing DAOS system is not ready through `{command}`: "


POOL = {
    "2.4": "54930f74-3366-4f37-93c7-daeb9434480a",
    "2.6": "3611afcc-4714-41c7-8f3d-bf257f15229f",
}
CONT = {
    "2.4": "3bca4021-1460-41f5-ac77-a237dc597957",
    "2.6": "8a81727d-d1fa-4679-bde6-0a4e2945d118",
}


@pytest.mark.parametrize("release", ["2.4", "2.6"])
def test_joined_system_gives_a_cluster_without_a_server_node(tmp_path, release):
    bin_dir = tmp_path / "bin"
    write_program(
        bin_dir,
        "dmg",
        {
            "system query": (release, "dmg_system_query.json"),
            "pool create": (release, "dmg_pool_create_tank.json"),
            "pool destroy": (release, "dmg_pool_destroy_tank_recursive.json"),
        },
    )
    write_program(
        bin_dir,
        "daos",
        {
            "container create": (release, "daos_container_create_tank_c1.json"),
            "container destroy": (release, "daos_container_destroy_t2_c2.json"),
        },
    )
    prefix = prefix_for(bin_dir)
    settings = Settings(system="existing", dmg=prefix, cmd=prefix, version=release)

    cluster = connect(settings)

    assert calls(bin_dir, "dmg") == ["-j system query"]  # joined at the first answer
    assert cluster.server is None
    assert [node.role for node in cluster.nodes] == ["admin", "client"]
    assert (cluster.admin.hostname, cluster.client.hostname) == (prefix, prefix)
    assert cluster.admin.transport.prefix == ("env", f"PATH={bin_dir}:/usr/bin:/bin")
    assert (cluster.version, cluster.iface, cluster.ip) == (release, "", "")
    raw = json.loads(sample_path(release, "dmg_system_query.json").read_text())
    member = raw["response"]["members"][0]
    assert cluster.members() == [
        Member(0, "joined", "127.0.0.1:10001", member["uuid"], member["fabric_uri"], "")
    ]

    pool = cluster.create_pool("tank", "2G")
    assert (pool.uuid, pool.tier_bytes, pool.svc_reps) == (
        POOL[release], (120000512, 1880000000), (0,),
    )  # fmt: skip
    container = pool.create_container("c1")
    assert (container.uuid, container.label) == (CONT[release], "c1")
    shown = container.exec(["sh", "-c", 'echo "$DAOS_POOL $DAOS_CONT"'])
    assert shown.stdout == f"{POOL[release]} {CONT[release]}\n"
    container.destroy()
    pool.destroy()

    assert calls(bin_dir, "dmg") == [
        "-j system query",
        "-j system query",
        "-j pool create --size=2G -- tank",
        f"-j pool destroy --force --recursive {POOL[release]}",
    ]  # dmg's own configuration: no -o on an existing system
    assert calls(bin_dir, "daos") == [
        f"-j container create --type=POSIX -- {POOL[release]} c1",
        f"-j container destroy {POOL[release]} {CONT[release]} --force",
    ]


def test_without_prefixes_dmg_and_daos_run_on_this_host(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    write_program(bin_dir, "dmg", {"system query": ("2.6", "dmg_system_query.json")})
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    cluster = connect(Settings(system="existing", version="2.6"))
    assert cluster.server is None
    assert (cluster.admin.hostname, cluster.client.hostname) == ("this host (dmg)", "this host")
    assert cluster.admin.transport.prefix == ()
    assert cluster.client.exec(["sh", "-c", "echo $DAOS_X"], env={"DAOS_X": "1"}).stdout == "1\n"
    assert calls(bin_dir, "dmg") == ["-j system query"]


@pytest.mark.parametrize(
    ("release", "sample", "last"),
    [
        ("2.6", "dmg_system_query_stopped.json", ": rank 0 stopped. Check --daos-dmg"),
        ("2.4", "dmg_system_query_stopped.json", ": rank 0 stopped. Check --daos-dmg"),
        (
            "2.6",
            "dmg_system_query_before_format.json",
            "system is uninitialized (storage format required?)",
        ),
        (
            "2.4",
            "dmg_system_query_server_down.json",
            '"the server at localhost:10001 refused the connection": unable to contact the '
            "DAOS Management Service",
        ),
    ],
)
def test_rank_not_joined_in_time_names_the_prefix_and_the_last_answer(
    tmp_path, release, sample, last
):
    bin_dir = tmp_path / "bin"
    write_program(bin_dir, "dmg", {"system query": (release, sample)})
    prefix = prefix_for(bin_dir)
    with pytest.raises(ExistingSystemError) as caught:
        connect(Settings(system="existing", dmg=prefix, version=release, start_timeout=1))
    message = str(caught.value)
    assert message.startswith(expected_through(prefix))
    assert last in message
    assert message.endswith("and that every rank is joined")
    seen = calls(bin_dir, "dmg")
    assert len(seen) >= 2  # it asked again before giving up
    assert set(seen) == {"-j system query"}


def test_missing_dmg_fails_at_once(tmp_path):
    """`timeout` is found, `dmg` is not (exit status 127): one call, no waiting. A wrapper in
    front of the prefix counts the calls."""
    only_timeout = tmp_path / "only-timeout"
    only_timeout.mkdir()
    (only_timeout / "timeout").symlink_to(shutil.which("timeout") or "/usr/bin/timeout")
    log = tmp_path / "prefix.calls"
    count = tmp_path / "count"
    count.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {shlex.quote(str(log))}\nexec "$@"\n')
    count.chmod(0o755)
    prefix = f"{count} env PATH={only_timeout}"

    with pytest.raises(ExistingSystemError) as caught:
        connect(Settings(system="existing", dmg=prefix, version="2.6", start_timeout=20))

    runs = log.read_text().splitlines()
    assert len(runs) == 1, runs  # would be many had it polled for the 20 s
    words = runs[0].split()
    assert words[:2] == ["env", f"PATH={only_timeout}"]
    assert words[2:5] == ["timeout", "-k", "5"] and 1 <= float(words[5]) <= 20
    assert words[6:] == ["dmg", "-j", "system", "query"]
    message = str(caught.value)
    assert message.startswith(expected_through(prefix))
    assert "exit status 127" in message
    assert "No such file or directory" in message


def test_missing_prefix_program_is_named(tmp_path):
    prefix = f"{tmp_path}/no-such-prefix --flag"
    with pytest.raises(ExistingSystemError) as caught:
        connect(Settings(system="existing", dmg=prefix, version="2.6", start_timeout=1))
    message = str(caught.value)
    assert message.startswith(expected_through(prefix))
    assert f"cannot run '{tmp_path}/no-such-prefix': No such file or directory" in message
    assert "exit status 127" in message


@pytest.mark.parametrize(
    ("release", "sample", "text"),
    [
        (
            "2.6",
            "dmg_system_query_missing_config.json",
            "failed to load control configuration: open /srv/daos/nosuch/daos_control.yml",
        ),
        (
            "2.4",
            "dmg_system_query_no_certs.json",
            "security: code = 901 description = ",
        ),
    ],
)
def test_an_answer_that_cannot_change_fails_at_once(tmp_path, release, sample, text):
    bin_dir = tmp_path / "bin"
    write_program(bin_dir, "dmg", {"system query": (release, sample)})
    prefix = prefix_for(bin_dir)
    with pytest.raises(ExistingSystemError) as caught:
        connect(Settings(system="existing", dmg=prefix, version=release, start_timeout=20))
    assert calls(bin_dir, "dmg") == ["-j system query"]  # once: waiting cannot mend it
    message = str(caught.value)
    assert message.startswith(expected_through(prefix))
    assert text in message
    assert "exit 1" in message  # the DaosError's own line


def test_describe_names_both_prefixes():
    assert describe(Settings(system="existing", dmg="ssh admin01", cmd="ssh client01")) == (
        "dmg: ssh admin01, daos: ssh client01"
    )
    assert describe(Settings(system="existing")) == "dmg: this host, daos: this host"
    assert describe(Settings(system="existing", dmg="docker exec -i adm")) == (
        "dmg: docker exec -i adm, daos: this host"
    )


FAKE_SSH = """#!/bin/sh
# ssh host command...: the command's words, joined by spaces, go to a shell (here, this host)
shift
exec sh -c "$*"
"""


def fake_ssh(bin_dir: Path, name: str = "ssh") -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    program = bin_dir / name
    program.write_text(FAKE_SSH)
    program.chmod(0o755)


@pytest.mark.parametrize(
    ("prefix", "remote_shell"),
    [("ssh client01", "auto"), ("ssh client01", "yes"), ("jump client01", "yes")],
)
def test_through_ssh_argv_and_environment_arrive_as_they_were(
    tmp_path, monkeypatch, prefix, remote_shell
):
    """`ssh` (or a wrapper named by --daos-remote-shell=yes) hands its command to a shell:
    it gets one quoted string, so no word is split or run as a second command."""
    bin_dir = tmp_path / "bin"
    fake_ssh(bin_dir, prefix.split()[0])
    write_program(bin_dir, "dmg", {
        "system query": ("2.6", "dmg_system_query.json"),
        "pool create": ("2.6", "dmg_pool_create_tank.json"),
    })  # fmt: skip
    write_program(bin_dir, "daos", {
        "container create": ("2.6", "daos_container_create_tank_c1.json"),
    })  # fmt: skip
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    settings = Settings(
        system="existing", dmg=prefix.replace("client", "admin"), cmd=prefix, version="2.6",
        remote_shell=remote_shell,
    )  # fmt: skip
    cluster = connect(settings)
    container = cluster.create_pool("tank", "2G", properties={"rd_fac": 0}).create_container("c1")

    shown = container.exec(["sh", "-c", 'echo "$DAOS_POOL $DAOS_CONT"'])
    assert shown.stdout == f"{POOL['2.6']} {CONT['2.6']}\n"
    target = tmp_path / "X"
    said = container.exec(["echo", f"a; touch {target}"])
    assert said.stdout == f"a; touch {target}\n"
    assert not target.exists()
    assert calls(bin_dir, "dmg")[1:] == ["-j pool create --size=2G --properties=rd_fac:0 -- tank"]
    assert calls(bin_dir, "daos") == [f"-j container create --type=POSIX -- {POOL['2.6']} c1"]


def test_a_wrapper_not_named_ssh_gets_argv_unless_told(tmp_path, monkeypatch):
    """Without --daos-remote-shell=yes a prefix whose program is not ssh gets the words as
    they are: right for `docker exec` and `kubectl exec`, wrong for a shell-running wrapper,
    which is why the setting exists."""
    bin_dir = tmp_path / "bin"
    fake_ssh(bin_dir, "jump")
    write_program(bin_dir, "dmg", {"system query": ("2.6", "dmg_system_query.json")})
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    cluster = connect(Settings(system="existing", dmg="jump a", cmd="jump c", version="2.6"))
    assert not cluster.client.transport.shell
    target = tmp_path / "X"
    cluster.client.exec(["echo", f"a; touch {target}"])
    assert target.exists()


def test_ssh_is_given_argv_with_remote_shell_no(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    fake_ssh(bin_dir)
    write_program(bin_dir, "dmg", {"system query": ("2.6", "dmg_system_query.json")})
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    cluster = connect(
        Settings(system="existing", dmg="ssh a", cmd="ssh c", version="2.6", remote_shell="no")
    )
    assert (cluster.admin.transport.shell, cluster.client.transport.shell) == (False, False)


def test_an_unbalanced_quote_in_a_prefix_is_one_clear_error():
    with pytest.raises(ExistingSystemError) as caught:
        connect(Settings(system="existing", cmd="ssh 'client01", version="2.6"))
    assert str(caught.value) == (
        "--daos-cmd=ssh 'client01: not a command prefix (No closing quotation): quote its "
        "words as a shell would, e.g. ssh admin01"
    )
