"""Transports that answer with canned DAOS output: the narrowest seam for testing the
dmg/daos wrappers and the handles on real samples. `Recorder` keeps what reached the node;
each fake built on it says only how it answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pytest_daos.client.transport import ExecResult


@dataclass(frozen=True)
class Call:
    """One command as it reached the node: argv, environment and time limit."""

    argv: tuple[str, ...]
    env: dict[str, str] | None
    timeout: float | None


class Recorder:
    """The transport of one node: records every call (`calls`) and file copy (`copies`),
    and answers a command with `answer(argv)`, which each fake gives."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[Call] = []
        self.copies: list[tuple[str, object, object]] = []

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> ExecResult:
        argv = tuple(argv)
        self.calls.append(Call(argv, dict(env) if env is not None else None, timeout))
        return self.answer(argv)

    def answer(self, argv: tuple[str, ...]) -> ExecResult:
        raise NotImplementedError

    def put(self, local: Path, remote: str) -> None:
        self.copies.append(("put", local, remote))

    def get(self, remote: str, local: Path) -> None:
        self.copies.append(("get", remote, local))

    @property
    def argvs(self) -> list[tuple[str, ...]]:
        return [call.argv for call in self.calls]


class Replay(Recorder):
    """Answers every command with `stdout`.

    The exit code defaults to what DAOS gives for the sample: 0 when its envelope has no
    error, else 1.
    """

    def __init__(self, stdout: str, exit_code: int | None = None) -> None:
        super().__init__("replay")
        self.stdout = stdout
        self.exit_code = (0 if '"error": null' in stdout else 1) if exit_code is None else exit_code

    def answer(self, argv: tuple[str, ...]) -> ExecResult:
        return ExecResult(argv, self.exit_code, self.stdout, "")
