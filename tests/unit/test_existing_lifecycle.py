"""The existing system as a lifecycle (`cluster/existing.py`): what it reports and says in
the header, a start that connects and a finish that removes nothing, and the run state
choosing it for --daos-system=existing. The system is the `dmg` and `daos` stand-ins of
test_existing, reached through a real command prefix."""

from __future__ import annotations

import pytest
from test_existing import calls, prefix_for, write_program

from pytest_daos.client.existing import ExistingSystemError
from pytest_daos.cluster.existing import ExistingSystem
from pytest_daos.cluster.labels import Owner
from pytest_daos.cluster.lifecycle import ClusterLifecycle
from pytest_daos.runstate import RunState
from pytest_daos.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    """An existing DAOS 2.6 system whose ranks are joined."""
    bin_dir = tmp_path / "bin"
    write_program(bin_dir, "dmg", {"system query": ("2.6", "dmg_system_query.json")})
    prefix = prefix_for(bin_dir)
    return Settings(system="existing", dmg=prefix, cmd=prefix, version="2.6", state_dir=tmp_path)


def test_the_report_names_the_system_before_and_after_the_start(settings, tmp_path):
    system = ExistingSystem(settings)
    assert (system.report.recipe, system.report.daos_version) == ("existing system", "2.6")
    assert system.report.attached == "" and system.report.phases == {}
    cluster = system.start()
    assert [node.role for node in cluster.nodes] == ["admin", "client"]
    prefix = prefix_for(tmp_path / "bin")
    assert system.report.attached == (
        f"the existing system reached through dmg: {prefix}, daos: {prefix}"
    )
    assert list(system.report.phases) == ["connect"] and system.report.phases["connect"] >= 0


def test_describe_says_which_system_and_how_it_is_reached():
    system = ExistingSystem(Settings(system="existing", dmg="ssh admin01", version="2.4"))
    assert system.describe() == "existing DAOS 2.4 system (dmg: ssh admin01, daos: this host)"


def test_finish_removes_nothing_and_asks_the_system_nothing(settings, tmp_path):
    system = ExistingSystem(settings)
    system.start()
    asked = calls(tmp_path / "bin", "dmg")
    assert system.finish() == []
    assert calls(tmp_path / "bin", "dmg") == asked == ["-j system query"]


def test_a_failed_start_leaves_the_report_without_an_attach(tmp_path):
    missing = tmp_path / "no-such-prefix"
    system = ExistingSystem(
        Settings(system="existing", dmg=str(missing), version="2.6", start_timeout=1)
    )
    with pytest.raises(ExistingSystemError):
        system.start()
    assert system.report.attached == "" and system.report.phases == {}


def test_the_run_state_chooses_the_lifecycle_of_the_system(tmp_path):
    state = RunState(Settings(state_dir=tmp_path), Owner.current(), worker=False)
    assert isinstance(state.lifecycle(Settings(system="existing")), ExistingSystem)
    docker = Settings(recipe="sim", sim_base_image="b:1", iface="lo", state_dir=tmp_path)
    assert isinstance(state.lifecycle(docker), ClusterLifecycle)


def test_the_run_state_starts_and_finishes_an_existing_system(settings):
    state = RunState(settings, Owner.current(), worker=False)
    assert state.describe("unused") == ExistingSystem(settings).describe()
    cluster = state.cluster_for()
    assert state.cluster is cluster and isinstance(state.session, ExistingSystem)
    assert state.report is state.session.report and state.report.attached
    assert state.cluster_for() is cluster  # started once
    state.finish()
    assert state.teardown_problems == [] and state.cluster is None
    assert state.report is not None and state.report.recipe == "existing system"
