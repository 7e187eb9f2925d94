"""A transport that answers with canned DAOS output: the narrowest seam for testing the
dmg/daos wrappers on real samples."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pytest_daos.client.transport import ExecResult


class Replay:
    """Answers every command with `stdout`; records argv and time limits.

    The exit code defaults to what DAOS gives for the sample: 0 when its envelope has no
    error, else 1.
    """

    def __init__(self, stdout: str, exit_code: int | None = None) -> None:
        self.stdout = stdout
        self.exit_code = (0 if '"error": null' in stdout else 1) if exit_code is None else exit_code
        self.calls: list[tuple[tuple[str, ...], float | None]] = []

    @property
    def name(self) -> str:
        return "replay"

    def run(
        self,
        argv: Sequence[str],
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> ExecResult:
        self.calls.append((tuple(argv), timeout))
        return ExecResult(tuple(argv), self.exit_code, self.stdout, "")
