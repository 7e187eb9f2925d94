"""The DAOS release the sim imitates, and the facts that differ between releases.

Everything release-specific is either a field of `Release` or a small branch on
`Release.series` next to the command it concerns, so a new release is an entry in `_RELEASES`
plus the branches its outputs need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_VERSION = "2.6.5"
VERSION_ENV = "DAOS_SIM_VERSION"


@dataclass(frozen=True)
class Release:
    """One DAOS release as the sim imitates it."""

    version: str  # full version, e.g. "2.6.5"
    series: tuple[int, int]  # (major, minor)
    #: client fault code of "storage format invoked on a running system"
    format_running_code: int
    #: daos_server.yml: `allow_thp` exists and THP blocks the start (2.6.5+)
    thp_check: bool

    def __str__(self) -> str:
        return self.version


#: Per release series, the facts that differ. Only 2.6 is implemented so far.
_RELEASES: dict[tuple[int, int], dict[str, object]] = {
    (2, 6): {"format_running_code": 509, "thp_check": True},
}


class UnsupportedRelease(Exception):
    pass


def parse_series(version: str) -> tuple[int, int]:
    parts = version.strip().lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise UnsupportedRelease(f"invalid DAOS version {version!r} in {VERSION_ENV}") from None


def release(version: str | None = None) -> Release:
    """The release named by `version`, or by $DAOS_SIM_VERSION (default 2.6.5)."""
    version = (version or os.environ.get(VERSION_ENV) or DEFAULT_VERSION).strip().lstrip("v")
    series = parse_series(version)
    facts = _RELEASES.get(series)
    if facts is None:
        supported = ", ".join(f"{a}.{b}" for a, b in sorted(_RELEASES))
        raise UnsupportedRelease(
            f"the pytest-daos sim does not imitate DAOS {version} (supported: {supported})"
        )
    if version.count(".") == 1:
        version += ".0"
    return Release(
        version=version,
        series=series,
        format_running_code=int(str(facts["format_running_code"])),
        thp_check=bool(facts["thp_check"]),
    )


def banner(program: str, rel: Release) -> str:
    """What `--version` prints: plainly a stand-in, not DAOS."""
    return (
        f"{program} version {rel.version} (pytest-daos sim: a test stand-in imitating "
        f"DAOS {rel.version}; this is not DAOS)"
    )
