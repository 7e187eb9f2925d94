"""The tables of a recipe's section of docs/performance.md, as markdown lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import idle
from .plan import DRILL_JOIN_DELAY
from .stats import median, suite_cost, text
from .targets import DRILL_S, drill_setting, start_parts


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table, and the blank line after it."""
    return [_line(header), _line(["---"] * len(header)), *(_line(cells) for cells in rows), ""]


def seconds(amount: float | None, unit: str = "s") -> str:
    """`1.23 s` or `123 ms`; `-` for no value."""
    if amount is None:
        return "-"
    return f"{amount * 1000:.0f} ms" if unit == "ms" else f"{amount:.2f} s"


def start(results: dict[str, Any]) -> list[str]:
    sessions = results["warm"]["sessions"]
    refs = results.get("references", {})
    bare, floor = refs.get("bare", []), refs.get("floor", [])
    parts = start_parts(results)
    rows = [
        [
            "plugin",
            text([s["phases"].get("prerequisites") for s in sessions]),
            text([s["phases"].get("images") for s in sessions]),
            text([s["phases"].get("nodes") for s in sessions]),
            text([s["phases"].get("format and join") for s in sessions]),
            text([s["cluster_start_s"] for s in sessions]),
            text([s["first_setup_s"] for s in sessions]),
            text([s["startup_s"] for s in sessions]),
            text([s["teardown_s"] for s in sessions]),
        ]
    ]
    for name, runs in (("bare.sh", bare), ("floor", floor)):
        if not runs:
            continue
        key = "bare" if name == "bare.sh" else "floor"
        rows.append(
            [
                name,
                "-",
                "-",
                seconds(parts[key]["nodes"]),
                seconds(parts[key]["format and join"]),
                text([run["to_joined_s"] for run in runs]),
                seconds(parts[key]["pool and container"]),
                text([run["to_container_s"] for run in runs]),
                text([run["remove_s"] for run in runs]),
            ]
        )
    launch = text([s["launch_to_first_call_s"] for s in sessions])
    return [
        "### Start",
        "",
        *table(
            [
                "",
                "prerequisites",
                "images",
                "nodes",
                "format and join",
                "to joined",
                "pool and container",
                "to the first test",
                "teardown",
            ],
            rows,
        ),
        f"From the launch of the pytest process to the first test's call: {launch} (the "
        "plugin's start-up line counts from pytest's configuration). The nodes of bare.sh and "
        "the floor include reserving hugepages, as the plugin's do. Their teardown is removing "
        "the nodes; the plugin's is the session's end to the process exit.",
        "",
    ]


def images(results: dict[str, Any]) -> list[str]:
    build = results.get("build")
    if not build:
        return []
    rows = [
        [
            "cold build of the four images (`pytest-daos build --daos-rebuild`, no layer cache)",
            text(build["cold_s"]),
        ]
    ]
    rows += [[f"  {tag}", seconds(took)] for tag, took in build["cold_images_s"].items()]
    rows.append(["cached check (`pytest-daos build` again)", text(build["cached_s"])])
    return ["### Images", "", *table(["", "time"], rows)]


def per_test(results: dict[str, Any]) -> list[str]:
    kinds = results["warm"]["per_test"]
    rows = []
    for kind, data in kinds.items():
        rows.append(
            [
                kind.replace("_", " "),
                str(len(data["total_s"])),
                text(data["setup_s"], "ms"),
                text(data["call_s"], "ms"),
                text(data["teardown_s"], "ms"),
                text(data["total_s"], "ms"),
            ]
        )
    floor = results.get("references", {}).get("floor", [])
    extra = [
        ['`client.exec(["true"])`, per call', text(kinds["exec"]["per_call_s"], "ms")],
        ["`daos_container.mount()`", text(kinds["mount"]["mount_s"], "ms")],
        ["pool create (in the test)", text(kinds["pool"]["create_s"], "ms")],
    ]
    if floor:
        extra += [
            [
                "floor: `exec true` round trip",
                text([s for r in floor for s in r["exec_true_s"]], "ms"),
            ],
            [
                "floor: `daos container create`",
                text([s for r in floor for s in r["container_create_s"]], "ms"),
            ],
            [
                "floor: `daos container destroy`",
                text([s for r in floor for s in r["container_destroy_s"]], "ms"),
            ],
        ]
    return [
        "### Per test",
        "",
        *table(["kind", "tests", "setup", "call", "teardown", "total"], rows),
        *table(["", "time"], extra),
    ]


def sharing(results: dict[str, Any]) -> list[str]:
    shared = results.get("keep_reuse")
    if not shared:
        return []
    attach = shared["attach"]
    rows = [
        ["`--daos-keep` run (start, one test, left running)", text([shared["keep_wall_s"]])],
        ["`--daos-reuse`: plugin start-up", text([a["startup_s"] for a in attach])],
        ["`--daos-reuse`: its attach phase", text([a["attach_s"] for a in attach])],
        [
            "`--daos-reuse`: process launch to first call",
            text([a["launch_to_first_call_s"] for a in attach]),
        ],
        ["`--daos-reuse`: whole run", text([a["wall_s"] for a in attach])],
        ["`pytest-daos down`", text([shared["down_s"]])],
    ]
    one_sample = shared.get("idle_cores")
    series = shared.get("idle_cores_over_time")
    if one_sample and not series:  # results measured before the series
        rows.append([
            "cores the nodes use right after the `--daos-keep` run (one sample of about a "
            "second; " + ", ".join(one_sample) + ")",
            ", ".join(f"{cores:.2f}" for cores in one_sample.values()),
        ])  # fmt: skip
    rows += [
        [f"session pool of `--daos-pool-size={size}`: creation (first test's setup)", text(samples)]
        for size, samples in shared["pool_create_s"].items()
    ]
    return [
        "### Keep, reuse, down; the session pool's size",
        "",
        *table(["", "time"], rows),
        *idle_cores(series, results["machine"]["cores"]),
    ]


def idle_cores(series: dict[str, Any] | None, host_cores: int) -> list[str]:
    """The cores each node took after the `--daos-keep` run, over time: its peak, when it
    settled, what it took then and every sample."""
    if not series:
        return []
    every, window = series["every_s"], series["window_s"]
    rows = []
    for role in idle.roles(series):
        node = idle.settling(series, role)
        if node is None:
            continue
        rows.append([
            role,
            f"{node.peak:.2f} ({node.peak_at_s:.0f} s)",
            f"not within {window:g} s" if node.settled_s is None else f"{node.settled_s:.0f} s",
            "-" if node.settled is None else f"{node.settled:.2f}",
            ", ".join(f"{cores:.2f}" for cores in series["samples"][role]),
        ])  # fmt: skip
    measured = ""
    if "date" in series:
        measured = (
            f" Measured {series['date']} by `{series['command']}`, plugin code {series['plugin']}."
        )
    header = ["node", "peak (when)", f"below {idle.SETTLED_CORES:g} core from", "then",
              f"every {every:g} s"]  # fmt: skip
    settled = idle.SETTLED_CORES
    return [
        f"Cores each node took after the `--daos-keep` run ended, no test running (the host "
        f"has {host_cores}): Docker's CPU counters read every {every:g} s for {window:g} s, "
        "each sample the node's CPU time since the reading before. *Below "
        f"{settled:g} core from*: the seconds after the run's end from which every sample "
        f"stayed below {settled:g}; *then*: the median of those samples.{measured}",
        "",
        *table(header, rows),
    ]


def xdist(results: dict[str, Any]) -> list[str]:
    rows, notes = [], []
    for suite in results.get("xdist", []):
        tests = str(suite["tests"])
        if "asked" in suite and suite["tests"] < suite["asked"]:
            notes.append(_cut_note(suite, results["xdist"][0]))
            if not suite["workers"]:
                continue
        for workers, runs in suite["workers"].items():
            rows.append([
                tests, workers, text([r["wall_s"] for r in runs]),
                text([r["cluster_start_s"] for r in runs]),
                text([r["tests_span_s"] for r in runs]),
                text([s for r in runs for s in r["test_total_s"]], "ms"),
                ", ".join(str(r["cluster_starts"]) for r in runs),
            ])  # fmt: skip
    header = ["tests", "-n", "wall", "cluster start", "first test to last", "per test",
              "`cluster start:` lines"]  # fmt: skip
    return ["### pytest-xdist", "", *table(header, rows), *[f"{note}\n" for note in notes]]


def _cut_note(suite: dict[str, Any], measured: dict[str, Any]) -> str:
    """Why the large suite is smaller than asked, and what the full size would take."""
    asked, budget = suite["asked"], suite.get("budget_s") or 0.0
    ran = f"ran {suite['tests']} tests" if suite["workers"] else "did not run"
    projections = []
    for workers, runs in measured["workers"].items():
        if workers in ("1", "4") and runs:
            outside, each = suite_cost(runs[0], measured["tests"])
            projections.append(f"-n {workers} about {outside + asked * each:.0f} s")
    return (
        f"The {asked}-test suite {ran}: this recipe's share of the run's time limit was "
        f"{budget:.0f} s. From the {measured['tests']}-test suite, {asked} tests would take "
        + ", ".join(projections)
        + ". `python -m benchmarks --budget 0` runs them all."
    )


def settings(results: dict[str, Any]) -> list[str]:
    rows = []
    for axis, option in (("scm", "--daos-scm-size"), ("hugepages", "--daos-hugepages")):
        for value, runs in results.get("sizes", {}).get(axis, {}).items():
            rows.append(
                [
                    f"`{option}={value}`",
                    text([r["cluster_start_s"] for r in runs]),
                    text([r["phases"].get("nodes") for r in runs]),
                    text([r["phases"].get("format and join") for r in runs]),
                    str(len(runs)),
                ]
            )
    header = ["setting", "cluster start", "nodes", "format and join", "samples"]
    return ["### Start against the settings", "", *table(header, rows)]


def drill(results: dict[str, Any]) -> list[str]:
    """The example fault drill on two engines, each setting's runs, and which setting
    holds its target."""
    measured = results.get("drill")
    if not measured:
        return []
    rows, calls = [], {}
    for setting in measured["settings"]:
        samples = setting["samples"]
        calls[setting["join_delay"]] = median([sample["call_s"] for sample in samples])
        rows.append([
            drill_setting(setting["join_delay"]),
            str(len(samples)),
            text([sample["call_s"] for sample in samples]),
            text([sample["setup_s"] for sample in samples]),
            text([sample["cluster_start_s"] for sample in samples]),
            text([sample["wall_s"] for sample in samples]),
        ])  # fmt: skip
    header = ["setting", "runs", "the drill test", "its setup", "cluster start", "whole run"]
    return [
        "### Fault drill",
        "",
        f"Measured {measured['date']} by `{measured['command']}`, plugin code "
        f"{measured['plugin']}.{_drill_load(results)}",
        "",
        *table(header, rows),
        _drill_note(calls),
        "",
    ]


def _drill_load(results: dict[str, Any]) -> str:
    """The host's load average as the drill's runs began and ended."""
    load = results["drill"].get("loadavg")
    if not load:
        return ""
    start, end = (" / ".join(f"{v:.2f}" for v in load[when]) for when in ("start", "end"))
    return f" Load average of the host (1 / 5 / 15 minutes) at the start {start}, at the end {end}."


def _drill_note(calls: dict[float | None, float | None]) -> str:
    """Which setting holds the drill's target and why the default delays do not."""
    note = (
        f"The target (the drill test under {DRILL_S:g} s) is set for "
        f"{drill_setting(DRILL_JOIN_DELAY)}, the setting tests/integration runs the drill "
        "with; the default delays have none. The default join delay "
        "(`--daos-sim-join-delay`) imitates the time a rank of real DAOS takes to join "
        "(2.6.5: 3 to 10 s after format, 6 to 12 s when a stopped rank starts again), which "
        "the drill pays when its rank comes back and the session when the cluster starts: "
        "that setting imitates, it is not asked to be fast."
    )
    held, default = calls.get(DRILL_JOIN_DELAY), calls.get(None)
    if held is not None and default is not None:
        note += (
            f" Here the default delays made the drill test {default - held:+.1f} s longer "
            f"({default:.1f} s)."
        )
    return note
