"""A small command-line parser that behaves, and fails, like go-flags (used by all DAOS tools).

Options of a command are also accepted after its subcommands (`dmg pool list -j`); `--x=v`,
`--x v`, `-xv`, `-x v` and bundled short booleans work; errors carry go-flags' wording
(``unknown flag `x'``, ``the required argument `<pool label>` was not provided``,
``Unknown command `x'. Please specify one command of: a, b or c``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Opt:
    """One option. `arg` names its value; an option without `arg` is a boolean flag."""

    long: str | None
    short: str | None = None
    arg: str | None = None
    dest: str = ""
    #: Go type named in "invalid argument for flag ... (expected <type>)"
    gotype: str = "string"
    #: converts the value; raises ValueError whose text go-flags would show
    convert: Callable[[str], Any] | None = None
    repeat: bool = False
    help: str = ""
    required: bool = False

    @property
    def key(self) -> str:
        return self.dest or (self.long or self.short or "").replace("-", "_")

    def __str__(self) -> str:
        if self.short and self.long:
            return f"-{self.short}, --{self.long}"
        return f"--{self.long}" if self.long else f"-{self.short}"


@dataclass(frozen=True)
class Arg:
    """One positional argument; `name` is shown in errors exactly as DAOS spells it."""

    name: str
    dest: str
    required: bool = False


@dataclass(frozen=True)
class Cmd:
    name: str
    help: str = ""
    options: tuple[Opt, ...] = ()
    args: tuple[Arg, ...] = ()
    commands: tuple[Cmd, ...] = ()
    aliases: tuple[str, ...] = ()
    #: extra positional arguments are passed on instead of being an error
    rest: bool = False

    def sub(self, name: str) -> Cmd | None:
        for cmd in self.commands:
            if name == cmd.name or name in cmd.aliases:
                return cmd
        return None


@dataclass
class Parsed:
    path: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    args: dict[str, str] = field(default_factory=dict)
    rest: list[str] = field(default_factory=list)

    @property
    def command(self) -> str:
        return " ".join(self.path)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


class FlagError(Exception):
    """A parse error; `partial` holds what was parsed before it (e.g. whether -j was seen)."""

    def __init__(self, message: str, partial: Parsed, is_help: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.partial = partial
        self.is_help = is_help


HELP = Opt("help", "h", help="Show this help message")


def _join_or(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _unknown_command(cmd: Cmd, word: str | None) -> str:
    names = sorted(c.name for c in cmd.commands)
    if word is None:
        if len(names) == 1:
            return f"Please specify the {names[0]} command"
        return f"Please specify one command of: {_join_or(names)}"
    message = f"Unknown command `{word}'"
    best = min(names, key=lambda n: _levenshtein(word, n))
    if _levenshtein(word, best) / len(best) < 0.5:
        return f"{message}, did you mean `{best}'?"
    if len(names) == 1:
        return f"{message}. You should use the {names[0]} command"
    return f"{message}. Please specify one command of: {_join_or(names)}"


def usage(program: str, chain: Sequence[Cmd]) -> str:
    """A go-flags style help text for the innermost command of `chain`."""
    cmd = chain[-1]
    names = " ".join([program, *[c.name for c in chain[1:]]])
    out = f"Usage:\n  {names} [OPTIONS]"
    if cmd.commands:
        out += " <command>"
    for arg in cmd.args:
        out += f" {arg.name}" if arg.required else f" [{arg.name}]"
    out += "\n"
    if cmd.help:
        out += f"\n{cmd.help}\n"
    options = [o for c in chain for o in c.options] + [HELP]
    out += "\nOptions:\n"
    for opt in options:
        spec = (f"-{opt.short}, " if opt.short else "    ") + (f"--{opt.long}" if opt.long else "")
        if opt.arg:
            spec += "="
        out += f"  {spec:<28} {opt.help}\n"
    if cmd.commands:
        out += "\nAvailable commands:\n"
        for sub in sorted(cmd.commands, key=lambda c: c.name):
            out += f"  {sub.name:<16} {sub.help}\n"
    return out


def parse(program: str, root: Cmd, argv: Sequence[str]) -> tuple[Parsed, list[Cmd]]:
    """Parse `argv` against `root`; returns the result and the chain of active commands."""
    parsed = Parsed()
    chain = [root]
    positional: list[str] = []
    args = list(argv)
    i = 0

    def fail(message: str) -> FlagError:
        return FlagError(message, parsed)

    def lookup(long: str | None = None, short: str | None = None) -> Opt | None:
        for cmd in reversed(chain):
            for opt in (*cmd.options, HELP):
                if (long is not None and opt.long == long) or (
                    short is not None and opt.short == short
                ):
                    return opt
        return None

    def store(opt: Opt, value: str | None) -> None:
        if opt is HELP:
            raise FlagError(usage(program, chain), parsed, is_help=True)
        if opt.arg is None:
            parsed.values[opt.key] = True
            return
        assert value is not None
        converted: Any = value
        if opt.convert is not None:
            try:
                converted = opt.convert(value)
            except ValueError as exc:
                raise fail(
                    f"invalid argument for flag `{opt}' (expected {opt.gotype}): {exc}"
                ) from None
        if opt.repeat:
            parsed.values.setdefault(opt.key, []).append(converted)
        else:
            parsed.values[opt.key] = converted

    def take_value(opt: Opt) -> str:
        nonlocal i
        if i >= len(args):
            raise fail(f"expected argument for flag `{opt}'")
        value = args[i]
        if value.startswith("-") and len(value) > 1 and not _is_number(value):
            raise fail(f"expected argument for flag `{opt}', but got option `{value}'")
        i += 1
        return value

    while i < len(args):
        token = args[i]
        i += 1
        if token == "--":
            positional.extend(args[i:])
            break
        if token.startswith("--") and len(token) > 2:
            name, eq, inline = token[2:].partition("=")
            opt = lookup(long=name)
            if opt is None:
                raise fail(f"unknown flag `{name}'")
            if opt.arg is None:
                if eq:
                    raise fail(f"bool flag `{opt}' cannot have an argument")
                store(opt, None)
            else:
                store(opt, inline if eq else take_value(opt))
            continue
        if token.startswith("-") and len(token) > 1:
            cluster = token[1:]
            for j, letter in enumerate(cluster):
                opt = lookup(short=letter)
                if opt is None:
                    raise fail(f"unknown flag `{letter}'")
                if opt.arg is None:
                    store(opt, None)
                    continue
                attached = cluster[j + 1 :]
                store(opt, attached if attached else take_value(opt))
                break
            continue
        current = chain[-1]
        if current.commands and not positional:
            sub = current.sub(token)
            if sub is not None:
                chain.append(sub)
                parsed.path.append(sub.name)
                continue
        positional.append(token)

    current = chain[-1]
    if current.commands:
        raise fail(_unknown_command(current, positional[0] if positional else None))
    for arg in current.args:
        if positional:
            parsed.args[arg.dest] = positional.pop(0)
    missing = [a.name for a in current.args if a.required and a.dest not in parsed.args]
    if len(missing) == 1:
        raise fail(f"the required argument `{missing[0]}` was not provided")
    if missing:
        quoted = [f"`{m}`" for m in missing]
        raise fail(
            f"the required arguments {_join_or(quoted).replace(' or ', ' and ')} were not provided"
        )
    unset = [
        opt for cmd in chain for opt in cmd.options if opt.required and opt.key not in parsed.values
    ]
    if unset:
        raise fail(f"the required flag `{unset[0]}' was not specified")
    if positional and not current.rest:
        raise fail(f"unexpected arguments: {' '.join(positional)}")
    parsed.rest = positional
    return parsed, chain


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
