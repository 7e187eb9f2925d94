"""`Local`: commands after a command prefix, for real, through a stand-in `ssh` on PATH that
does what ssh does with its command: it joins the words after the host with spaces and
hands the line to a shell (`sh -c`), here on this host."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_daos.client.transport import Local, runs_shell

FAKE_SSH = """#!/bin/sh
# ssh [options] host [command...]: the command's words, joined by spaces, go to a shell
while [ $# -gt 0 ]; do
    case "$1" in
        -[bcDEeFIiJLlmOopQRSWw]) shift 2;;
        -*) shift;;
        *) break;;
    esac
done
printf '%s\\n' "$1" >> "$(dirname "$0")/hosts"
shift
exec sh -c "$*"
"""


@pytest.fixture
def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`ssh` first on PATH; the hosts it was asked for are logged in `<bin>/hosts`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    program = bin_dir / "ssh"
    program.write_text(FAKE_SSH)
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    return bin_dir


def test_words_with_shell_characters_reach_the_command_as_they_are(fake_ssh, tmp_path):
    target = tmp_path / "X"
    node = Local(["ssh", "admin01"], "ssh admin01")
    result = node.run(["echo", f"a; touch {target}"])
    assert not target.exists()  # the remote shell ran no second command
    assert result.stdout == f"a; touch {target}\n"
    assert result.exit_code == 0
    assert (fake_ssh / "hosts").read_text() == "admin01\n"


def test_the_environment_reaches_the_command(fake_ssh):
    node = Local(["ssh", "-o", "BatchMode=yes", "client01"], "ssh client01")
    shown = node.run(["sh", "-c", 'echo "$DAOS_POOL|$DAOS_CONT"'],
                     env={"DAOS_POOL": "p 1", "DAOS_CONT": "c'2;$x"})  # fmt: skip
    assert shown.stdout == "p 1|c'2;$x\n"
    assert (fake_ssh / "hosts").read_text() == "client01\n"


def test_the_time_limit_reaches_the_command(fake_ssh):
    node = Local(["ssh", "admin01"], "ssh admin01")
    result = node.run(["sh", "-c", "sleep 5; echo late"], timeout=0.5)
    assert result.timed_out
    assert result.stdout == ""


def test_the_prefix_gets_one_quoted_command(fake_ssh):
    node = Local(["/usr/bin/ssh", "admin01"], "ssh admin01")
    assert node.shell
    assert node.command(["echo", "a; b"], env={"K": "v w"}, timeout=30) == [
        "/usr/bin/ssh", "admin01", "env 'K=v w' timeout -k 5 30 echo 'a; b'",
    ]  # fmt: skip


def test_files_go_both_ways_through_the_shell(fake_ssh, tmp_path):
    node = Local(["ssh", "client01"], "ssh client01")
    source = tmp_path / "in it.txt"
    source.write_text("data\n")
    remote = tmp_path / "far side" / "a file; rm -rf x"
    remote.parent.mkdir()
    node.put(source, str(remote))
    assert remote.read_text() == "data\n"
    back = tmp_path / "back.txt"
    node.get(str(remote), back)
    assert back.read_text() == "data\n"


@pytest.mark.parametrize(
    ("prefix", "shell"),
    [
        (["ssh", "admin01"], True),
        (["/usr/bin/ssh", "-p", "2222", "admin01"], True),
        (["docker", "exec", "-i", "daos-admin"], False),
        (["kubectl", "exec", "-i", "daos-admin", "--"], False),
        (["env", "PATH=/opt/daos/bin"], False),
        ([], False),
        (["sudo", "ssh", "admin01"], True),
        (["sudo", "-E", "-u", "daos", "ssh", "admin01"], True),
        (["timeout", "30", "ssh", "admin01"], True),
        (["timeout", "-s", "KILL", "--kill-after=5", "30", "ssh", "admin01"], True),
        (["env", "SSH_AUTH_SOCK=/run/agent", "ssh", "admin01"], True),
        (["/usr/bin/env", "-u", "DISPLAY", "ssh", "admin01"], True),
        (["sshpass", "-p", "secret", "ssh", "admin01"], True),
        (["sshpass", "-f", "/etc/pw", "/usr/bin/ssh", "admin01"], True),
        (["sudo", "-u", "x", "timeout", "5", "ssh", "host"], True),
        (["sudo", "--", "env", "A=1", "sshpass", "-pX", "timeout", "9", "ssh", "h"], True),
        (["sudo", "-u", "ssh", "docker", "exec", "-i", "daos-admin"], False),
        (["timeout", "5", "docker", "exec", "-i", "daos-admin"], False),
        (["sudo", "env", "A=1"], False),
    ],
)
def test_which_prefixes_run_a_shell(prefix, shell):
    assert runs_shell(prefix) is shell
    assert Local(prefix, "x").shell is shell


def test_words_pass_unchanged_through_a_prefix_that_runs_argv(tmp_path):
    target = tmp_path / "X"
    node = Local(["env", "A=1"], "env")
    assert not node.shell
    assert node.command(["echo", "a; b"], env={"K": "v w"}) == [
        "env", "A=1", "env", "K=v w", "echo", "a; b",
    ]  # fmt: skip
    result = node.run(["echo", f"a; touch {target}"])
    assert result.stdout == f"a; touch {target}\n"
    assert not target.exists()


def test_a_prefix_said_to_run_a_shell_gets_one_quoted_command(fake_ssh, tmp_path):
    """A wrapper around ssh that pytest-daos cannot recognise by its name: `shell=True`
    (--daos-remote-shell=yes) quotes for it; without it the words are parsed again."""
    wrapper = fake_ssh / "jump"
    wrapper.write_text('#!/bin/sh\nexec ssh "$@"\n')
    wrapper.chmod(0o755)
    target = tmp_path / "X"
    argv = ["echo", f"a; touch {target}"]

    assert Local(["jump", "admin01"], "jump", shell=True).run(argv).stdout == f"{argv[1]}\n"
    assert not target.exists()

    Local(["jump", "admin01"], "jump").run(argv)  # not recognised: the shell splits it
    assert target.exists()


def test_shell_false_passes_argv_even_to_ssh(fake_ssh):
    node = Local(["ssh", "admin01"], "ssh admin01", shell=False)
    assert not node.shell
    assert node.command(["echo", "a b"]) == ["ssh", "admin01", "echo", "a b"]


def test_a_prefix_that_cannot_run_is_exit_status_127(tmp_path):
    result = Local([str(tmp_path / "nothing")], "x").run(["true"])
    assert result.exit_code == 127
    assert "cannot run" in result.stderr


def test_a_docker_exec_is_bounded_in_its_node_and_killed_if_it_ignores_sigterm():
    from pytest_daos.client.transport import DockerExec, time_limit

    class Container:
        name = "pytest-daos-x-admin"

        def exec_run(self, argv, environment, demux):
            self.argv = argv
            return 0, (b"ok\n", b"")

    assert time_limit(None) == ()
    node = Container()
    result = DockerExec(node).run(["dmg", "-j", "system", "query"], timeout=30)
    assert node.argv == ["timeout", "-k", "5", "30", "dmg", "-j", "system", "query"]
    assert result.argv == ("dmg", "-j", "system", "query") and result.stdout == "ok\n"
