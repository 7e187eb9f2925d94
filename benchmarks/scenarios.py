"""The measurements of one recipe, each a function of a `Bench` returning plain data for
the JSON results: image builds, starts and per-test costs, keep/reuse/down and the nodes'
cores after a start, the references, starts against SCM size and hugepages, and the
pytest-xdist suites."""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import idle, references, suites
from .capture import ClusterSpec, capture
from .host import docker_client
from .plan import DEFAULT_HUGEPAGES, DEFAULT_SCM, SUITE_ARGS, Plan, Recipe
from .runner import BenchError, PytestRun, cli, run_command, run_pytest
from .stats import suite_cost

Progress = Callable[[str], None]
DEFAULT_POOL = "2G"
KEY_LABEL = "org.pytest-daos.key"
#: The example fault drill and its test (a rank taken down and brought back).
EXAMPLE_DRILL = Path(__file__).resolve().parent.parent / "examples" / "tests" / "test_drill.py"
DRILL_TEST = "test_data_survives_a_rank_that_fails_and_comes_back"
_BUILT = re.compile(r"^(\S+) (built|cached) \w+ \(([\d.]+)s\)$", re.MULTILINE)


@dataclass
class Bench:
    """One recipe's measurements: where they run and how they report progress."""

    recipe: Recipe
    plan: Plan
    work: Path
    progress: Progress
    fresh_marker: str | None = None
    _folders: int = field(default=0, init=False)

    def pytest(self, name: str, tests: str, args: list[str], passed: int) -> PytestRun:
        """A generated suite run with the recipe's options and `args`."""
        self._folders += 1
        folder = suites.write(self.work / f"{self._folders:02d}-{name}", tests)
        return run_pytest(folder, [*self.recipe.args, *args], passed)

    def cli(self, *args: str) -> float:
        """The wall time of `pytest-daos COMMAND` (`build` with the recipe's options;
        `down`, which reads the record, without)."""
        recipe = self.recipe.args if args[:1] != ("down",) else ()
        return cli([*args, *recipe]).wall


def _session(run: PytestRun) -> dict[str, Any]:
    """What every session that starts a cluster tells: start, start-up, teardown."""
    phases = run.cluster_start
    return {
        "wall_s": run.wall,
        "startup_s": run.startup,
        "launch_to_first_call_s": run.launch_to_first_call,
        "cluster_start_s": sum(phases.values()),
        "phases": phases,
        "teardown_s": run.teardown,
        "first_setup_s": run.tests[0].setup,
    }


# -- 1. images ---------------------------------------------------------------------------


def build(bench: Bench) -> dict[str, Any]:
    """The four images built with only the base image present (Docker's layer cache off),
    then found cached by `pytest-daos build`."""
    args = ["build", "--daos-rebuild", *bench.recipe.args]
    cold = run_command([sys.executable, "-m", "benchmarks.coldbuild", *args], "cold build")
    built = list(_BUILT.finditer(cold.output))
    if len(built) != 4 or any(match.group(2) != "built" for match in built):
        raise BenchError(f"the cold build did not build four images:\n{cold.output}")
    reused = _cached_steps()
    # the images the rebuild replaced, now untagged
    docker_client().images.prune(filters={"dangling": True, "label": KEY_LABEL})
    cached = [bench.cli("build") for _ in range(bench.plan.repeat)]
    bench.progress(
        f"cold build {cold.wall:.1f}s ({reused} build steps from Docker's cache), "
        f"cached {min(cached):.2f}s"
    )
    return {
        "cold_s": [cold.wall],
        "cold_images_s": {match.group(1): float(match.group(3)) for match in built},
        "cold_cached_steps": reused,
        "cached_s": cached,
    }


def _cached_steps() -> int:
    """Build steps Docker took from its cache in the last builds (the build logs)."""
    state = os.environ.get("PYTEST_DAOS_STATE_DIR") or (
        Path(tempfile.gettempdir()) / f"pytest-daos-{os.getuid()}"
    )
    logs = Path(state) / "logs"
    return sum(path.read_text().count("Using cache") for path in logs.glob("build-*.log"))


# -- 2, 3, 5. starts, per-test costs, teardown --------------------------------------------


def _kind(tests: list[Any]) -> dict[str, list[float]]:
    return {
        "total_s": [test.total for test in tests],
        "setup_s": [test.setup for test in tests],
        "call_s": [test.call for test in tests],
        "teardown_s": [test.teardown for test in tests],
    }


def per_test(run: PytestRun) -> dict[str, Any]:
    """Per-test costs of the kinds session (`suites.kinds`)."""
    kinds: dict[str, Any] = {
        "container": _kind(run.named("test_container")),
        "pool": _kind(run.named("test_pool_per_test")),
        "exec": _kind(run.named("test_exec")),
        "mount": _kind(run.named("test_mount")),
    }
    kinds["pool"]["create_s"] = [t.properties["create_s"] for t in run.named("test_pool_per_test")]
    kinds["exec"]["per_call_s"] = [
        s for t in run.named("test_exec") for s in t.properties["exec_s"]
    ]
    kinds["mount"]["mount_s"] = [t.properties["mount_s"] for t in run.named("test_mount")]
    kinds["container_work"] = _kind(run.named("test_container_work"))
    fresh = run.named("test_container_fresh")
    if fresh:
        kinds["container_fresh"] = _kind(fresh)
    return kinds


def _said(bench: Bench, name: str, run: PytestRun, session: dict[str, Any]) -> None:
    teardown = session["teardown_s"]
    bench.progress(
        f"{name}: start-up {run.startup:.1f}s, cluster start {session['cluster_start_s']:.1f}s, "
        + (f"teardown {teardown:.1f}s, " if teardown is not None else "")
        + f"wall {run.wall:.1f}s"
    )


def warm(bench: Bench, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    """Starts with cached images: `repeat` sessions (at least one more than the `earlier`
    ones); the last runs the kinds session, whose per-test costs are kept."""
    sessions = list(earlier)
    total = max(bench.plan.repeat, len(sessions) + 1)
    for _ in range(total - len(sessions) - 1):
        run = bench.pytest("start", suites.FIRST, [], 1)
        sessions.append(_session(run))
        _said(bench, f"warm start {len(sessions)}/{total}", run, sessions[-1])
    per_kind = bench.plan.per_kind
    tests = suites.kinds(per_kind, bench.recipe.pool_per_test, bench.fresh_marker)
    run = bench.pytest("kinds", tests, [], 1 + per_kind * (6 if bench.fresh_marker else 5))
    sessions.append(_session(run))
    _said(bench, f"warm start {len(sessions)}/{total} (per-test kinds)", run,
          sessions[-1])  # fmt: skip
    return {"sessions": sessions, "per_test": per_test(run)}


# -- 5, 6, 7. keep, reuse, down; pool sizes; the references -------------------------------


def keep_reuse(bench: Bench, spec_folder: Path) -> dict[str, Any]:
    """Keep, the nodes' cores over time after it, capture the nodes for the references,
    reuse (attach; each pool size), down."""
    result: dict[str, Any] = {"attach": [], "pool_create_s": {}}
    kept, ended = _kept(bench)
    result["keep_wall_s"] = kept.wall
    # its start is a warm start like any other; its end removes nothing
    result["start"] = {**_session(kept), "teardown_s": None}
    _said(bench, "warm start 1 (--daos-keep)", kept, result["start"])
    try:
        result["idle_cores_over_time"] = idle_after(bench, ended)
        spec = capture(docker_client(), spec_folder, DEFAULT_HUGEPAGES, DEFAULT_POOL)
        spec.save(spec_folder / "spec.json")
        for _ in range(bench.plan.repeat):
            run = bench.pytest("reuse", suites.ATTACH, ["--daos-reuse"], 1)
            if run.summary.attached is None:
                raise BenchError(f"the --daos-reuse run started a cluster:\n{run.output}")
            result["attach"].append(
                {
                    "startup_s": run.startup,
                    "attach_s": sum(run.cluster_start.values()),
                    "launch_to_first_call_s": run.launch_to_first_call,
                    "wall_s": run.wall,
                }
            )
        for size in bench.plan.pool_sizes:
            samples = []
            for _ in range(bench.plan.sweep_repeat):
                args = ["--daos-reuse", f"--daos-pool-size={size}"]
                samples.append(bench.pytest("pool", suites.POOL, args, 1).tests[0].setup)
            result["pool_create_s"][size] = samples
    finally:
        result["down_s"] = bench.cli("down")
    bench.progress(
        "reuse attach "
        + ", ".join(f"{a['startup_s']:.1f}s" for a in result["attach"])
        + "; pool create "
        + ", ".join(f"{size} {min(s):.1f}s" for size, s in result["pool_create_s"].items())
        + f"; down {result['down_s']:.1f}s"
    )
    return result


def _kept(bench: Bench) -> tuple[PytestRun, float]:
    """A `--daos-keep` run of the smallest suite, and when it ended (time.monotonic)."""
    kept = bench.pytest("keep", suites.FIRST, ["--daos-keep"], 1)
    return kept, time.monotonic() - (time.time() - kept.exited)


def idle_after(bench: Bench, ended: float) -> dict[str, Any]:
    """The cores each node of the kept cluster takes, no test running, sampled every
    `idle.EVERY_S` seconds over the plan's window after the kept run `ended`."""
    series = idle.sample(docker_client(), ended, bench.plan.idle_window_s)
    server = idle.settling(series)
    if server is not None:
        settled = (
            f"below {idle.SETTLED_CORES:g} from {server.settled_s:.0f}s"
            if server.settled_s is not None
            else f"not below {idle.SETTLED_CORES:g} within {server.window_s:.0f}s"
        )
        bench.progress(
            f"server node after the kept run: up to {server.peak:.2f} cores "
            f"({server.peak_at_s:.0f}s), {settled}"
        )
    return series


def idle_after_start(bench: Bench) -> dict[str, Any]:
    """`--only idle`: a kept start, the nodes' cores over the window after it, down."""
    _, ended = _kept(bench)
    try:
        return idle_after(bench, ended)
    finally:
        bench.cli("down")


def reference_runs(bench: Bench, spec_folder: Path) -> dict[str, Any]:
    """bare.sh and the floor, `repeat` times each, on the captured nodes."""
    spec = ClusterSpec.load(spec_folder / "spec.json")
    bare, floor = [], []
    for number in range(1, bench.plan.repeat + 1):
        bare.append(references.bare(spec, spec_folder))
        trips = bench.plan.round_trips if number == 1 else 0  # per-test samples: once
        floor.append(references.floor_run(spec, trips))
        bench.progress(
            f"references {number}/{bench.plan.repeat}: bare to joined "
            f"{bare[-1]['to_joined_s']:.1f}s, floor to joined {floor[-1]['to_joined_s']:.1f}s"
        )
    return {"bare": bare, "floor": floor}


# -- 6. starts against the settings ---------------------------------------------------------


def sizes(bench: Bench, warm_sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """Cluster starts against --daos-scm-size and --daos-hugepages (the defaults' samples
    are the warm starts)."""
    result: dict[str, dict[str, list[dict[str, Any]]]] = {"scm": {}, "hugepages": {}}
    axes = (
        ("scm", "--daos-scm-size", DEFAULT_SCM, bench.plan.scm_sizes),
        ("hugepages", "--daos-hugepages", DEFAULT_HUGEPAGES, bench.recipe.hugepages),
    )
    for axis, option, default, values in axes:
        for value in values:
            if value == default:
                result[axis][str(value)] = warm_sessions
                continue
            runs = []
            for _ in range(bench.plan.sweep_repeat):
                run = bench.pytest("size", suites.FIRST, [f"{option}={value}"], 1)
                runs.append(_session(run))
            result[axis][str(value)] = runs
            starts = ", ".join(f"{run['cluster_start_s']:.1f}s" for run in runs)
            bench.progress(f"{option}={value}: cluster start {starts}")
    return result


# -- 4, 9. pytest-xdist suites --------------------------------------------------------------


def xdist(bench: Bench, tests: int, workers: tuple[int, ...]) -> dict[str, Any]:
    """A suite of `tests` container tests under -n N for each N: wall time, starts, the
    tests' span (each worker makes its own session pool: SUITE_ARGS make room for four)."""
    result: dict[str, Any] = {}
    for count in workers:
        args = ["-n", str(count), *SUITE_ARGS]
        run = bench.pytest("xdist", suites.containers(tests), args, tests)
        starts = run.summary.starts
        result[str(count)] = [{
            "wall_s": run.wall,
            "cluster_starts": len(starts),
            "cluster_start_s": sum(starts[0].values()) if starts else None,
            "tests_span_s": run.tests_span,
            "teardown_s": run.teardown,
            "test_total_s": [test.total for test in run.tests],
        }]  # fmt: skip
        bench.progress(
            f"{tests} tests -n {count}: wall {run.wall:.1f}s, tests {run.tests_span:.1f}s, "
            f"{len(starts)} 'cluster start:' line(s)"
        )
    return result


def fitting_tests(
    suite: dict[str, Any], tests: int, workers: tuple[int, ...], seconds: float, most: int
) -> int:
    """How many tests a suite under each of `workers` can run in `seconds`, projected from
    a measured suite of `tests` tests."""
    fixed = per_test = 0.0
    for count in workers:
        runs = suite.get(str(count)) or suite.get("1") or []
        if not runs:
            return most
        outside, each = suite_cost(runs[0], tests)
        fixed, per_test = fixed + outside, per_test + each
    return max(0, min(most, int((seconds - fixed) / per_test)))


# -- 10. the example fault drill ------------------------------------------------------------


def drill_args(join_delay: float | None) -> list[str]:
    """The drill's options: two engines, and the sim's join delay (None: its default)."""
    delay = [] if join_delay is None else [f"--daos-sim-join-delay={join_delay:g}"]
    return ["--daos-engines=2", *delay]


def drill(bench: Bench, join_delays: tuple[float | None, ...]) -> list[dict[str, Any]]:
    """The example fault drill (examples/tests/test_drill.py) on two engines, `repeat` runs
    for each of `join_delays`: the drill test's call phase (the cluster's start and the
    drill pool's creation are not in it), the cluster's start and the whole run."""
    settings = []
    for delay in join_delays:
        args, samples = drill_args(delay), []
        for _ in range(bench.plan.repeat):
            run = bench.pytest("drill", EXAMPLE_DRILL.read_text(), args, 1)
            test = run.named(DRILL_TEST)[0]
            samples.append({
                "call_s": test.call,
                "setup_s": test.setup,
                "cluster_start_s": sum(run.cluster_start.values()),
                "wall_s": run.wall,
            })  # fmt: skip
            bench.progress(
                f"drill {' '.join(args)}: the test's call {test.call:.1f}s, cluster start "
                f"{samples[-1]['cluster_start_s']:.1f}s, wall {run.wall:.1f}s"
            )
        settings.append({"join_delay": delay, "args": args, "samples": samples})
    return settings
