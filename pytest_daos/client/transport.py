"""How commands reach a DAOS node: one `Transport` interface, one implementation per system kind.

`dmg.py` and `daos.py` receive a transport and never know whether it is `docker exec` or
something else. Commands are argv lists, never shell strings built from input.
"""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from ..errors import PytestDaosError

#: Exit status of coreutils `timeout` when it had to stop the command.
TIMEOUT_EXIT = 124
#: Seconds a command that ignores SIGTERM at its time limit has before SIGKILL.
KILL_AFTER = 5


@dataclass(frozen=True)
class ExecResult:
    """What a command did: its argv, exit code and both output streams."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.exit_code == TIMEOUT_EXIT

    def describe(self) -> str:
        parts = [f"$ {shlex.join(self.argv)}", f"exit status {self.exit_code}"]
        if self.timed_out:
            parts[-1] += " (the command's time limit ran out)"
        for name, text in (("stdout", self.stdout), ("stderr", self.stderr)):
            if text.strip():
                parts.append(f"{name}:\n{text.rstrip()}")
        return "\n".join(parts)


def time_limit(timeout: float | None) -> tuple[str, ...]:
    """The words that bound a command in its node: coreutils `timeout` sends SIGTERM when
    the time is up and SIGKILL KILL_AFTER seconds later, so no command outlives its limit."""
    return ("timeout", "-k", f"{KILL_AFTER:g}", f"{timeout:g}") if timeout else ()


class CommandError(PytestDaosError, RuntimeError):
    """A command run with check=True exited non-zero; carries the whole `ExecResult`."""

    def __init__(self, where: str, result: ExecResult) -> None:
        super().__init__(f"command failed on {where}\n{result.describe()}")
        self.result = result


class Transport(Protocol):
    """Runs argv on one node."""

    @property
    def name(self) -> str: ...

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> ExecResult: ...


class NodeTransport(Transport, Protocol):
    """A transport that also copies files to and from its node."""

    def put(self, local: Path, remote: str) -> None: ...

    def get(self, remote: str, local: Path) -> None: ...


class DockerExec:
    """`docker exec` into one container through the Docker SDK.

    A `timeout` is enforced inside the container with coreutils `timeout`: stopping the
    `docker exec` client would leave the command running in the container.
    """

    def __init__(self, container: Any) -> None:
        self._container = container

    @property
    def name(self) -> str:
        return str(self._container.name)

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> ExecResult:
        argv = tuple(str(arg) for arg in argv)
        full = time_limit(timeout) + argv
        exit_code, (stdout, stderr) = self._container.exec_run(
            list(full), environment=dict(env or {}), demux=True
        )
        return ExecResult(
            argv=argv,
            exit_code=int(exit_code),
            stdout=(stdout or b"").decode(errors="replace"),
            stderr=(stderr or b"").decode(errors="replace"),
        )

    def put(self, local: Path, remote: str) -> None:
        """Copy a file or folder from this host to `remote` (a path) in the container."""
        self._container.put_archive(str(Path(remote).parent), archive_of(local, remote))

    def get(self, remote: str, local: Path) -> None:
        """Copy `remote` (a file or folder in the container) to `local` on this host."""
        stream, _ = self._container.get_archive(remote)
        _extract(b"".join(stream), local)


def _extract(archive: bytes, local: Path) -> None:
    """Unpack a tar whose single top entry becomes `local`."""
    local.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        members = tar.getmembers()
        root = members[0].name if members else ""
        for member in members:
            member.name = local.name + member.name[len(root) :]
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
            tar.extractall(str(local.parent), members=members, filter="data")
        else:  # pragma: no cover - older patch releases
            tar.extractall(str(local.parent), members=members)


def tar_bytes(add: Callable[[tarfile.TarFile], None]) -> bytes:
    """An uncompressed tar archive of what `add` puts into it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        add(tar)
    return buffer.getvalue()


def archive_of(local: Path, remote: str) -> bytes:
    """The file or folder `local` as a tar whose single top entry is named like `remote`."""
    return tar_bytes(lambda tar: tar.add(str(local), arcname=Path(remote).name))


def put_files(container: Any, folder: str, files: Mapping[str, str]) -> None:
    """Write text files into `folder` (an absolute path, made where missing) of a created,
    not necessarily started, container."""
    relative = PurePosixPath(folder).relative_to("/")

    def add(tar: tarfile.TarFile) -> None:
        for depth in range(1, len(relative.parts) + 1):
            info = tarfile.TarInfo(str(PurePosixPath(*relative.parts[:depth])))
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(str(relative / name))
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))

    container.put_archive("/", tar_bytes(add))


#: Programs that hand their command to a shell on the far side, as ssh does: it joins the
#: words after the host with spaces and the remote shell parses them again.
SHELL_PROGRAMS = frozenset({"ssh"})

#: Programs that run the program after their own options and words as it is, each with the
#: options that take a separate value and how many words of its own follow them (timeout's
#: duration); `VAR=value` words (env's, sudo's) are skipped too.
WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (frozenset({"-u", "-g", "-C", "-h", "-p", "-r", "-t", "-U", "-D", "-R", "-T",
                        "--user", "--group", "--close-from", "--host", "--prompt", "--role",
                        "--type", "--other-user", "--chdir", "--chroot",
                        "--command-timeout"}), 0),
    "doas": (frozenset({"-u", "-C"}), 0),
    "timeout": (frozenset({"-s", "-k", "--signal", "--kill-after"}), 1),
    "env": (frozenset({"-u", "-C", "--unset", "--chdir"}), 0),
    "sshpass": (frozenset({"-p", "-f", "-d", "-P"}), 0),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "nohup": (frozenset(), 0),
}  # fmt: skip
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def prefix_program(prefix: Sequence[str]) -> str | None:
    """The name of the program a command prefix runs in the end: past `sudo -u x`,
    `timeout 5`, `env A=1`, `sshpass -p X` and the like (None: no program)."""
    at = 0
    while at < len(prefix) and PurePosixPath(prefix[at]).name in WRAPPERS:
        valued, words = WRAPPERS[PurePosixPath(prefix[at]).name]
        at += 1
        while at < len(prefix):
            word = prefix[at]
            if word == "--":
                at += 1
                break
            if word.startswith("-") and len(word) > 1:
                at += 2 if word in valued else 1
            elif _ASSIGNMENT.match(word):
                at += 1
            else:
                break
        at += words
    return PurePosixPath(prefix[at]).name if at < len(prefix) else None


def runs_shell(prefix: Sequence[str]) -> bool:
    """Whether the command prefix's program hands its command to a shell (`ssh admin01`,
    also behind `sudo`, `timeout N`, `env` or `sshpass`), by the program's name; `docker exec
    -i X`, `kubectl exec ... --` and `env ...` run argv."""
    return prefix_program(prefix) in SHELL_PROGRAMS


class Local:
    """Commands run on this host, after a command prefix (`ssh admin01`, `docker exec -i X`,
    or nothing), for a DAOS system someone else runs.

    The environment is passed with `env K=V` after the prefix, and the time limit with
    `timeout` there too, so both reach the remote side. A prefix that hands its command to
    a shell (`shell`; by default when its program is ssh, see `runs_shell`) receives that
    command as one string, quoted for a POSIX shell, so every word arrives as it was; any
    other prefix receives the words as they are. File copies stream a tar archive through
    the prefix's standard input and output (`docker exec` needs `-i`).
    """

    def __init__(self, prefix: Sequence[str], name: str, shell: bool | None = None) -> None:
        self.prefix = tuple(prefix)
        self.shell = bool(self.prefix) and (runs_shell(self.prefix) if shell is None else shell)
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def command(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> list[str]:
        """The whole command line this host runs for argv: the prefix, then `env K=V`,
        `timeout N` and argv, as one quoted string when the prefix runs a shell."""
        words = [str(arg) for arg in argv]
        if timeout:
            words = [*time_limit(timeout), *words]
        if env:
            words = ["env", *(f"{key}={value}" for key, value in env.items()), *words]
        if self.shell:
            return [*self.prefix, shlex.join(words)]
        return [*self.prefix, *words]

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        stdin: bytes | None = None,
    ) -> ExecResult:
        argv = tuple(str(arg) for arg in argv)
        full = self.command(argv, env, timeout)
        try:
            done = subprocess.run(
                full,
                input=stdin,
                stdin=subprocess.DEVNULL if stdin is None else None,
                capture_output=True,
                timeout=timeout + 10 if timeout else None,
            )
        except OSError as exc:
            return ExecResult(argv, 127, "", f"cannot run {full[0]!r}: {exc.strerror}\n")
        except subprocess.TimeoutExpired:
            return ExecResult(argv, TIMEOUT_EXIT, "", "the command prefix did not return\n")
        return ExecResult(
            argv, done.returncode, done.stdout.decode(errors="replace"),
            done.stderr.decode(errors="replace"),
        )  # fmt: skip

    def put(self, local: Path, remote: str) -> None:
        parent = str(Path(remote).parent)
        result = self.run(["tar", "-x", "-C", parent], stdin=archive_of(local, remote))
        if result.exit_code != 0:
            raise CommandError(self.name, result)

    def get(self, remote: str, local: Path) -> None:
        path = Path(remote)
        argv = ("tar", "-c", "-C", str(path.parent), path.name)
        full = self.command(argv)
        try:
            done = subprocess.run(full, stdin=subprocess.DEVNULL, capture_output=True)
        except OSError as exc:
            missing = ExecResult(argv, 127, "", f"cannot run {full[0]!r}: {exc.strerror}\n")
            raise CommandError(self.name, missing) from None
        if done.returncode != 0:
            result = ExecResult(argv, done.returncode, "", done.stderr.decode(errors="replace"))
            raise CommandError(self.name, result)
        _extract(done.stdout, local)
