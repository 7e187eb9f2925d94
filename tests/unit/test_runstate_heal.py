"""The run state heals a cluster a fault drill left degraded, or says why it could not."""

from __future__ import annotations

import pytest

from pytest_daos.client.drills import DrillError
from pytest_daos.cluster.labels import Owner
from pytest_daos.runstate import RunState
from pytest_daos.settings import Settings


class Cluster:
    """What the run state asks of a cluster handle to heal it."""

    def __init__(self, needs_healing: bool, failure: Exception | None = None) -> None:
        self.needs_healing = needs_healing
        self.failure = failure
        self.heals = 0

    def heal(self) -> None:
        self.heals += 1
        if self.failure is not None:
            raise self.failure
        self.needs_healing = False


@pytest.fixture
def state(tmp_path) -> RunState:
    return RunState(Settings(state_dir=tmp_path), Owner.current(), worker=False)


def test_no_cluster_or_a_healthy_one_is_left_alone(state):
    assert state.heal() is None
    state.cluster = healthy = Cluster(needs_healing=False)  # type: ignore[assignment]
    assert state.heal() is None and healthy.heals == 0


def test_a_degraded_cluster_is_healed(state):
    state.cluster = degraded = Cluster(needs_healing=True)  # type: ignore[assignment]
    assert state.heal() is None
    assert degraded.heals == 1 and not degraded.needs_healing


def test_a_cluster_that_cannot_be_healed_is_one_message(state):
    failure = DrillError("the cluster could not be healed after a fault drill: rank 1 stopped")
    state.cluster = Cluster(needs_healing=True, failure=failure)  # type: ignore[assignment]
    assert state.heal() == (
        "pytest-daos: a fault drill left the cluster degraded: the cluster could not be "
        "healed after a fault drill: rank 1 stopped"
    )


def test_a_failure_that_is_no_plugin_error_is_raised(state):
    broken = Cluster(needs_healing=True, failure=KeyError("bug"))
    state.cluster = broken  # type: ignore[assignment]
    with pytest.raises(KeyError):
        state.heal()
