"""What every generated page is made of: the command that writes them (each page names
it), and Markdown's pieces: a line, a table cell, a code span."""

from __future__ import annotations

COMMAND = "python -m pytest_daos.docs"


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def code(text: str) -> str:
    """`text` as a Markdown code span, also when it holds backticks."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"
