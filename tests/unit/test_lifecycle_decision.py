"""The lifecycle's choice for a run that finds a cluster recorded on the host (a pure
function), and the message of a conflict."""

from __future__ import annotations

import pytest

from pytest_daos.cluster.decision import Decision, conflict, decide
from pytest_daos.cluster.record import ClusterRecord
from pytest_daos.settings import Settings, shown_values

MINE, OTHER = "aaaaaaaaaaaa", "bbbbbbbbbbbb"


def record(session: str = OTHER, keep: bool = False, ready: bool = True) -> ClusterRecord:
    return ClusterRecord(
        ready=ready,
        owner={"session": session, "pid": 4242, "boot": "b", "started": 1.0},
        keep=keep,
        compat="k",
        containers={"server": "s", "admin": "pytest-daos-x-admin", "client": "c"},
        recipe="sim",
        daos_version="2.6.5",
        iface="eth0",
        ip="192.0.2.2",
        log_files={},
    )


@pytest.mark.parametrize(
    ("found", "reuse", "compatible", "alive", "expected"),
    [
        (None, False, False, False, Decision.START),
        (record(MINE), False, False, True, Decision.ATTACH),  # another worker of this run
        (record(MINE, keep=True), True, False, True, Decision.ATTACH),
        (record(keep=True), True, True, False, Decision.REUSE),
        (record(), True, True, True, Decision.REUSE),  # a live run's, same settings
        (record(keep=True), True, False, False, Decision.REPLACE),  # kept, other settings
        (record(), False, False, False, Decision.REPLACE),  # its owner is gone
        (record(), True, False, False, Decision.REPLACE),
        (record(), False, False, True, Decision.CONFLICT),  # a live run's
        (record(), True, False, True, Decision.CONFLICT),
        (record(keep=True), False, False, False, Decision.CONFLICT),  # kept, no --daos-reuse
        (record(keep=True), False, True, True, Decision.CONFLICT),
        # a start under way (or killed half-way): never attached to nor reused
        (record(MINE, ready=False), False, False, True, Decision.CONFLICT),
        (record(MINE, ready=False), False, False, False, Decision.REPLACE),
        (record(ready=False), True, True, True, Decision.CONFLICT),
        (record(ready=False), True, True, False, Decision.REPLACE),
        (record(keep=True, ready=False), True, True, True, Decision.CONFLICT),
        (record(keep=True, ready=False), False, False, False, Decision.REPLACE),
    ],
)
def test_decide(found, reuse, compatible, alive, expected):
    assert decide(found, MINE, reuse, compatible, alive) is expected


def test_a_conflict_says_whose_cluster_and_what_to_do():
    kept = str(conflict(record(keep=True)))
    assert f"a kept DAOS cluster (session {OTHER}) holds this host" in kept
    assert "--daos-reuse" in kept and "pytest-daos down" in kept
    live = str(conflict(record()))
    assert f"the DAOS cluster of the running pytest pid 4242 (session {OTHER})" in live
    assert "wait for that run to end" in live


def test_a_conflict_with_a_start_under_way_says_so():
    starting = str(conflict(record(ready=False)))
    assert f"pid 4242 (session {OTHER}) is starting" in starting
    assert "wait for that run to end" in starting


def test_a_worker_asking_for_other_settings_never_attaches_to_the_running_cluster():
    started = record(MINE)
    started.settings_key = "the run's settings"
    assert decide(started, MINE, False, False, True, "the run's settings") is Decision.ATTACH
    assert decide(started, MINE, False, False, True, "scm_size=8") is Decision.OTHER_SETTINGS


def test_an_xdist_worker_refuses_a_fixture_with_other_settings_before_any_start(tmp_path):
    from pytest_daos.cluster.decision import OtherSettings
    from pytest_daos.cluster.labels import Owner
    from pytest_daos.runstate import RunState

    worker = RunState(Settings(state_dir=tmp_path), Owner.current(), worker=True)
    with pytest.raises(OtherSettings, match=r"other settings \(scm_size=8\).*without -n"):
        worker.cluster_for({"scm_size": 8})
    assert worker.session is None and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("found", "compatible", "alive", "expected"),
    [
        (record(keep=True), True, False, Decision.REUSE),  # `pytest-daos up` twice
        (record(keep=True), False, False, Decision.CONFLICT),  # kept, other settings
        (record(), True, True, Decision.CONFLICT),  # never shared: its session removes it
        (record(), False, False, Decision.REPLACE),  # its owner is gone
    ],
)
def test_decide_for_a_run_that_keeps_its_cluster(found, compatible, alive, expected):
    assert decide(found, MINE, False, compatible, alive, keep=True) is expected


def test_a_conflict_with_a_kept_cluster_says_which_settings_differ():
    kept = record(keep=True)
    kept.settings = shown_values(Settings(version="2.6", engines=1, pool_size="2G"))
    here = Settings(version="2.4", engines=1, pool_size="8G", prefetch=0)
    assert str(conflict(kept, here, compatible=False)) == (
        f"a kept DAOS cluster (session {OTHER}) holds this host, and only one fits (host "
        "network): it runs other settings (daos_version: 2.6 in the cluster, 2.4 here): "
        "remove it with `pytest-daos down` first"
    )
    same = str(conflict(kept, Settings(version="2.6"), compatible=True))
    assert same.endswith("reuse it with --daos-reuse (same settings) or remove it with "
                         "`pytest-daos down`")  # fmt: skip


def test_a_kept_cluster_of_an_older_record_is_not_what_these_settings_start():
    """A record an older pytest-daos wrote has no settings: nothing to compare."""
    message = str(conflict(record(keep=True), Settings(), compatible=False))
    assert message.endswith(
        "it is not what these settings start (its record does not say its settings): remove "
        "it with `pytest-daos down` first"
    )
