"""How the Go tools print: indented JSON with Go's escaping, the `-j` envelope, text tables."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from .errors import SimError


def go_json(value: Any) -> str:
    """json.MarshalIndent(value, "", "  ") plus a newline: `<`, `>`, `&` escaped as Go does."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text + "\n"


def envelope(response: Any, error: SimError | None) -> str:
    """The `-j` document: {"response": ..., "error": ..., "status": ...}."""
    return go_json(
        {
            "response": response,
            "error": None if error is None else error.message,
            "status": 0 if error is None else error.status,
        }
    )


def write_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def write_stderr_lines(lines: Sequence[str]) -> None:
    for line in lines:
        sys.stderr.write(line + "\n")
    sys.stderr.flush()


def table(titles: Sequence[str], rows: Sequence[dict[str, str]]) -> str:
    """A txtfmt table: every cell padded to its column's width and followed by one space."""
    widths = [max([len(t)] + [len(row.get(t, "")) for row in rows]) for t in titles]

    def line(cells: Sequence[str]) -> str:
        return "".join(f"{cell:<{w}} " for cell, w in zip(cells, widths, strict=True)) + "\n"

    out = line(titles) + line(["-" * len(t) for t in titles])
    for row in rows:
        out += line([row.get(t, "") for t in titles])
    return out


def entity(title: str | None, pairs: Sequence[tuple[str, str]], indent: str = "  ") -> str:
    """A txtfmt entity: `title`, an underline, then `key: value` lines with padded columns."""
    out = ""
    if title is not None:
        out += title + "\n" + "-" * len(title) + "\n"
    key_width = max(len(k) for k, _ in pairs)
    value_width = max(len(v) for _, v in pairs)
    for key, value in pairs:
        out += f"{indent}{key:<{key_width}}: {value:<{value_width}}\n"
    return out


def rank_set(ranks: Sequence[int]) -> str:
    """A ranklist.RankSet as DAOS prints it: "0", "[0-3]", "[0,2-3]"."""
    ordered = sorted(set(ranks))
    if not ordered:
        return ""
    if len(ordered) == 1:
        return str(ordered[0])
    parts: list[str] = []
    start = prev = ordered[0]
    for rank in [*ordered[1:], None]:
        if rank is not None and rank == prev + 1:
            prev = rank
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if rank is not None:
            start = prev = rank
    return "[" + ",".join(parts) + "]"
