"""The DAOS release the sim imitates, and the facts that differ between releases.

Everything release-specific is either a field of `Release` or a small branch on
`Release.series` next to the command it concerns (`rel.series < (2, 4)`), so a new release is
an entry in `_RELEASES` plus the branches its outputs need. The sim imitates DAOS 2.0.3, 2.4.2
and 2.6.5; a version of one of those series ("2.4", "2.4.1") is imitated by that release.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_VERSION = "2.6.5"
VERSION_ENV = "DAOS_SIM_VERSION"

#: Control-plane fault codes (src/control/fault/code/codes.go) that moved between releases:
#: 2.4 inserted ClientConnectionTimedOut (client 508) and ServerPoolInvalidNumRanks (607).
_FAULTS_20 = {
    "ClientConnectionBadHost": 504,
    "ClientConnectionNoRoute": 505,
    "ClientConnectionRefused": 506,
    "ClientConnectionClosed": 507,
    "ClientFormatRunningSystem": 508,
    "ClientRpcTimeout": 509,
    "ServerPoolScmTooSmall": 604,
    "ServerPoolNvmeTooSmall": 605,
    "ServerPoolInvalidRanks": 606,
    "ServerPoolInvalidServiceReps": 607,
    "ServerPoolDuplicateLabel": 608,
    "ServerHarnessNotStarted": 610,
    "ServerDataPlaneNotStarted": 611,
    "ServerInstancesNotStopped": 612,
    "ServerPoolNoLabel": 615,
    "SecurityMissingCertFile": 901,
}
_FAULTS_24 = {
    **_FAULTS_20,
    "ClientConnectionTimedOut": 508,
    "ClientFormatRunningSystem": 509,
    "ClientRpcTimeout": 510,
    "ServerPoolInvalidNumRanks": 607,
    "ServerPoolInvalidServiceReps": 608,
    "ServerPoolDuplicateLabel": 609,
    "ServerPoolHasContainers": 618,
}
_FAULTS_26 = {**_FAULTS_24, "ServerTransparentHugepageEnabled": 621}


@dataclass(frozen=True)
class Release:
    """One DAOS release as the sim imitates it."""

    version: str  # full version, e.g. "2.6.5"
    series: tuple[int, int]  # (major, minor)
    #: control-plane fault codes by their Go names
    faults: Mapping[str, int] = field(repr=False)
    #: daos_server.yml: `allow_thp` exists and THP blocks the start (2.6.5+)
    thp_check: bool = False

    def __str__(self) -> str:
        return self.version

    def fault_code(self, name: str) -> int:
        return self.faults[name]

    @property
    def format_running_code(self) -> int:
        """client fault code of "storage format invoked on a running system" (508 / 509)"""
        return self.faults["ClientFormatRunningSystem"]


#: per release series: the release imitated and its fault codes
_RELEASES: dict[tuple[int, int], tuple[str, Mapping[str, int]]] = {
    (2, 0): ("2.0.3", _FAULTS_20),
    (2, 4): ("2.4.2", _FAULTS_24),
    (2, 6): ("2.6.5", _FAULTS_26),
}


class UnsupportedRelease(Exception):
    pass


def parse_series(version: str) -> tuple[int, int]:
    parts = version.strip().lstrip("v").split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise UnsupportedRelease(f"invalid DAOS version {version!r} in {VERSION_ENV}") from None


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def release(version: str | None = None) -> Release:
    """The release named by `version`, or by $DAOS_SIM_VERSION (default 2.6.5)."""
    version = (version or os.environ.get(VERSION_ENV) or DEFAULT_VERSION).strip().lstrip("v")
    series = parse_series(version)
    known = _RELEASES.get(series)
    if known is None:
        supported = ", ".join(v for v, _ in _RELEASES.values())
        raise UnsupportedRelease(
            f"the pytest-daos sim does not imitate DAOS {version} (it imitates {supported})"
        )
    imitated, faults = known
    if version.count(".") == 1:
        version = imitated
    return Release(
        version=version,
        series=series,
        faults=faults,
        thp_check=_version_tuple(version) >= (2, 6, 5),
    )


def banner(program: str, rel: Release) -> str:
    """What `--version` prints: plainly a stand-in, not DAOS."""
    return (
        f"{program} version {rel.version} (pytest-daos sim: a test stand-in imitating "
        f"DAOS {rel.version}; this is not DAOS)"
    )
