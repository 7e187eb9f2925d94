"""docs/performance.md from the JSON results: the machine, then per recipe the targets,
the tables and the plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import plots, tables
from .idle import EVERY_S
from .plan import IDLE_WINDOW_S, QUICK_IDLE_WINDOW_S, SUITE_ARGS
from .targets import Target, targets

METHOD = f"""\
## How it is measured

Every figure is the median of its samples, with the lowest and highest in brackets; each
recipe's header says how many samples were taken. All pytest runs are real subprocesses
(`python -m pytest -p no:cacheprovider`) on downstream test files generated into a temporary
folder, with a conftest that records every test's setup, call and teardown durations
(pytest's `report.duration`) and the moment `pytest_sessionfinish` begins. The plugin
measured is the repository's HEAD, copied out before the run.

- **Images**: `pytest-daos build --daos-rebuild` with Docker's layer cache off (other
  images on the host share build steps with the recipe's), the base image present; then
  `pytest-daos build` again, which finds the four images cached.
- **Start**: sessions whose images are cached (the first is a `--daos-keep` run, whose
  teardown is not counted). *Cluster start* is the plugin's `cluster start:` summary line
  (prerequisites, images, nodes, format and join); *plugin start-up* is its `plugin
  start-up (pytest start to first test)` line, which also counts pytest's collection and
  the first test's setup (the session pool and a container).
- **Bare** (`benchmarks/bare.sh`): the same three nodes started by hand with the docker CLI
  (same images, options and configuration files, copied from a running plugin cluster),
  polled every 0.25 s: `dmg storage scan` until it answers, `dmg storage format`, `dmg system
  query` until every rank is joined, one more `dmg system query`, a pool, a container.
- **Floor** (`benchmarks/floor.py`): the least work for the same result through the Docker
  SDK's low-level API: three containers created and started with the files bound in, `dmg`
  polled every 0.05 s with two API calls per round trip; then samples of `exec true` and of
  `daos container create` + `destroy`, the per-test floor. Both references reserve
  hugepages as the plugin does and remove everything after.
- **Per test**: one session with a first test, then tests of each kind: a `daos_container`
  test that does nothing else (the tests come back to back); one with the plugin's
  fresh-container marker when the plugin has one; a pool of its own per test
  (`daos_pool_factory(scope="function")`); ten `daos_cluster.client.exec(["true"])`; a
  `daos_container.mount()`; a `daos_container` test that works for 0.5 s (a sleep: the
  time a test of its own gives the background threads). A test's cost is its setup + call
  + teardown; a container's share of it, its setup + teardown.
- **Teardown**: from the start of `pytest_sessionfinish` (every test and fixture done) to
  the exit of the pytest process.
- **Cores after a start**: right after the `--daos-keep` run ends (a start, one test, the
  cluster left running), Docker's CPU counters of each node are read every {EVERY_S:g} s for
  {IDLE_WINDOW_S:g} s ({QUICK_IDLE_WINDOW_S:g} s in quick mode) while no test runs; each sample is
  the node's CPU time since the reading before, in cores. The series shows what the nodes
  take beside a suite that runs right after its start: DAOS's engine works on after format,
  then settles. `python -m benchmarks --only idle` measures it alone into the earlier
  results (which held one sample of about a second before).
- **Reuse**: `--daos-reuse` runs of a test that uses only `daos_cluster` (attach) and of one
  that uses `daos_pool` with each `--daos-pool-size` (the pool's creation is that test's
  setup), on the kept cluster, after the cores are sampled; then `pytest-daos down`.
- **pytest-xdist**: suites of `daos_container` tests under `-n N`; the wall time of the
  pytest process and the number of `cluster start:` lines (one: the start is paid once).
  Each worker makes its own session pool: real DAOS 2.6.5 with the default sizes held
  three or four of 2G, varying between runs (the tests of a worker whose pool does not fit
  fail with a message that names the sizes to change), so the suites run with room for
  four pools. The large suite runs last, cut to
  what fits in the full run's time limit (`--budget`).
- **Fault drill** (the sim recipe only: on real DAOS it takes minutes, and tests/real runs
  it): the example `examples/tests/test_drill.py` (a rank taken down and brought back)
  with `--daos-engines=2`, with `--daos-sim-join-delay=0.2` as tests/integration runs it
  and, in full mode, with the default delays. *The drill test* is its call phase: the
  cluster's start and the drill pool's creation (its setup) are apart; *whole run*, the
  pytest process. `python -m benchmarks --only drill` measures it alone into the earlier
  results.
- **Load**: the host's load average at the start and the end of each recipe's
  measurements, in its header: other work on the host shares its cores, and the figures
  move with it.
"""


def _target_rows(rows: list[Target]) -> list[list[str]]:
    out = []
    for row in rows:
        unit = "ms" if row.plugin is not None and row.plugin < 1 else "s"
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
        holds = {True: "yes", False: "**no**", None: "-"}[row.holds]
        reference = row.reference
        if row.reference_value is not None:
            reference += f": {tables.seconds(row.reference_value, unit)}"
        out.append(
            [
                row.what,
                tables.seconds(row.plugin, unit),
                reference,
                ratio,
                row.target,
                holds,
                row.why,
            ]
        )
    return out


def _load(results: dict[str, Any]) -> str:
    """The host's load average as the recipe's measurements began and ended."""
    load = results.get("loadavg")
    if not load or "end" not in load:
        return ""

    def said(values: list[float]) -> str:
        return " / ".join(f"{value:.2f}" for value in values)

    return (
        f" Load average of the host (1 / 5 / 15 minutes; {results['machine']['cores']} cores) "
        f"at the start {said(load['start'])}, at the end {said(load['end'])}: other work on "
        "the host shares the cores."
    )


def _recipe_section(results: dict[str, Any], images: dict[str, str]) -> list[str]:
    plan = results["plan"]
    plugin = results["plugin"]
    lines = [
        f"## {results['title']}",
        "",
        f"Measured {results['date']} in {results['elapsed_s']['total']:.0f} s by "
        f"`{results['command']}` ({plan['mode']} mode; samples: {plan['repeat']} of each "
        f"start, reference and attach, {plan['sweep_repeat']} of each other setting, one of each "
        f"pytest-xdist suite, run with `{' '.join(SUITE_ARGS)}`); plugin "
        f"code {plugin['git']}; containers made ahead of need: "
        f"{'yes (`--daos-prefetch`)' if plugin['prefetch'] else 'no'}; fresh-container "
        f"marker: {plugin['fresh_marker'] or 'none'}.{_load(results)}",
        "",
        "### Targets",
        "",
        *tables.table(
            ["measure", "plugin", "reference", "ratio", "target", "holds", "why not"],
            _target_rows(targets(results)),
        ),
    ]
    sections = (
        (tables.start, "start"),
        (tables.images, None),
        (tables.per_test, "per-test"),
        (tables.sharing, None),
        (tables.xdist, "xdist"),
        (tables.settings, "settings"),
        (tables.drill, None),
    )
    for section, plot in sections:
        lines += section(results)
        if plot and plot in images:
            lines += [f"![{plot} ({results['recipe']})](performance/{images[plot]})", ""]
    return lines


def write(all_results: list[dict[str, Any]], markdown: Path, plot_folder: Path) -> Path:
    """Write the markdown (and the plots, when matplotlib is installed)."""
    machine = all_results[0]["machine"] if all_results else {}
    lines = [
        "# Performance",
        "",
        "Generated by `python -m benchmarks` (from the repository root, with the project's "
        "virtual environment and `pip install --group bench`), which rewrites this file, "
        "`benchmarks/results/<recipe>.json` and the plots in `docs/performance/`. Do not edit "
        "it by hand.",
        "",
        "## Machine",
        "",
        *tables.table(
            ["cores", "CPU", "memory", "kernel", "OS", "Docker", "Python"],
            [
                [
                    str(machine.get("cores")),
                    str(machine.get("cpu")),
                    f"{machine.get('memory_gib')} GiB",
                    str(machine.get("kernel")),
                    str(machine.get("os")),
                    str(machine.get("docker")),
                    str(machine.get("python")),
                ]
            ],
        ),
        METHOD,
    ]
    if not plots.available():
        lines += ["(matplotlib is not installed: no plots; `pip install --group bench`.)", ""]
    for results in all_results:
        images = plots.write_all(results, plot_folder) if plots.available() else {}
        lines += _recipe_section(results, images)
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text("\n".join(lines).rstrip() + "\n")
    return markdown
