"""The start's record: written (marked as starting) right after the hugepage reservation
and again once the containers exist, before the waits, so that a run killed in any phase
(SIGKILL: nothing of its own runs) is undone by the next run; made ready at the end. The
recipe `recipes.prepare` made travels through the start: loaded once, its commits learnt
by the start, its rebuild timing on the handle (also on one attached by its record).

Docker, the images and the waits are fakes; the hugepages are the fake kernel of
test_hugepages."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest
from fake_docker import FakeClient, FakeContainer
from test_hugepages import FakeKernel, SyncingHugepages, nr
from test_prepare import COMMIT, base_image, offline_host

from pytest_daos import runstate
from pytest_daos.client import drills
from pytest_daos.cluster import config_files as config_files_module
from pytest_daos.cluster import git_refs, lifecycle, recipes, recorded
from pytest_daos.cluster.containers import ClusterConflict
from pytest_daos.cluster.decision import Decision, EarlierFailure, decide
from pytest_daos.cluster.handles import attach_record
from pytest_daos.cluster.host import Interface
from pytest_daos.cluster.images import ImageResult
from pytest_daos.cluster.labels import SESSION_LABEL, Owner, boot_id
from pytest_daos.cluster.node_options import container_name
from pytest_daos.cluster.nodes import StartError
from pytest_daos.cluster.recipes import load_recipe, prepare
from pytest_daos.cluster.recipes.sim_base import OFFLINE
from pytest_daos.cluster.recipes.upstream import upstream_recipe
from pytest_daos.cluster.record import RECORD_FILE, ClusterRecord, load_record
from pytest_daos.settings import Settings

PAGES = 16
DEAD_PID = 2**22 + 12345  # above any pid_max: no such process


class Seen:
    """What the fake start saw on disk at each step."""

    def __init__(self) -> None:
        self.before_nodes: ClusterRecord | None = None
        self.before_waits: ClusterRecord | None = None


class FakeDocker:
    """A DockerCluster whose nodes are fake containers; `wait_ready` does what the test
    asks (nothing, or fail)."""

    folder: Path
    seen: Seen
    fail_waits: BaseException | None = None

    def __init__(self, client: FakeClient, plan: Any) -> None:
        self.client, self.plan = client, plan
        self.daos_version = plan.recipe.daos_version
        self.dmg_config = plan.dmg_config
        self.containers: dict[str, FakeContainer] = {}
        self.privileged_mode: str | None = None
        self.removed = False

    @classmethod
    def planned(cls, client: FakeClient, plan: Any, progress: Any = None) -> FakeDocker:
        return cls(client, plan)

    def start_nodes(self) -> None:
        FakeDocker.seen.before_nodes = load_record(FakeDocker.folder)
        for node in self.plan.recipe.nodes:
            name = container_name(self.plan.owner, node.role)
            container = FakeContainer(name, self.plan.owner.labels())
            self.client.containers.by_name[name] = container
            self.containers[node.role] = container
        self.privileged_mode = "--privileged"

    def wait_ready(self, deadline: Any, ranks: int = 0) -> list[Any]:
        FakeDocker.seen.before_waits = load_record(FakeDocker.folder)
        if FakeDocker.fail_waits is not None:
            raise FakeDocker.fail_waits
        return []

    def transport(self, role: str) -> object:
        return object()

    def logs(self, role: str, lines: int = 0) -> dict[str, str]:
        return {}

    def remove(self) -> list[str]:
        self.removed = True
        for container in self.containers.values():
            container.remove(force=True, v=True)
        return []


class FakeBuilder:
    def __init__(self, client: Any, folder: Path, progress: Any = None) -> None:
        pass

    def ensure(self, recipe: Any, rebuild: bool = False) -> list[ImageResult]:
        return [
            ImageResult(spec.name, spec.tag, f"sha256:{spec.name}", "key", False, 0.0)
            for spec in recipe.images
        ]

    def current(self, recipe: Any) -> list[Any]:
        return [(spec, "key", f"sha256:{spec.name}") for spec in recipe.images]


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A host of fakes: Docker, images, checks, and a kernel with no hugepages."""
    client = FakeClient()
    monkeypatch.setattr(lifecycle, "check_docker", lambda factory: (None, client))
    monkeypatch.setattr(lifecycle, "run_checks", lambda *args, **kwargs: [])
    monkeypatch.setattr(lifecycle, "require", lambda checks, settings=None: None)
    monkeypatch.setattr(lifecycle, "ImageBuilder", FakeBuilder)
    monkeypatch.setattr(lifecycle, "DockerCluster", FakeDocker)
    monkeypatch.setattr(lifecycle, "host_facts", lambda: None)
    monkeypatch.setattr(lifecycle, "missing_capabilities", lambda: [])
    monkeypatch.setattr(config_files_module, "config_files", lambda config, facts: {})
    folder = tmp_path / "state"
    monkeypatch.setattr(FakeDocker, "folder", folder, raising=False)
    monkeypatch.setattr(FakeDocker, "seen", Seen(), raising=False)
    monkeypatch.setattr(FakeDocker, "fail_waits", None)
    root = tmp_path / "root"
    root.mkdir()
    kernel = FakeKernel(root, total=0, free=0, mounted=True)
    return client, folder, kernel


def a_lifecycle(
    world: Any,
    owner: Owner | None = None,
    keep: bool = False,
    start_timeout: float = 300,
    progress: Any = None,
    pages: int = PAGES,
):
    client, folder, kernel = world
    settings = Settings(
        recipe="sim", hugepages=pages, state_dir=folder, keep=keep, start_timeout=start_timeout
    )
    return lifecycle.ClusterLifecycle(
        settings,
        load_recipe(settings),
        progress,
        client_factory=lambda: client,
        hugepages=SyncingHugepages(kernel),
        owner=owner or Owner.current(),
        iface=Interface("lo", "127.0.0.1"),
    )


def dead_owner() -> Owner:
    return Owner("deaddeaddead", DEAD_PID, boot_id(), time.time())


def is_ready(record: ClusterRecord | None) -> bool:
    assert record is not None
    return bool(getattr(record, "ready", True))


def test_the_record_is_written_before_the_nodes_start_and_before_the_waits(world):
    _, folder, kernel = world
    run = a_lifecycle(world)
    run.start()
    names = {role: container_name(run.owner, role) for role in ("server", "admin", "client")}
    seen = FakeDocker.seen
    assert seen.before_nodes is not None, "no record before the nodes start"
    assert not is_ready(seen.before_nodes)
    assert seen.before_nodes.hugepages is not None
    assert seen.before_nodes.hugepages["previous_nr"] == 0
    assert seen.before_nodes.containers == names  # the names they will have
    assert seen.before_waits is not None and not is_ready(seen.before_waits)
    assert seen.before_waits.containers == names
    done = load_record(folder)
    assert is_ready(done) and done is not None and done.session == run.owner.session
    run.finish()
    assert load_record(folder) is None and nr(kernel.root) == 0


@pytest.mark.parametrize("phase", ["nodes", "format and join"])
def test_a_run_killed_in_a_start_phase_is_undone_by_the_next(world, phase):
    client, folder, kernel = world
    killed = a_lifecycle(world, owner=dead_owner())
    with pytest.MonkeyPatch.context() as sigkill:
        sigkill.setattr(lifecycle.ClusterLifecycle, "_undo", lambda self: None)  # no undo
        if phase == "nodes":  # killed while Docker creates the nodes: they exist
            real_start_nodes = FakeDocker.start_nodes

            def dies_half_way(self: FakeDocker) -> None:
                real_start_nodes(self)
                raise KeyboardInterrupt

            sigkill.setattr(FakeDocker, "start_nodes", dies_half_way)
        else:
            sigkill.setattr(FakeDocker, "fail_waits", KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            killed.start()
    assert nr(kernel.root) == PAGES  # what the killed run left
    left = list(client.containers.by_name.values())
    assert left and all(c.labels[SESSION_LABEL] == "deaddeaddead" for c in left)

    lines: list[str] = []
    following = a_lifecycle(world)
    following.progress = lines.append
    following.start()
    assert all("remove" in c.calls for c in left)
    assert any("deaddeaddead" in line for line in lines), lines
    assert nr(kernel.root) == PAGES  # given back, then raised again for this run
    following.finish()
    assert nr(kernel.root) == 0
    assert load_record(folder) is None


def test_a_failed_start_leaves_only_its_error_and_gives_back(world, monkeypatch):
    _, folder, kernel = world
    monkeypatch.setattr(FakeDocker, "fail_waits", StartError("format and join", "no"))
    run = a_lifecycle(world)
    with pytest.raises(StartError):
        run.start()
    left = load_record(folder)  # the failure, for the other workers; nothing to give back
    assert left is not None and left.failure.endswith("'format and join': no")
    assert left.containers == {} and left.hugepages is None and not left.ready
    assert nr(kernel.root) == 0
    run.finish()  # the end of the run clears it
    assert load_record(folder) is None


def test_a_starting_cluster_of_a_live_run_is_never_attached(world):
    """Another worker of the same run (same session) finds the record of a start that is
    still under way (its starter was killed while the run lives): a conflict, not an
    attach to half-started nodes."""
    _, folder, _ = world
    owner = Owner.current()
    first = a_lifecycle(world, owner=owner)
    with pytest.MonkeyPatch.context() as sigkill:
        sigkill.setattr(lifecycle.ClusterLifecycle, "_undo", lambda self: None)
        sigkill.setattr(FakeDocker, "fail_waits", KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            first.start()
    said: list[str] = []
    second = a_lifecycle(world, owner=owner, start_timeout=1, progress=said.append)
    with pytest.raises(ClusterConflict, match="starting"):
        second.start()  # waits for it (up to its start timeout), never attaches
    assert len(said) == 1 and said[0].startswith("waiting up to 1s for the other session's")
    first.finish()
    assert load_record(folder) is None


def test_a_cleanup_error_never_replaces_the_start_error(world, monkeypatch):
    run = a_lifecycle(world)
    monkeypatch.setattr(FakeDocker, "fail_waits", StartError("join", "rank 0 never joined"))
    monkeypatch.setattr(FakeDocker, "remove", lambda self: ["stop server: 500 Server Error"])

    def refuse(reservation: Any) -> None:
        raise OSError("Device or resource busy")

    monkeypatch.setattr(run.hugepages, "give_back", refuse)
    with pytest.raises(StartError) as caught:
        run.start()
    text = str(caught.value)
    assert text.startswith("DAOS cluster start failed in phase 'join': rank 0 never joined")
    assert (
        "undoing the failed start also met: stop server: 500 Server Error; giving back "
        "hugepages: Device or resource busy" in text
    )


def test_a_failed_start_fails_the_other_workers_of_the_run_at_once(world, monkeypatch):
    client, folder, kernel = world
    owner = Owner.current()  # pytest-xdist workers start in the controller's name
    monkeypatch.setattr(FakeDocker, "fail_waits", StartError("join", "rank 0 never joined"))
    with pytest.raises(StartError):
        a_lifecycle(world, owner=owner).start()
    assert nr(kernel.root) == 0 and not client.containers.list()  # nothing of it is left
    started: list[str] = []
    monkeypatch.setattr(FakeDocker, "start_nodes", lambda self: started.append("nodes"))
    with pytest.raises(EarlierFailure) as caught:
        a_lifecycle(world, owner=owner).start()
    assert str(caught.value) == ("DAOS cluster start failed in phase 'join': rank 0 never joined")
    assert started == []  # the second worker did not try again
    # another run finds nothing of the failed start to keep
    record = load_record(folder)
    assert record is not None
    assert decide(record, "another", False, False, True) is Decision.REPLACE
    other = a_lifecycle(world, owner=owner)
    assert decide(record, owner.session, False, False, True, "other settings") is (Decision.REPLACE)
    assert decide(record, owner.session, False, False, True, other.settings.key) is (
        Decision.FAILED
    )


class Attached:
    """Handles on a recorded cluster, whose nodes answer at once."""

    def wait_joined(self, deadline: Any) -> list[Any]:
        return []


def test_a_live_session_with_the_same_settings_shares_and_the_last_out_removes(world, monkeypatch):
    client, folder, kernel = world
    monkeypatch.setattr(recorded, "attach_record", lambda c, r: (Attached(), "handles"))
    first, second = a_lifecycle(world), a_lifecycle(world)  # two sessions, both alive
    first.start()
    shared = second.start()
    assert second.report.attached.startswith(
        f"shared the running cluster of session {first.owner.session}"
    )
    assert shared == "handles" and len(client.containers.list()) == 3
    first.finish()  # the starter leaves first: the cluster stays for the other
    assert len(client.containers.list()) == 3 and nr(kernel.root) == PAGES
    record = load_record(folder)
    assert record is not None and record.left == [first.owner.session]
    second.finish()  # the last session out removes it
    assert client.containers.list() == [] and load_record(folder) is None
    assert nr(kernel.root) == 0


def test_other_settings_wait_for_a_live_sessions_cluster_then_say_whose_it_is(world):
    client, _, kernel = world
    first = a_lifecycle(world)
    first.start()
    said: list[str] = []
    other = a_lifecycle(world, start_timeout=1, progress=said.append, pages=PAGES + 1)
    with pytest.raises(ClusterConflict, match="wait for that run to end") as caught:
        other.start()
    assert caught.value.waitable
    assert len(said) == 1 and "waiting up to 1s for the other session's cluster" in said[0]
    assert len(client.containers.list()) == 3  # the running one was not touched
    first.finish()
    assert client.containers.list() == [] and nr(kernel.root) == 0


# -- the recipe travels: loaded once per start -----------------------------------------------


@pytest.fixture
def loads(monkeypatch):
    """Every recipe loaded, by DAOS release."""
    loaded: list[str] = []
    real = recipes.load_recipe

    def counting(settings: Settings) -> recipes.Recipe:
        loaded.append(settings.version)
        return real(settings)

    monkeypatch.setattr(recipes, "load_recipe", counting)
    return loaded


@pytest.fixture
def run(world, monkeypatch):
    """A run's state whose lifecycles start on the fakes above."""
    client, folder, kernel = world

    def on_fakes(*args, **kwargs) -> lifecycle.ClusterLifecycle:
        hugepages = SyncingHugepages(kernel)
        return lifecycle.ClusterLifecycle(
            *args, client_factory=lambda: client, hugepages=hugepages, **kwargs
        )

    monkeypatch.setattr(runstate, "ClusterLifecycle", on_fakes)
    settings = Settings(recipe="sim", iface="lo", hugepages=PAGES, state_dir=folder)
    prepared = prepare(settings, offline_host)  # as pytest_configure does, once
    state = runstate.RunState(prepared.settings, Owner.current(), False, prepared.recipe)
    yield state
    state.finish()


def test_a_start_loads_the_recipe_once(loads, run):
    assert loads == ["2.6"]  # checked when the run is configured
    run.cluster_for()
    assert loads == ["2.6"] and run.session is not None  # the prepared recipe travelled
    assert run.session.recipe.name == "sim" and base_image(run.session.recipe) == OFFLINE


def test_a_fixture_with_its_own_settings_gets_the_recipe_of_those(loads, run):
    run.cluster_for()
    run.cluster_for({"version": "2.4"})
    assert loads == ["2.6", "2.4"]  # once more, for the start with the fixture's settings
    assert run.session is not None and run.session.recipe.daos_version == "2.4.2"
    assert base_image(run.session.recipe) == OFFLINE  # the run's base image, settled once


def test_the_start_learns_the_commits_of_the_prepared_recipe(world, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(git_refs, "remote_commit", lambda url: asked.append(url) or COMMIT)
    run = a_lifecycle(world)
    remote = with_a_remote_base(run.recipe)
    run.recipe = remote
    run.start()
    assert asked == [remote.image("daos-base").remote]
    assert run.recipe.image("daos-base").source_id == COMMIT
    run.finish()


def with_a_remote_base(recipe: recipes.Recipe) -> recipes.Recipe:
    """The recipe with its base image built from a remote git context."""
    url = "https://example.org/daos.git#release/2.6:folder"
    base = dataclasses.replace(recipe.image("daos-base"), context=url, dockerfile=None)
    return dataclasses.replace(recipe, images=(base, *recipe.images[1:]))


# -- the recipe's rebuild timing on the handle ------------------------------------------


def test_the_rebuild_timing_reaches_the_handle_and_the_record(world):
    _, folder, _ = world
    run = a_lifecycle(world)
    assert run.recipe.rebuild_settle == pytest.approx(0.4)  # two fault delays of 0.2 s
    cluster = run.start()
    assert cluster.rebuild_settle == pytest.approx(0.4)
    record = load_record(folder)
    assert record is not None and record.rebuild_settle == pytest.approx(0.4)
    run.finish()


def test_a_handle_attached_by_record_gets_the_recorded_timing(world, tmp_path):
    client, folder, _ = world
    run = a_lifecycle(world)
    run.start()
    record = load_record(folder)
    assert record is not None
    _, cluster = attach_record(client, record)
    assert cluster.rebuild_settle == pytest.approx(0.4)
    # a record written before the record carried it: the handle's default
    data = json.loads((folder / RECORD_FILE).read_text())
    del data["rebuild_settle"]
    old = tmp_path / "old"
    old.mkdir(mode=0o700)
    (old / RECORD_FILE).write_text(json.dumps(data))
    older = load_record(old)
    assert older is not None and older.rebuild_settle is None
    assert attach_record(client, older)[1].rebuild_settle == drills.REBUILD_SETTLE
    run.finish()


def test_a_real_recipe_keeps_the_handles_default(world):
    run = a_lifecycle(world)
    run.recipe = upstream_recipe("2.6").with_commits(lambda url: COMMIT)
    assert run.start().rebuild_settle == drills.REBUILD_SETTLE
    run.finish()


# -- a start that keeps its cluster (`pytest-daos up`, --daos-keep) finds a kept one ----------


def test_a_kept_cluster_is_used_by_a_start_with_the_same_settings_that_keeps(world, monkeypatch):
    """`pytest-daos up` twice: the second finds the first's cluster and uses it."""
    client, folder, _ = world
    monkeypatch.setattr(recorded, "attach_record", lambda c, r: (Attached(), "handles"))
    first = a_lifecycle(world, keep=True)
    first.start()
    record = load_record(folder)
    assert record is not None and record.settings["hugepages"] == str(PAGES)
    again = a_lifecycle(world, keep=True)
    assert again.start() == "handles"
    assert again.report.attached == f"reused the kept cluster of session {first.owner.session}"
    assert len(client.containers.list()) == 3 and load_record(folder) == record  # untouched


def test_a_kept_cluster_with_other_settings_is_refused_saying_what_differs(world):
    client, folder, kernel = world
    a_lifecycle(world, keep=True).start()
    other = a_lifecycle(world, keep=True, pages=PAGES + 1)
    with pytest.raises(ClusterConflict) as caught:
        other.start()
    assert not caught.value.waitable  # at once: a kept cluster does not go by itself
    assert str(caught.value).endswith(
        f"it runs other settings (daos_hugepages: {PAGES} in the cluster, {PAGES + 1} here): "
        "remove it with `pytest-daos down` first"
    )
    assert len(client.containers.list()) == 3 and nr(kernel.root) == PAGES  # untouched
    record = load_record(folder)
    assert record is not None and record.keep


def test_a_kept_cluster_on_other_images_with_the_same_settings_is_refused(world, monkeypatch):
    a_lifecycle(world, keep=True).start()
    rebuilt = [(spec, "another key", f"sha256:{spec.name}") for spec in a_recipe().images]
    monkeypatch.setattr(FakeBuilder, "current", lambda self, recipe: rebuilt)
    with pytest.raises(ClusterConflict, match="these settings on other images or configuration"):
        a_lifecycle(world, keep=True).start()


def test_a_start_that_keeps_never_shares_a_live_sessions_cluster(world):
    """That session would remove it at its end: the start waits for it to go instead."""
    client, _, _ = world
    running = a_lifecycle(world)
    running.start()
    said: list[str] = []
    keeper = a_lifecycle(world, keep=True, start_timeout=1, progress=said.append)
    with pytest.raises(ClusterConflict, match="wait for that run to end"):
        keeper.start()
    assert len(said) == 1 and "waiting up to 1s" in said[0]
    running.finish()
    assert client.containers.list() == []


def a_recipe() -> recipes.Recipe:
    return load_recipe(Settings(recipe="sim"))
