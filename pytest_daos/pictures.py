"""Small text pictures where people would rather look than read: the three nodes of a
cluster side by side (`pytest-daos status`), and a start's phases as one proportional bar
(the terminal summary). Pure functions of the data they are given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The daemon each role's node runs (as the recipes start them; see docs/recipes.md).
RUNS = {"server": "daos_server", "admin": "no daemon (dmg)", "client": "daos_agent"}


@dataclass(frozen=True)
class NodeView:
    """One node as `pytest-daos status` shows it: role, container name, Docker's state."""

    role: str
    container: str
    state: str


@dataclass(frozen=True)
class RankView:
    """One engine rank as `dmg system query` reports it."""

    rank: int
    state: str
    addr: str = ""


def _box(title: str, lines: Sequence[str], width: int) -> list[str]:
    """A box `width` wide inside, its title in the top edge."""
    top = f"+- {title} " + "-" * max(0, width - len(title) - 1) + "+"
    body = [f"| {line:<{width}} |" for line in lines]
    return [top, *body, "+" + "-" * (width + 2) + "+"]


def draw_nodes(
    nodes: Sequence[NodeView],
    ranks: Sequence[RankView] | None,
    ranks_error: str = "",
    columns: int = 120,
) -> str:
    """The nodes side by side (one under another when that is wider than `columns`), each
    a box with its container, its state and what it runs; the server's box lists its ranks
    (`ranks` None: `dmg system query` failed with `ranks_error`)."""
    contents: list[tuple[str, list[str]]] = []
    for node in nodes:
        lines = [node.container, f"state: {node.state}", f"runs: {RUNS.get(node.role, '-')}"]
        if node.role == "server":
            if ranks is None:
                lines.append("ranks: unknown")
            elif not ranks:
                lines.append("ranks: none")
            else:
                lines += [
                    f"rank {rank.rank}: {rank.state}" + (f" ({rank.addr})" if rank.addr else "")
                    for rank in ranks
                ]
        contents.append((f"daos-{node.role}", lines))
    width = max(
        (len(line) for title, lines in contents for line in [*lines, title + "  "]), default=0
    )
    boxes = [_box(title, lines, width) for title, lines in contents]
    height = max((len(box) for box in boxes), default=0)
    filler = f"| {'':<{width}} |"
    boxes = [box[:-1] + [filler] * (height - len(box)) + box[-1:] for box in boxes]
    rows = ["   ".join(parts).rstrip() for parts in zip(*boxes, strict=True)]
    if rows and len(rows[0]) > columns:
        rows = [line for box in boxes for line in box]
    if ranks is None and ranks_error:
        rows.append(f"dmg system query: {ranks_error}")
    return "\n".join(rows)


def phase_bar(phases: Mapping[str, float], width: int = 60) -> str:
    """The phases as one bar `width` characters wide between `|`s, each segment as wide
    as its share of the time (one character at least) and labelled with its name and
    seconds as far as they fit: `|pre|images|nodes 1.4s|format and join 5.2s.........|`."""
    if not phases:
        return ""
    total = sum(phases.values())
    shares = [
        (name, seconds, seconds / total if total > 0 else 1 / len(phases))
        for name, seconds in phases.items()
    ]
    room = max(width - (len(shares) - 1), len(shares))  # the `|` between segments
    sizes = [max(1, round(share * room)) for _, _, share in shares]
    while sum(sizes) > room and max(sizes) > 1:  # rounding and the minimum of one
        sizes[sizes.index(max(sizes))] -= 1
    segments = []
    for (name, seconds, _), size in zip(shares, sizes, strict=True):
        label = f"{name} {seconds:.1f}s"
        if len(label) > size:
            label = name[:size]
        segments.append(label.ljust(size, "."))
    return "|" + "|".join(segments) + "|"
