"""What a run does with the cluster recorded on its host: a pure function of the record,
the run and the owner's liveness, and the message of a conflict."""

from __future__ import annotations

import enum

from ..errors import PytestDaosError
from ..settings import Settings, differences
from .containers import ClusterConflict
from .labels import Owner
from .record import ClusterRecord


class Decision(enum.Enum):
    """What to do with the cluster recorded on the host when a run needs one."""

    START = "no cluster is recorded: start one"
    ATTACH = "started by another worker of this session"
    REUSE = (
        "a cluster with the same settings runs and reuse is asked for (or it is kept, as the run's)"
    )
    REPLACE = "its owner is gone, or it is kept with other settings and reuse is asked for"
    CONFLICT = "a live session's cluster, or a kept one, holds the host"
    FAILED = "this run's start with these settings failed already: the same error, at once"
    SHARE = "another live session runs a cluster with the same settings: use it too"
    OTHER_SETTINGS = "another worker of this run started the cluster with other settings"


def decide(
    record: ClusterRecord | None,
    session: str,
    reuse: bool,
    compatible: bool,
    alive: bool,
    settings_key: str = "",
    keep: bool = False,
) -> Decision:
    """The choice for a run of `session` that finds `record`: `compatible` says the record
    is what this run would start, `alive` that a session using it still runs (a live
    session's cluster with the same settings is shared; the last session out removes
    it). A run that keeps its cluster (`keep`: `--daos-keep`, `pytest-daos up`) uses a
    kept one with the same settings, as `--daos-reuse` does, and never shares a live
    session's, which that session would remove. A record that is not ready (a start
    under way, or killed half-way) is never attached to or reused: it is a conflict while
    its owner runs, and replaced once it is gone. The record of a failed start of this run
    with the same settings (`settings_key`) fails the caller at once, as it failed the
    worker that tried; any other failed start left nothing to keep."""
    if record is None:
        return Decision.START
    if record.failure:
        same = record.session == session and record.settings_key == settings_key
        return Decision.FAILED if same else Decision.REPLACE
    if not record.ready:
        return Decision.CONFLICT if alive else Decision.REPLACE
    if record.session == session:
        same = not record.settings_key or record.settings_key == settings_key
        return Decision.ATTACH if same else Decision.OTHER_SETTINGS
    if compatible and (reuse or (keep and record.keep)):
        return Decision.REUSE
    if alive and compatible and not record.keep and not keep:
        return Decision.SHARE
    if (alive or record.keep) and not (record.keep and reuse):
        return Decision.CONFLICT
    return Decision.REPLACE


def conflict(
    record: ClusterRecord, settings: Settings | None = None, compatible: bool | None = None
) -> ClusterConflict:
    """The error for a cluster this run may not touch: whose it is and what to do. For a
    kept one, `settings` (the run's) tell what differs from the settings it was started
    with; `compatible` False: it is not what they would start, even where none differs."""
    if not record.ready:
        return ClusterConflict(
            f"the DAOS cluster of pytest-daos {Owner(**record.owner).describe()} (session "
            f"{record.session}) is starting on this host, and only one fits (host network): "
            "wait for that run to end",
            waitable=True,
        )
    holder = (
        "a kept DAOS cluster"
        if record.keep
        else f"the DAOS cluster of the running pytest {Owner(**record.owner).describe()}"
    )
    fix = (
        "reuse it with --daos-reuse (same settings) or remove it with `pytest-daos down`"
        if record.keep
        else "wait for that run to end"
    )
    other = _other(record, settings, compatible) if record.keep else ""
    if other:
        fix = f"{other}: remove it with `pytest-daos down` first"
    return ClusterConflict(
        f"{holder} (session {record.session}) holds this host, and only one fits (host "
        f"network): {fix}",
        waitable=not record.keep,
    )


def _other(record: ClusterRecord, settings: Settings | None, compatible: bool | None) -> str:
    """How the kept cluster differs from what `settings` would start ("": not known)."""
    differ = differences(record.settings, settings) if settings is not None else []
    if differ:
        return f"it runs other settings ({'; '.join(differ)})"
    if compatible is False and record.settings:
        return "it runs these settings on other images or configuration (built since)"
    if compatible is False:
        return "it is not what these settings start (its record does not say its settings)"
    return ""


class OtherSettings(PytestDaosError, RuntimeError):
    """A worker of a pytest-xdist run asks for a cluster with settings other than those of
    the cluster every worker shares."""

    def __init__(self, asked: str = "") -> None:
        super().__init__(
            f"a fixture asks for a DAOS cluster with other settings{asked} than the one "
            "this pytest-xdist run's workers share, and a switch would remove it under the "
            "other workers' tests: run the tests that need other settings in a pytest run "
            "of their own without -n, or give those settings to the whole run as options"
        )


class EarlierFailure(PytestDaosError, RuntimeError):
    """Another worker of this run failed to start the cluster with these settings."""
