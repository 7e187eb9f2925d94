"""The two references on the plugin's own images and configuration files: the bare
procedure (`bare.sh`, by hand with the docker CLI) and the floor (`floor.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import floor
from .capture import ClusterSpec
from .runner import BenchError, run_command

BARE = Path(__file__).with_name("bare.sh")
#: The steps of bare.sh up to a joined system (then: system query, a pool, a container).
TO_JOINED = (
    "hugepages",
    "run server",
    "run admin",
    "run client",
    "storage scan",
    "storage format",
    "wait joined",
)


#: The steps of bare.sh's cleanup.
AFTER = ("remove", "give back")


def parse_steps(output: str) -> dict[str, float]:
    """`step NAME START END` lines -> seconds per step name."""
    steps = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0] == "step":
            steps[" ".join(parts[1:-2])] = float(parts[-1]) - float(parts[-2])
    return steps


def bare(spec: ClusterSpec, folder: Path) -> dict[str, Any]:
    """One run of bare.sh: its steps, the time to a joined system and to a container."""
    settings = folder / "settings.sh"
    spec.write_shell(settings)
    done = run_command(["bash", str(BARE), str(folder)], "bare.sh")
    steps = parse_steps(done.output)
    missing = [
        name for name in (*TO_JOINED, "pool create", "container create") if name not in steps
    ]
    if missing:
        raise BenchError(f"bare.sh reported no step {', '.join(missing)}:\n{done.output}")
    to_joined = sum(steps[name] for name in TO_JOINED)
    return {
        "steps": steps,
        "to_joined_s": to_joined,
        "to_container_s": sum(s for name, s in steps.items() if name not in AFTER),
        "remove_s": steps.get("remove"),
        "wall_s": done.wall,
    }


def floor_run(spec: ClusterSpec, round_trips: int) -> dict[str, Any]:
    return floor.run(spec, round_trips)
