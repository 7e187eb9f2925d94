"""What dmg and daos share: parsing a command line, and printing an outcome as DAOS's Go
tools do (the `-j` envelope or the plain text on stdout, `ERROR:` lines on stderr)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import flags
from .errors import SimError
from .output import envelope, write_stderr_lines, write_stdout
from .releases import Release, banner, release


@dataclass
class Outcome:
    response: Any = None
    #: the error in the JSON envelope
    error: SimError | None = None
    #: the error written to stderr, if it differs from `error`
    stderr_error: SimError | None = None
    text: str = ""


def finish(program: str, outcome: Outcome, as_json: bool) -> int:
    """Print an outcome as DAOS's Go tools do; the exit code."""
    if as_json:
        write_stdout(envelope(outcome.response, outcome.error))
    elif outcome.text and outcome.error is None:
        write_stdout(outcome.text)
    shown = outcome.stderr_error or outcome.error
    if shown is not None:
        write_stderr_lines(shown.stderr_lines(program))
        return 1
    return 0


def parse(
    program: str, tree: flags.Cmd, argv: Sequence[str], rel: Release
) -> tuple[flags.Parsed | None, int]:
    """The parsed command line, or (None, exit code) once help, the version or the parse
    error has been printed. `--version` (any release) and the `version` command print the
    sim's banner: plainly a stand-in, not DAOS."""
    if "--version" in argv:
        write_stdout(banner(program, rel) + "\n")
        return None, 0
    try:
        parsed, _ = flags.parse(program, tree, argv)
    except flags.FlagError as exc:
        if exc.is_help:
            write_stdout(exc.message)
            return None, 0
        as_json = bool(exc.partial.get("json"))
        return None, finish(program, Outcome(error=SimError(exc.message)), as_json)
    if parsed.command == "version":
        outcome = Outcome({"version": rel.version}, text=banner(program, rel) + "\n")
        return None, finish(program, outcome, bool(parsed.get("json")))
    return parsed, 0


def run(
    program: str,
    tree: Callable[[Release], flags.Cmd],
    argv: Sequence[str],
    execute: Callable[[Release, flags.Parsed], Outcome],
) -> int:
    """A tool's main(): parse the release's command line, run it, print the outcome."""
    rel = release()
    parsed, code = parse(program, tree(rel), argv, rel)
    if parsed is None:
        return code
    try:
        outcome = execute(rel, parsed)
    except SimError as exc:
        outcome = Outcome(error=exc)
    return finish(program, outcome, bool(parsed.get("json")))
