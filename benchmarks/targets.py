"""The plugin against its references and its targets: one row per target, with the ratio,
whether it holds, and what the numbers say where it does not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import idle
from .plan import DRILL_JOIN_DELAY
from .stats import Stat, median
from .suites import WORK_S

FLOOR_NODES = ("hugepages", "start server", "start admin", "start client")
BARE_NODES = ("hugepages", "run server", "run admin", "run client")
JOIN_STEPS = ("storage scan", "storage format", "wait joined")
#: What the plugin does beyond the floor when it starts a node (pytest_daos/cluster/nodes.py),
#: said where its nodes phase takes longer.
#: The example fault drill's target on the sim: its test's call phase.
DRILL_S = 10.0
NODES_HOW = (
    "each node is created, looked up, given its configuration files by a tar copy and "
    "then started: four Docker calls where the floor makes two"
)


@dataclass(frozen=True)
class Target:
    what: str
    plugin: float | None
    reference: str  # what the plugin is compared with
    reference_value: float | None
    target: str
    holds: bool | None  # None: not measured, or not a target of this recipe
    why: str = ""

    @property
    def ratio(self) -> float | None:
        if self.plugin is None or not self.reference_value:
            return None
        return self.plugin / self.reference_value


def _m(samples: Sequence[float | None]) -> float | None:
    return median(samples)


def _steps(runs: list[dict[str, Any]], names: Sequence[str]) -> float | None:
    return _m([sum(run["steps"].get(name, 0.0) for name in names) for run in runs])


def start_parts(results: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Median seconds of comparable parts of a start, for plugin, bare and floor:
    checks (prerequisites and images), nodes, format and join, pool and container."""
    sessions = results["warm"]["sessions"]
    refs = results.get("references", {})
    bare, floor = refs.get("bare", []), refs.get("floor", [])

    def phase(name: str) -> float | None:
        return _m([session["phases"].get(name) for session in sessions])

    checks = [
        session["phases"].get("prerequisites", 0.0) + session["phases"].get("images", 0.0)
        for session in sessions
    ]
    return {
        "plugin": {
            "checks": _m(checks),
            "nodes": phase("nodes"),
            "format and join": phase("format and join"),
            "pool and container": _m([session["first_setup_s"] for session in sessions]),
            "pytest": _m(
                [
                    session["startup_s"] - session["cluster_start_s"] - session["first_setup_s"]
                    for session in sessions
                ]
            ),
        },
        "bare": {
            "checks": 0.0,
            "nodes": _steps(bare, BARE_NODES),
            "format and join": _steps(bare, JOIN_STEPS),
            "pool and container": _steps(bare, ("system query", "pool create", "container create")),
            "pytest": 0.0,
        },
        "floor": {
            "checks": 0.0,
            "nodes": _steps(floor, FLOOR_NODES),
            "format and join": _steps(floor, JOIN_STEPS),
            "pool and container": _steps(floor, ("pool create", "container create")),
            "pytest": 0.0,
        },
    }


def _start(results: dict[str, Any]) -> list[Target]:
    sessions = results["warm"]["sessions"]
    refs = results.get("references", {})
    plugin = _m([session["cluster_start_s"] for session in sessions])
    floor = _m([run["to_joined_s"] for run in refs.get("floor", [])])
    bare = _m([run["to_joined_s"] for run in refs.get("bare", [])])
    parts = start_parts(results)
    why = ""
    if plugin is not None and floor and plugin > 1.2 * floor:
        mine, least = parts["plugin"], parts["floor"]
        pieces = [
            f"{(mine['checks'] or 0):.1f} s of prerequisite checks and image lookup "
            "(the floor has none)"
        ]
        join = (
            Stat.of([session["phases"].get("format and join") for session in sessions]),
            Stat.of([sum(run["steps"].get(step, 0.0) for step in JOIN_STEPS)
                     for run in refs.get("floor", [])]),
        )  # fmt: skip
        join_how = ""
        if join[0] and join[1]:
            join_how = (f"plugin {join[0].low:.1f} to {join[0].high:.1f} s, floor "
                        f"{join[1].low:.1f} to {join[1].high:.1f} s over the samples")  # fmt: skip
        for name, how in (("nodes", NODES_HOW), ("format and join", join_how)):
            extra = (mine[name] or 0.0) - (least[name] or 0.0)
            if abs(extra) >= 0.05:
                shown = f" ({how})" if how and extra > 0.2 else ""
                pieces.append(f"{extra:+.1f} s in {name}{shown}")
        why = f"{plugin - floor:.1f} s more than the floor: " + ", ".join(pieces)
        why += _first_start(sessions, floor)
    rows = [
        Target(
            "warm start (cluster start)",
            plugin,
            "floor: to every rank joined",
            floor,
            "≤ 1.2 x floor",
            None if plugin is None or not floor else plugin <= 1.2 * floor,
            why,
        ),
        Target(
            "warm start (cluster start)", plugin, "bare.sh: to every rank joined", bare, "-", None
        ),
    ]
    startup = _m([session["startup_s"] for session in sessions])
    to_container = _m([run["to_container_s"] for run in refs.get("floor", [])])
    rows.append(
        Target(
            "plugin start-up (to the first test)",
            startup,
            "floor: to a pool and a container",
            to_container,
            "-",
            None,
        )
    )
    return rows


def _first_start(sessions: list[dict[str, Any]], floor: float) -> str:
    """What the first start after the cold image build (the `--daos-keep` run) did, when it
    took much longer than the later ones: with few samples it moves the median."""
    if len(sessions) < 2:
        return ""
    first, later = sessions[0], _m([session["cluster_start_s"] for session in sessions[1:]])
    if not later or first["cluster_start_s"] < 1.5 * later:
        return ""
    return (
        f"; the first start after the cold image build (the `--daos-keep` run) took "
        f"{first['cluster_start_s']:.1f} s, {first['phases'].get('format and join', 0):.1f} s "
        f"of it in format and join, the later ones {later:.1f} s ({later / floor:.2f} x floor)"
    )


def _per_test(results: dict[str, Any]) -> list[Target]:
    kinds = results["warm"]["per_test"]
    floor_runs = results.get("references", {}).get("floor", [])
    trips = [
        create + destroy
        for run in floor_runs
        for create, destroy in zip(
            run["container_create_s"], run["container_destroy_s"], strict=True
        )
    ]
    creates = [s for run in floor_runs for s in run["container_create_s"]]
    destroys = [s for run in floor_runs for s in run["container_destroy_s"]]
    trip = _m(trips)
    rows = []
    for kind, label in (
        ("container", "prefetching as the plugin does by default"),
        ("container_fresh", "fresh-container marker"),
    ):
        if kind not in kinds:
            continue
        data = kinds[kind]
        total = _m(data["total_s"])
        holds = None if total is None or not trip else total <= 1.1 * trip
        why = ""
        if holds is False:
            setup_extra = (_m(data["setup_s"]) or 0.0) - (_m(creates) or 0.0)
            teardown_extra = (_m(data["teardown_s"]) or 0.0) - (_m(destroys) or 0.0)
            why = (
                f"setup {setup_extra:+.3f} s over `container create`, teardown "
                f"{teardown_extra:+.3f} s over `container destroy`"
            )
        name = (
            f"per-test container ({label})"
            if kind == "container_fresh"
            else ("per-test container" + (f" ({label})" if "container_fresh" in kinds else ""))
        )
        rows.append(
            Target(name, total, "floor: create + destroy", trip, "≤ 1.1 x floor", holds, why)
        )
    rows += _on_the_clock(results, _m(creates))
    return rows


def _on_the_clock(results: dict[str, Any], create: float | None) -> list[Target]:
    """The container's share of a test's time (setup + teardown), made ahead of need:
    tests that do nothing else, back to back, and tests that work for a while."""
    kinds = results["warm"]["per_test"]
    rows = []
    for kind, name in (
        ("container", "per-test container made ahead, tests back to back: setup + teardown"),
        ("container_work", f"per-test container made ahead, tests of {WORK_S:g} s: "
                           "setup + teardown"),
    ):  # fmt: skip
        if kind not in kinds or not results["plugin"].get("prefetch"):
            continue
        data = kinds[kind]
        cost = _m([s + t for s, t in zip(data["setup_s"], data["teardown_s"], strict=True)])
        holds = None if cost is None else cost <= 0.15
        why = ""
        if holds is False:
            why = f"setup + teardown take {cost:.3f} s"
            if kind == "container":
                why += (
                    f": the tests do nothing but take a container, one every "
                    f"{_m(data['total_s']) or 0:.2f} s, while DAOS makes one in "
                    f"{create or 0:.2f} s (floor) and the background threads share "
                    f"{results['machine']['cores']} cores with DAOS and pytest: nothing can "
                    "stay ahead of tests that come faster than containers are made, so each "
                    "setup waits for the one being made (the row below: tests that do "
                    "something)"
                )
            else:
                why += f" although each test leaves the threads {WORK_S:g} s"
        rows.append(Target(name, cost, "-", None, "≤ 0.15 s", holds, why))
    return rows


def xdist_targets(results: dict[str, Any]) -> list[Target]:
    """-n 4 against -n 1 for each suite measured with both: one start, and -n 4 faster; where
    it is not, what the runs' parts and the host's cores say."""
    rows = []
    for suite in results.get("xdist", []):
        tests, by_workers = suite["tests"], suite["workers"]
        if "1" not in by_workers or "4" not in by_workers:
            continue
        one, four = by_workers["1"], by_workers["4"]
        wall_one, wall_four = _m([r["wall_s"] for r in one]), _m([r["wall_s"] for r in four])
        starts = {r["cluster_starts"] for r in one + four}
        once = starts == {1}
        faster = wall_one is not None and wall_four is not None and wall_four < wall_one
        why = ""
        if not once:
            why = f"'cluster start:' lines per run: {sorted(starts)}"
        elif not faster:
            parts = {n: _xdist_parts(runs) for n, runs in (("1", one), ("4", four))}
            per_one = _m([s for r in one for s in r["test_total_s"]]) or 0.0
            per_four = _m([s for r in four for s in r["test_total_s"]]) or 0.0
            why = (
                "cluster start {0[0]:.1f} s against {1[0]:.1f} s, the tests {0[1]:.1f} s "
                "against {1[1]:.1f} s, the rest (pytest, the workers, teardown) {0[2]:.1f} s "
                "against {1[2]:.1f} s with 4 workers and with 1; ".format(parts["4"], parts["1"])
                + f"a test takes {per_four:.2f} s against {per_one:.2f} s: the workers, the "
                f"Docker engine and DAOS share {results['machine']['cores']} cores"
                + server_cores(results.get("keep_reuse", {}))
            )
        rows.append(
            Target(
                f"{tests} tests, -n 4 against -n 1 (wall)",
                wall_four,
                "-n 1",
                wall_one,
                "one start; -n 4 faster",
                once and faster,
                why,
            )
        )
    return rows


def server_cores(shared: dict[str, Any]) -> str:
    """What the server node takes beside a suite run right after its start: from the series
    of its cores after the `--daos-keep` run where measured, else from the one sample that
    older results hold; nothing when it takes less than `idle.SETTLED_CORES`."""
    server = idle.settling(shared.get("idle_cores_over_time"))
    if server is None:
        sample = shared.get("idle_cores", {}).get("server", 0.0)
        if sample < idle.SETTLED_CORES:
            return ""
        return (
            f", of which the server node takes {sample:.2f} while no test runs (its engine polls)"
        )
    if not server.busy:
        return ""
    if server.settled_s is None:
        return (
            f", of which the server node took up to {server.peak:.2f} and had not settled "
            f"below {idle.SETTLED_CORES:g} {server.window_s:g} s after a `--daos-keep` run of "
            "one test ended: the suite's tests run beside it"
        )
    return (
        f", of which the server node took up to {server.peak:.2f} until {server.settled_s:.0f} "
        f"s after a `--daos-keep` run of one test ended and {server.settled or 0:.2f} from then "
        "on (its engine's work after format, then settled): the suite's tests run right after "
        "its start, inside that window"
    )


def _xdist_parts(runs: list[dict[str, Any]]) -> tuple[float, float, float]:
    """Median cluster start, tests' span and the rest of a pytest-xdist run's wall time."""
    start = _m([r["cluster_start_s"] for r in runs]) or 0.0
    span = _m([r["tests_span_s"] for r in runs]) or 0.0
    wall = _m([r["wall_s"] for r in runs]) or 0.0
    return start, span, wall - start - span


def _teardown(results: dict[str, Any], real: bool) -> list[Target]:
    sessions = results["warm"]["sessions"]
    refs = results.get("references", {})
    plugin = _m([session["teardown_s"] for session in sessions])
    floor = _m([run["remove_s"] for run in refs.get("floor", [])])
    bare = _m([run["remove_s"] for run in refs.get("bare", [])])
    holds = None if plugin is None or not real else plugin <= 2.0
    why = ""
    if holds is False:
        why = (
            f"{plugin:.1f} s from pytest_sessionfinish to exit; removing the nodes takes "
            f"{floor or 0:.1f} s in the floor (force remove) and {bare or 0:.1f} s with "
            "`docker rm -f`"
        )
    target = "≤ 2 s" if real else "≤ 2 s with real DAOS (not this recipe)"
    return [
        Target(
            "teardown (session end to exit)",
            plugin,
            "floor: remove the nodes",
            floor,
            target,
            holds,
            why,
        ),
        Target("teardown (session end to exit)", plugin, "bare.sh: docker rm -f", bare, "-", None),
    ]


def _attach(results: dict[str, Any]) -> list[Target]:
    attach = results.get("keep_reuse", {}).get("attach", [])
    startup = _m([a["startup_s"] for a in attach])
    phase = _m([a["attach_s"] for a in attach])
    holds = None if startup is None else startup <= 1.0
    why = ""
    if holds is False:
        why = (
            f"the attach phase takes {phase:.1f} s of it (the image keys checked, then one "
            "`dmg system query` on the running system); the rest is pytest's and the "
            "plugin's own start"
        )
    return [Target("reuse attach (plugin start-up)", startup, "-", None, "≤ 1 s", holds, why)]


def drill_setting(join_delay: float | None) -> str:
    """How a drill setting reads: its join delay, or the default."""
    return "default delays" if join_delay is None else f"`--daos-sim-join-delay={join_delay:g}`"


def drill_targets(results: dict[str, Any]) -> list[Target]:
    """The example fault drill's test (its call phase) on two sim engines, against
    DRILL_S with the join delay tests/integration runs it with; the other settings shown
    beside it."""
    rows = []
    for setting in results.get("drill", {}).get("settings", []):
        samples = setting["samples"]
        call = _m([sample["call_s"] for sample in samples])
        held = setting["join_delay"] == DRILL_JOIN_DELAY
        holds = None if call is None or not held else call < DRILL_S
        why = ""
        if holds is False:
            why = (
                f"the test took {call:.1f} s (the whole run "
                f"{_m([sample['wall_s'] for sample in samples]) or 0:.1f} s, the cluster's "
                f"start {_m([sample['cluster_start_s'] for sample in samples]) or 0:.1f} s)"
            )
        rows.append(
            Target(
                f"sim drill, two engines, {drill_setting(setting['join_delay'])} (the test)",
                call,
                "-",
                None,
                f"< {DRILL_S:g} s" if held else "-",
                holds,
                why,
            )
        )
    return rows


def targets(results: dict[str, Any]) -> list[Target]:
    """Every target of a recipe's results."""
    real = results["recipe"] == "local"
    return [
        *_start(results),
        *_per_test(results),
        *xdist_targets(results),
        *_teardown(results, real),
        *_attach(results),
        *drill_targets(results),
    ]
