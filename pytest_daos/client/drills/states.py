"""What a fault drill sees: the states of ranks and pools, and the error it stops with."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ...errors import PytestDaosError
from ..dmg import Member
from ..envelope import DaosError, ProtocolError

#: Rank states of an engine that is not running.
DOWN_STATES = ("stopped", "errored", "excluded", "adminexcluded", "unresponsive")


class DrillError(PytestDaosError, RuntimeError):
    """A fault drill could not go on: what was awaited, what was seen, and what to do."""


@dataclass(frozen=True)
class PoolState:
    """What `dmg pool query` says of a pool's health."""

    state: str  # "Ready", "Degraded" (2.6; "" where the release does not say)
    version: int  # the pool map version: it goes up with every exclusion and reintegration
    total_targets: int
    disabled_targets: int
    rebuild_state: str  # "idle", "busy", "done"
    rebuild_status: int
    disabled_ranks: tuple[int, ...]

    @classmethod
    def from_response(cls, response: dict[str, Any]) -> PoolState:
        rebuild = response.get("rebuild") or {}
        return cls(
            state=str(response.get("state", "")),
            version=int(response.get("version", 0)),
            total_targets=int(response.get("total_targets", 0)),
            disabled_targets=int(response.get("disabled_targets", 0)),
            rebuild_state=str(rebuild.get("state", "")),
            rebuild_status=int(rebuild.get("status", 0)),
            disabled_ranks=tuple(int(rank) for rank in response.get("disabled_ranks") or ()),
        )

    @property
    def healthy(self) -> bool:
        """Every target in, and no rebuild running."""
        return self.disabled_targets == 0 and self.rebuild_state != "busy"

    def describe(self) -> str:
        ranks = f", disabled ranks {list(self.disabled_ranks)}" if self.disabled_ranks else ""
        state = f"{self.state}, " if self.state else ""
        return (
            f"{state}{self.total_targets - self.disabled_targets}/{self.total_targets} targets "
            f"up{ranks}, rebuild {self.rebuild_state} (status {self.rebuild_status}), map "
            f"version {self.version}"
        )


def unanswered(error: Exception) -> bool:
    """Whether a failed call is one that a rank coming back or a rebuild ending can change:
    no answer in time, or a pool service without quorum or leader."""
    if isinstance(error, ProtocolError):
        return True
    if isinstance(error, DaosError):
        return error.name in (
            "DER_TIMEDOUT", "DER_NO_SERVICE", "DER_NOTLEADER", "DER_NOTREPLICA", "DER_UNREACH",
            "DER_AGAIN", "DER_BUSY", "DER_EXCLUDED", "DER_SHUTDOWN",
        ) or "deadline exceeded" in error.message.lower()  # fmt: skip
    return False


def members_text(members: Sequence[Member]) -> str:
    return ", ".join(f"rank {m.rank} {m.state}" for m in members) or "no members"


def first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
