"""`python -m benchmarks [--quick] [--recipes sim,local] [--repeat N] [--out DIR]
[--only drill|idle]`

Runs the measurements of each recipe (sim; local where /opt/daos exists), writes
`<recipe>.json`, then the report and its plots. Run it from the repository root with the
project's virtual environment, as root, with no DAOS cluster running.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

from . import plugin_code, report, scenarios
from .host import leftovers, machine, nr_hugepages, remove_bench_containers
from .plan import IDLE_WINDOW_S, QUICK_IDLE_WINDOW_S, RECIPES, Plan, Recipe, plan
from .runner import BenchError, cli

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "performance.md"
T = TypeVar("T")
#: The full run's time limit (seconds): the large suite is cut to what fits in it.
FULL_BUDGET = 570.0
#: Seconds kept for writing the results and the report.
REPORT_SECONDS = 15.0
#: A large suite of fewer tests is not run.
MIN_LARGE = 10


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=(__doc__ or "").split("\n\n")[-1]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one repetition of the smallest set (for CI, a few minutes)",
    )
    parser.add_argument(
        "--recipes",
        default=None,
        help="comma-separated: sim, local (default: sim, and local where /opt/daos exists)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="samples of each start, reference and attach (default 2; quick 1)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds the whole run may take: the large suite gets what is left (default "
        f"{FULL_BUDGET:.0f} in full mode, none in quick mode; 0: no limit)",
    )
    parser.add_argument(
        "--plugin-code",
        choices=("head", "worktree"),
        default="head",
        help="measure the plugin of the repository's HEAD (default; edits made during the run "
        "change nothing) or the working tree as it is",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="measure nothing: write the report and plots again from the JSON results",
    )
    parser.add_argument(
        "--only",
        choices=tuple(ONLY),
        default=None,
        help="measure only this ("
        + "; ".join(f"{name}: {only.what}" for name, only in ONLY.items())
        + ") and write it into each recipe's existing JSON results, then the report",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder for the JSON results, performance.md and the plots "
        "(default: benchmarks/results/, docs/performance.md, docs/performance/)",
    )
    return parser.parse_args(argv)


class Clock:
    """Elapsed time since the start, and progress lines that show it."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        print(f"[{self.elapsed():6.1f}s] {message}", flush=True)


def _check_clean(expected_nr: int) -> None:
    found = leftovers(expected_nr)
    if found:
        raise BenchError("left behind: " + "; ".join(found))


def _clean_up() -> None:
    """After a failure: the kept or recorded cluster, the references' containers."""
    try:
        cli(["down", "--force"], timeout=120)  # (it reads the record: no recipe options)
    except Exception as exc:
        print(f"cleanup: pytest-daos down: {exc}", file=sys.stderr)
    try:
        remove_bench_containers()
    except Exception as exc:
        print(f"cleanup: removing the references' containers: {exc}", file=sys.stderr)


class RecipeRun:
    """The measurements of one recipe, its temporary folder and its elapsed times."""

    def __init__(self, recipe: Recipe, the_plan: Plan, work: Path, clock: Clock,
                 state: dict[str, Any], nr: int) -> None:  # fmt: skip
        self.recipe = recipe
        self.plan = the_plan
        self.clock = clock
        self.state = state
        self.nr = nr
        self.bench = scenarios.Bench(
            recipe, the_plan, work, lambda message: clock.say(f"{recipe.name}: {message}"),
            fresh_marker=state["fresh_marker"],
        )  # fmt: skip
        self.spec = work / "nodes"
        self.data: dict[str, Any] = {"xdist": []}
        self.elapsed: dict[str, float] = {}
        #: the host's load (1, 5, 15 minutes) as the recipe's measurements begin and end:
        #: other work on the host shares its cores
        self.loadavg: dict[str, tuple[float, ...]] = {"start": os.getloadavg()}

    def step(self, name: str, action: Callable[[], T]) -> T:
        """One measurement, timed, then checked to have left nothing behind; after a
        failure, what it may have left is removed."""
        self.clock.say(f"{self.recipe.name}: {name}")
        begun = time.monotonic()
        try:
            value = action()
            _check_clean(self.nr)
        except BaseException:
            _clean_up()
            raise
        self.elapsed[name] = time.monotonic() - begun
        self.clock.say(f"{self.recipe.name}: {name} done in {self.elapsed[name]:.1f}s")
        return value

    def measure(self) -> None:
        """Everything but the large suite."""
        bench, data = self.bench, self.data
        data["build"] = self.step("images", lambda: scenarios.build(bench))
        data["keep_reuse"] = self.step(
            "keep, reuse, down", lambda: scenarios.keep_reuse(bench, self.spec)
        )
        kept = [data["keep_reuse"]["start"]]
        data["warm"] = self.step("starts and per-test costs", lambda: scenarios.warm(bench, kept))
        data["references"] = self.step(
            "bare and floor", lambda: scenarios.reference_runs(bench, self.spec)
        )
        sessions = data["warm"]["sessions"]
        data["sizes"] = self.step(
            "starts against the settings", lambda: scenarios.sizes(bench, sessions)
        )
        if self.recipe.drill:
            data["drill"] = self.drill()
        if self.plan.suite is not None:
            tests, workers = self.plan.suite
            runs = self.step(
                f"{tests}-test pytest-xdist suite", lambda: scenarios.xdist(bench, tests, workers)
            )
            data["xdist"].append({"tests": tests, "workers": runs})

    def drill(self) -> dict[str, Any]:
        """The example fault drill, with when and how it ran (`--only drill` adds it to
        results measured earlier)."""
        load = os.getloadavg()
        settings = self.step(
            "the example fault drill",
            lambda: scenarios.drill(self.bench, self.plan.drill_join_delays),
        )
        return {**self.stamp(load), "settings": settings}

    def idle(self) -> dict[str, Any]:
        """`--only idle`: the nodes' cores after a kept start, with when and how it ran (a
        full run measures them in its keep/reuse step)."""
        load = os.getloadavg()
        series = self.step(
            "the nodes' cores after a start", lambda: scenarios.idle_after_start(self.bench)
        )
        return {**series, **self.stamp(load)}

    def stamp(self, load: tuple[float, ...]) -> dict[str, Any]:
        """When, by what command and on which plugin code a measurement ran, and the host's
        load as it began (`load`) and now."""
        return {
            "date": _now(),
            "command": _command(),
            "plugin": self.state["git"],
            "loadavg": {"start": load, "end": os.getloadavg()},
        }

    def large_suite(self, seconds: float | None) -> None:
        """The large suite, cut to what fits in `seconds` (None: as planned)."""
        asked, workers = self.plan.big_suite, self.plan.big_workers
        tests = asked
        if seconds is not None and self.data["xdist"]:
            measured = self.data["xdist"][0]
            tests = scenarios.fitting_tests(
                measured["workers"], measured["tests"], workers, seconds, asked
            )
        entry: dict[str, Any] = {"tests": tests, "asked": asked, "budget_s": seconds}
        if tests < MIN_LARGE:
            self.clock.say(f"{self.recipe.name}: no time left for the large suite ({tests} fit)")
            entry["workers"] = {}
        else:
            entry["workers"] = self.step(
                f"{tests}-test pytest-xdist suite ({asked} asked)",
                lambda: scenarios.xdist(self.bench, tests, workers),
            )
        self.data["xdist"].append(entry)

    def results(self, host: dict[str, Any]) -> dict[str, Any]:
        self.elapsed["total"] = sum(self.elapsed.values())
        self.loadavg["end"] = os.getloadavg()
        return {
            "recipe": self.recipe.name,
            "title": self.recipe.title,
            "args": list(self.recipe.args),
            "date": _now(),
            "command": _command(),
            "plan": asdict(self.plan),
            "plugin": self.state,
            "machine": host,
            "elapsed_s": self.elapsed,
            "loadavg": self.loadavg,
            **self.data,
        }


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _command() -> str:
    return shlex.join(["python", "-m", "benchmarks", *sys.argv[1:]])


@dataclass(frozen=True)
class Only:
    """A measurement `--only` runs alone and writes into each recipe's earlier results."""

    what: str
    keys: tuple[str, ...]  # where in the results it goes
    measures: Callable[[Recipe], bool]  # whether the recipe measures it
    measure: Callable[[RecipeRun], Any]


ONLY = {
    "drill": Only(
        "the example fault drill, on the recipes that measure it",
        ("drill",),
        lambda recipe: recipe.drill,
        RecipeRun.drill,
    ),
    "idle": Only(
        f"the cores each node takes after a start, sampled for {IDLE_WINDOW_S:g} s, "
        f"{QUICK_IDLE_WINDOW_S:g} s with --quick",
        ("keep_reuse", "idle_cores_over_time"),
        lambda recipe: True,
        RecipeRun.idle,
    ),
}


def _add_only(run: RecipeRun, results_dir: Path, name: str) -> None:
    """`--only NAME`: that measurement, written into the recipe's earlier results."""
    only = ONLY[name]
    if not only.measures(run.recipe):
        return
    path = results_dir / f"{run.recipe.name}.json"
    if not path.exists():
        raise BenchError(
            f"--only adds to the results of an earlier run and {path} does not exist: run "
            "`python -m benchmarks` (or --quick) for this recipe first"
        )
    earlier = json.loads(path.read_text())
    *parents, key = only.keys
    place = earlier
    for parent in parents:
        place = place.setdefault(parent, {})
    place[key] = only.measure(run)
    path.write_text(json.dumps(earlier, indent=1) + "\n")
    run.clock.say(f"{run.recipe.name}: --only {name} written into {path}")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    clock = Clock()
    budget = args.budget if args.budget is not None else (None if args.quick else FULL_BUDGET)
    the_plan = plan("quick" if args.quick else "full", args.repeat, budget or None)
    names = args.recipes.split(",") if args.recipes else ["sim", "local"]
    unknown = [name for name in names if name not in RECIPES]
    if unknown:
        print(f"unknown recipe(s) {', '.join(unknown)}: use {', '.join(RECIPES)}", file=sys.stderr)
        return 2
    results_dir = args.out or RESULTS
    markdown = (args.out / "performance.md") if args.out else DOC
    results_dir.mkdir(parents=True, exist_ok=True)
    nr = nr_hugepages()
    if args.report_only:
        return _report(results_dir, markdown, clock)
    try:
        with contextlib.ExitStack() as stack:
            _check_clean(nr)
            code = None
            if args.plugin_code == "head":
                folder = stack.enter_context(
                    tempfile.TemporaryDirectory(prefix="pytest-daos-bench-")
                )
                code = plugin_code.use_head(Path(folder))
            state = {"git": code or plugin_code.describe_worktree(), **plugin_code.features()}
            host = machine()
            clock.say(f"{the_plan.mode} mode, recipes {', '.join(names)}, budget "
                      f"{the_plan.budget or 'none'}; plugin {state}; {host}")  # fmt: skip
            runs = []
            for name in names:
                recipe = RECIPES[name]
                missing = recipe.missing()
                if missing:
                    clock.say(f"{name}: skipped ({missing})")
                    continue
                work = stack.enter_context(
                    tempfile.TemporaryDirectory(prefix=f"pytest-daos-bench-{name}-")
                )
                run = RecipeRun(recipe, the_plan, Path(work), clock, state, nr)
                if args.only:
                    _add_only(run, results_dir, args.only)
                    continue
                run.measure()
                runs.append(run)
            for index, run in enumerate(runs):  # what is left of the budget, shared
                share = None
                if the_plan.budget is not None:
                    left = the_plan.budget - clock.elapsed() - REPORT_SECONDS
                    share = left / (len(runs) - index)
                run.large_suite(share)
                path = results_dir / f"{run.recipe.name}.json"
                path.write_text(json.dumps(run.results(host), indent=1) + "\n")
                clock.say(f"{run.recipe.name}: results in {path}")
    except BenchError as exc:
        clock.say(f"benchmark failed: {exc}")
        return 1
    return _report(results_dir, markdown, clock)


def _report(results_dir: Path, markdown: Path, clock: Clock) -> int:
    """The report of every recipe whose results are in `results_dir`."""
    every = [json.loads((results_dir / f"{name}.json").read_text())
             for name in RECIPES if (results_dir / f"{name}.json").exists()]  # fmt: skip
    if not every:
        print(f"no results in {results_dir}", file=sys.stderr)
        return 1
    report.write(every, markdown, markdown.parent / "performance")
    clock.say(f"report in {markdown}; total {clock.elapsed():.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
