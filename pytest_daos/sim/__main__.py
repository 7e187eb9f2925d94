"""`python3 -m <package> PROGRAM [args...]`: run one of the sim's DAOS programs."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from .releases import UnsupportedRelease


def _programs() -> dict[str, Callable[[Sequence[str]], int]]:
    from . import agent, daos, dfuse, dmg, engine, server

    return {
        "daos_server": server.main,
        "daos_engine": engine.main,
        "daos_agent": agent.main,
        "dmg": dmg.main,
        "daos": daos.main,
        "dfuse": dfuse.main,
    }


def main(argv: Sequence[str]) -> int:
    programs = _programs()
    if not argv or argv[0] not in programs:
        names = ", ".join(programs)
        sys.stderr.write(f"usage: python3 -m {__package__} PROGRAM [args...]  (PROGRAM: {names})\n")
        return 2
    try:
        return programs[argv[0]](argv[1:])
    except UnsupportedRelease as exc:
        sys.stderr.write(f"ERROR: {argv[0]}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
