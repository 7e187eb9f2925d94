"""Fault drills (client/drills/ and the drill methods of the handles), through a
scripted transport at the transport seam that answers with the real DAOS 2.6.5 output of
a two-engine cluster (data/2.6/two_engines_*, see data/2.6/CAPTURES.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from daos_replay import Recorder
from samples import sample

from pytest_daos import waiting
from pytest_daos.client.dmg import Member, pool_ranks_argv
from pytest_daos.client.drills import DrillError, PoolState, engine_pid, wait_rebuilt
from pytest_daos.client.envelope import DaosError, ProtocolError
from pytest_daos.client.handles import DaosCluster, DaosNode, DaosPool
from pytest_daos.client.transport import TIMEOUT_EXIT, ExecResult


def real(name: str) -> str:
    return sample("2.6", f"two_engines_{name}.json")


TIMED_OUT = "timed out"  # the command's time limit ran out (as a pool service without quorum)


@dataclass(frozen=True)
class Raw:
    """A command's own output, not a sample."""

    stdout: str = ""
    exit_code: int = 0


class Script(Recorder):
    """A node's transport: the first reply whose words all appear in argv, in order, answers;
    a reply is a sample name, TIMED_OUT, or a function of argv giving one."""

    def __init__(self, name: str, replies: Mapping[tuple[str, ...], object]) -> None:
        super().__init__(name)
        self.replies = dict(replies)

    def answer(self, argv: tuple[str, ...]) -> ExecResult:
        for words, reply in self.replies.items():
            rest = iter(argv)
            if all(word in rest for word in words):
                got = reply(argv) if callable(reply) else reply
                if got == TIMED_OUT:
                    return ExecResult(argv, TIMEOUT_EXIT, "", "")
                if isinstance(got, Raw):
                    return ExecResult(argv, got.exit_code, got.stdout, "")
                text = real(str(got)) if not str(got).startswith("{") else str(got)
                return ExecResult(argv, 0 if '"error": null' in text else 1, text, "")
        raise AssertionError(f"{self.name}: no answer for {argv}")

    def put(self, local: Path, remote: str) -> None:
        raise AssertionError("no copies in drills")

    get = put


def cluster_of(
    admin: Mapping[tuple[str, ...], object], server: Mapping[tuple[str, ...], object] | None = None
) -> tuple[DaosCluster, Script, Script]:
    scripts = {"admin": Script("daos-admin", admin), "server": Script("daos-server", server or {})}
    scripts["client"] = Script("daos-client", {})
    nodes = {role: DaosNode(role, s.name, s, dict) for role, s in scripts.items()}
    cluster = DaosCluster(nodes, "2.6", "eth0", "192.0.2.2", dmg_config="/etc/daos/dmg.yml")
    cluster.rebuild_settle = 0.2
    return cluster, scripts["admin"], scripts["server"]


def sequence(*answers: object) -> Callable[[tuple[str, ...]], object]:
    """Answers in turn; the last one again and again."""
    left = list(answers)
    return lambda argv: left.pop(0) if len(left) > 1 else left[0]


# -- what a pool query says ----------------------------------------------------------------


def test_pool_states_of_a_stopped_rank_from_real_answers():
    states = [
        PoolState.from_response(json.loads(real(name))["response"])
        for name in ("pool_query_before", "stop_pool_query_Degraded_busy_v3",
                     "stop_pool_query_Degraded_done_v5")
    ]  # fmt: skip
    assert [(s.state, s.rebuild_state, s.version, s.disabled_targets) for s in states] == [
        ("Ready", "idle", 1, 0), ("Degraded", "busy", 3, 1), ("Degraded", "done", 5, 1)
    ]  # fmt: skip
    assert [s.healthy for s in states] == [True, False, False]
    assert states[2].describe() == (
        "Degraded, 1/2 targets up, rebuild done (status 0), map version 5"
    )


# -- waiting for a rebuild -----------------------------------------------------------------


def scripted_query(*names: str) -> Callable[[float], PoolState]:
    """A pool query answering with the real samples `names` in turn (the last again and
    again); TIMED_OUT raises what a call that ran out of time raises."""
    left = list(names)

    def query(limit: float) -> PoolState:
        name = left.pop(0) if len(left) > 1 else left[0]
        if name == TIMED_OUT:
            result = ExecResult(("dmg", "pool", "query"), TIMEOUT_EXIT, "", "")
            raise ProtocolError("no answer in time", result)
        return PoolState.from_response(json.loads(real(name))["response"])

    return query


def test_the_rebuild_after_a_stop_is_done_past_the_fault_and_settled():
    query = scripted_query(
        "stop_pool_query_Ready_idle_v1", TIMED_OUT, TIMED_OUT,
        "stop_pool_query_Ready_idle_v1",  # answered after the exclusion, before the rebuild
        "stop_pool_query_Degraded_busy_v3", "stop_pool_query_Degraded_busy_v5",
        "stop_pool_query_Degraded_done_v5",
    )  # fmt: skip
    state = wait_rebuilt(query, "p2", since=1, timeout=30, settle=0.2)
    assert (state.rebuild_state, state.version, state.disabled_targets) == ("done", 5, 1)


def test_a_done_between_two_passes_does_not_end_the_wait():
    # busy, done, busy again (the version going up), done: only the settled last counts
    done_v3 = real("stop_pool_query_Degraded_done_v5").replace('"version": 5', '"version": 3')
    answers = iter([
        "stop_pool_query_Degraded_busy_v3", done_v3, done_v3, "stop_pool_query_Degraded_busy_v5",
    ])  # fmt: skip

    def query(limit: float) -> PoolState:
        text = next(answers, "stop_pool_query_Degraded_done_v5")
        text = real(text) if not text.startswith("{") else text
        return PoolState.from_response(json.loads(text)["response"])

    # the two `done v3` answers come one poll apart (half the settling time of 2 s): a busy
    # host that delays a poll by 1 s more is unlikely, by 0.25 s (settle=0.5) was not
    state = wait_rebuilt(query, "p2", since=1, timeout=30, settle=2.0)
    assert state.version == 5


def test_a_rebuild_that_does_not_end_in_time_says_what_was_seen():
    query = scripted_query("stop_pool_query_Degraded_busy_v5")
    with pytest.raises(DrillError) as caught:
        wait_rebuilt(query, "p2", since=1, timeout=0.5, settle=0.2)
    message = str(caught.value)
    assert message.startswith("the rebuild of pool p2 to end did not happen within 0s; last seen")
    assert "Degraded, 1/2 targets up, rebuild busy (status 0), map version 5" in message
    assert "about 90 s after a rank stops" in message


def test_an_old_done_is_not_the_rebuild_of_this_fault():
    query = scripted_query("reint_pool_query_Ready_done_v9")
    with pytest.raises(DrillError, match="the map is not past version 9 yet"):
        wait_rebuilt(query, "p2", since=9, timeout=0.5, settle=0.1)


def test_an_answer_waiting_cannot_change_ends_the_wait_at_once():
    def query(limit: float) -> PoolState:
        result = ExecResult(("dmg",), 1, sample("2.6", "dmg_pool_query_unknown.json"), "")
        raise DaosError("unable to find pool", status=-1005, result=result)

    with pytest.raises(DaosError):
        wait_rebuilt(query, "p2", since=1, timeout=30, settle=0.1)


# -- ranks ---------------------------------------------------------------------------------

DMG = ("dmg", "-j", "-o", "/etc/daos/dmg.yml")


def test_stop_rank_then_wait_until_the_system_sees_it_down():
    cluster, admin, _ = cluster_of({
        ("system", "stop"): "system_stop_rank",
        ("system", "query"): sequence(
            "system_query", "system_query", "stop_system_query_0joined_1stopped"
        ),
    })  # fmt: skip
    cluster.stop_rank(1)
    assert (*DMG, "system", "stop", "--ranks=1") in admin.argvs
    assert cluster.needs_healing


def test_the_drills_waits_say_they_are_alive_through_the_clusters_progress(monkeypatch):
    monkeypatch.setattr(waiting, "HEARTBEAT", 0.05)
    cluster, _, _ = cluster_of({
        ("system", "stop"): "system_stop_rank",
        ("system", "query"): sequence(
            "system_query", "system_query", "system_query", "stop_system_query_0joined_1stopped"
        ),
    })  # fmt: skip
    said: list[str] = []
    cluster.progress = said.append
    cluster.stop_rank(1)
    assert said and said[0].startswith("waiting for rank 1 to stop: rank 0 joined, rank 1 joined")
    said.clear()
    query = scripted_query(
        "stop_pool_query_Degraded_busy_v3", "stop_pool_query_Degraded_busy_v3",
        "stop_pool_query_Degraded_busy_v5", "stop_pool_query_Degraded_done_v5",
    )  # fmt: skip
    wait_rebuilt(query, "p2", since=1, timeout=30, settle=0.2, progress=said.append)
    assert said and said[0].startswith(
        "waiting for the rebuild of pool p2 to end: Degraded, 1/2 targets up, rebuild busy"
    )


def test_start_rank_waits_for_joined():
    cluster, admin, _ = cluster_of({
        ("system", "start"): "system_start_rank",
        ("system", "query"): sequence(
            "stop_system_query_0joined_1excluded", "stop_system_query_0joined_1excluded",
            "start_system_query_0joined_1joined",
        ),
    })  # fmt: skip
    cluster.start_rank(1)
    assert (*DMG, "system", "start", "--ranks=1") in admin.argvs


def test_a_rank_that_never_stops_is_explained():
    cluster, _, _ = cluster_of({("system", "stop"): "system_stop_rank",
                                ("system", "query"): "system_query"})  # fmt: skip
    with pytest.raises(DrillError) as caught:
        cluster.stop_rank(1, timeout=0.3)
    assert str(caught.value) == (
        "rank 1 to stop did not happen within 0s; last seen: rank 0 joined, rank 1 joined"
    )


def test_an_unknown_rank_is_refused_before_any_fault():
    cluster, admin, _ = cluster_of({("system", "query"): "system_query"})
    with pytest.raises(DrillError, match=r"rank 5 is not in the system \(rank 0 joined, rank 1"):
        cluster.stop_rank(5)
    assert not any("stop" in argv for argv in admin.argvs)


def test_kill_engine_finds_the_engine_by_the_fabric_port_of_its_rank():
    cluster, _, server = cluster_of(
        {("system", "query"): sequence("system_query", "system_query",
                                       "kill_system_query_0joined_1errored")},
        {("sh", "-c", 'kill -9 "$1"'): Raw(), ("sh", "-c"): Raw("4242\n")},
    )  # fmt: skip
    assert cluster.kill_engine(1) == 4242
    script = server.argvs[0]
    assert script[:2] == ("sh", "-c") and script[-1] == "31516"  # rank 1's fabric_uri port
    assert server.argvs[1] == ("sh", "-c", 'kill -9 "$1"', "sh", "4242")


def test_engine_pid_refuses_anything_but_one_process():
    server = Script("daos-server", {("sh",): Raw("12\n13\n")})
    member = Member(1, "joined", "", "", "ofi+tcp://192.0.2.2:31516", "")
    with pytest.raises(DrillError, match="found 2 daos_engine processes with fabric port 31516"):
        engine_pid(server, member)


@pytest.mark.parametrize(
    ("release", "flag"), [("2.6", "--ranks=1"), ("2.4", "--rank=1"), ("2.0", "--rank=1")]
)
def test_pool_exclude_and_reintegrate_spell_the_rank_as_each_release(release, flag):
    assert pool_ranks_argv(release, "exclude", "p2", 1) == ["pool", "exclude", flag, "p2"]
    assert pool_ranks_argv(release, "reintegrate", "p2", 1)[2] == flag


def test_fault_rank_is_outside_the_pool_service():
    cluster, _, _ = cluster_of({("system", "query"): "system_query"})
    assert DaosPool(cluster, "p2", "u", (), (0,)).fault_rank() == 1
    assert DaosPool(cluster, "p2", "u", (), (1,)).fault_rank() == 0
    with pytest.raises(DrillError, match="every rank of pool p2 holds its service"):
        DaosPool(cluster, "p2", "u", (), (0, 1)).fault_rank()


# -- a rank down for a block, and the cluster healed after it ------------------------------


#: The uuid of the pool the drills make ("pool_create_nsvc1"); "tank" is someone else's.
OURS = "1751f804-d9eb-4be3-8fa2-24b68bbf98df"
THEIRS = "3611afcc-4714-41c7-8f3d-bf257f15229f"


def pools_listed(*uuids: str) -> str:
    """`dmg pool list` of real DAOS 2.6.5 (its one pool, "tank") with pools of `uuids`."""
    listed = json.loads(sample("2.6", "dmg_pool_list.json"))
    (tank,) = listed["response"]["pools"]
    listed["response"]["pools"] += [{**tank, "uuid": uuid, "label": "p2"} for uuid in uuids]
    return json.dumps(listed)


def drill_admin() -> dict[tuple[str, ...], object]:
    """The admin node of a two-rank system through a stop, a rebuild, a start and a
    reintegration, each command moving it on as real DAOS 2.6.5 answered."""
    phase = ["up"]
    systems = {"up": "system_query", "stopped": "stop_system_query_0joined_1excluded",
               "started": "start_system_query_0joined_1joined",
               "reintegrated": "start_system_query_0joined_1joined"}  # fmt: skip
    pools = {"up": ["pool_query_before"],
             "stopped": [TIMED_OUT, "stop_pool_query_Degraded_busy_v3",
                         "stop_pool_query_Degraded_done_v5"],
             "started": ["start_pool_query_Degraded_done_v5"],
             "reintegrated": ["reint_pool_query_Ready_busy_v9",
                              "reint_pool_query_Ready_done_v9"]}  # fmt: skip

    def move(to: str, name: str) -> Callable[[tuple[str, ...]], str]:
        def command(argv: tuple[str, ...]) -> str:
            phase[0] = to
            return name

        return command

    def pool_query(argv: tuple[str, ...]) -> str:
        answers = pools[phase[0]]
        return answers.pop(0) if len(answers) > 1 else answers[0]

    return {
        ("system", "stop"): move("stopped", "system_stop_rank"),
        ("system", "start"): move("started", "system_start_rank"),
        ("pool", "reintegrate"): move("reintegrated", "pool_reintegrate"),
        ("pool", "create"): "pool_create_nsvc1",
        ("pool", "list"): pools_listed(OURS),  # "tank", made by someone else, and ours
        ("pool", "query"): pool_query,
        ("system", "query"): lambda argv: systems[phase[0]],
    }


def test_rank_down_heals_the_cluster_after_the_block():
    cluster, admin, _ = cluster_of(drill_admin())
    pool = cluster.create_pool("p2", "4G", service_ranks=1)
    assert (*DMG, "pool", "create", "--size=4G", "--nsvc=1", "--", "p2") in admin.argvs
    with cluster.rank_down(pool.fault_rank()) as rank:
        assert rank == 1
        assert pool.wait_rebuild().version == 5
    assert (*DMG, "pool", "reintegrate", "--ranks=1", OURS) in admin.argvs
    assert admin.argvs[-1][-2:] == ("--show-disabled", OURS)  # the reintegration's rebuild
    assert not [argv for argv in admin.argvs if THEIRS in argv]  # someone else's pool
    assert not cluster.needs_healing


def test_heal_never_touches_a_pool_this_handle_did_not_make():
    """On an existing system the other pools are someone else's: heal starts the rank and
    leaves them as they are, degraded or not."""
    cluster, admin, _ = cluster_of(drill_admin())
    cluster.stop_rank(1)
    cluster.heal(timeout=5)
    assert any(argv[4:6] == ("system", "start") for argv in admin.argvs)
    assert not [argv for argv in admin.argvs if "reintegrate" in argv or THEIRS in argv]
    assert not cluster.needs_healing


def test_heal_skips_a_pool_made_here_and_destroyed_past_the_handle():
    replies = drill_admin()
    replies[("pool", "list")] = pools_listed()  # ours is gone: only "tank" is left
    cluster, admin, _ = cluster_of(replies)
    cluster.create_pool("p2", "4G", service_ranks=1)
    cluster.stop_rank(1)
    cluster.heal(timeout=5)
    assert not [argv for argv in admin.argvs if "reintegrate" in argv]
    assert not cluster.needs_healing


def test_rank_down_heals_also_when_the_block_fails():
    cluster, admin, _ = cluster_of(drill_admin())
    cluster.create_pool("p2", "4G", service_ranks=1)
    with pytest.raises(RuntimeError, match="the test's own failure"), cluster.rank_down(1):
        raise RuntimeError("the test's own failure")
    assert any(argv[4:6] == ("system", "start") for argv in admin.argvs)
    assert not cluster.needs_healing


def test_a_failed_heal_is_kept_and_raised_again_at_once():
    replies = drill_admin()
    replies[("system", "start")] = lambda argv: "system_stop_rank"  # the rank never comes back
    cluster, admin, _ = cluster_of(replies)
    cluster.stop_rank(1)
    with pytest.raises(DrillError, match="could not be healed after a fault drill: every rank"):
        cluster.heal(timeout=0.5)
    calls = len(admin.argvs)
    with pytest.raises(DrillError, match="could not be healed"):
        cluster.heal()
    assert len(admin.argvs) == calls and cluster.needs_healing
