"""The report's plots (matplotlib, Agg): start phases of plugin, bare and floor; per-test
costs; pytest-xdist scaling; starts against SCM size and hugepages. One PNG each per
recipe; `available()` says whether matplotlib is installed (the report goes without)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from .stats import Stat, median
from .targets import start_parts

PARTS = ("checks", "nodes", "format and join", "pool and container", "pytest")
COLORS = ("#9e9e9e", "#4c72b0", "#dd8452", "#55a868", "#c9b1e0")


def available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure: Any, path: Path, bottom: float = 0.0) -> Path:
    """Write the figure (`bottom`: the share of its height kept for a figure legend)."""
    figure.tight_layout(rect=(0, bottom, 1, 1))
    figure.savefig(path, dpi=100)
    _pyplot().close(figure)
    return path


def _stacked(
    path: Path,
    labels: list[str],
    series: list[tuple[str, list[float], str]],
    titles: tuple[str, str],
    legend_below: float,
) -> Path:
    """Horizontal bars of `labels` from the top down, each `series` (its label, widths,
    colour) stacked on the ones before it; `titles` are the x axis's and the plot's, the
    legend is one row of the series, `legend_below` of the axes' height under them."""
    figure, axes = _pyplot().subplots(figsize=(8, 3.6))
    left = [0.0] * len(labels)
    for label, widths, color in series:
        axes.barh(labels, widths, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    axes.invert_yaxis()
    axes.set_xlabel(titles[0])
    axes.set_title(titles[1])
    axes.legend(
        loc="upper center", bbox_to_anchor=(0.5, -legend_below), fontsize="small", ncol=len(series)
    )
    return _save(figure, path)


def start(results: dict[str, Any], path: Path) -> Path:
    """Stacked bars: the start of plugin, bare.sh and floor, part by part."""
    parts = start_parts(results)
    names = [name for name in ("plugin", "bare", "floor") if parts[name]["nodes"] is not None]
    series = [
        (part, [parts[name][part] or 0.0 for name in names], color)
        for part, color in zip(PARTS, COLORS, strict=True)
    ]
    titles = (
        "seconds (median), to a pool and a container",
        f"Start: plugin, bare procedure, floor ({results['recipe']})",
    )
    return _stacked(path, names, series, titles, legend_below=0.25)


def per_test(results: dict[str, Any], path: Path) -> Path:
    """Stacked bars: setup, call and teardown of each kind of test, and the floor."""
    kinds = results["warm"]["per_test"]
    labels, setups, calls, teardowns = [], [], [], []
    for kind, data in kinds.items():
        labels.append(kind.replace("_", " "))
        setups.append(median(data["setup_s"]) or 0.0)
        calls.append(median(data["call_s"]) or 0.0)
        teardowns.append(median(data["teardown_s"]) or 0.0)
    floor = results.get("references", {}).get("floor", [])
    if floor:
        labels.append("floor: create+destroy")
        setups.append(median([s for run in floor for s in run["container_create_s"]]) or 0.0)
        calls.append(0.0)
        teardowns.append(median([s for run in floor for s in run["container_destroy_s"]]) or 0.0)
    series = [
        ("setup (floor: create)", setups, COLORS[1]),
        ("call", calls, COLORS[2]),
        ("teardown (floor: destroy)", teardowns, COLORS[3]),
    ]
    titles = ("seconds per test (median)", f"Per-test costs ({results['recipe']})")
    return _stacked(path, labels, series, titles, legend_below=0.2)


def xdist(results: dict[str, Any], path: Path) -> Path:
    """Bars per suite and worker count: wall time, with its cluster start marked."""
    plt = _pyplot()
    suites = [suite for suite in results.get("xdist", []) if suite["workers"]]
    width = max(6.0, 4.5 * len(suites))
    figure, axes = plt.subplots(1, max(len(suites), 1), figsize=(width, 4))
    axes_list = list(axes) if len(suites) > 1 else [axes]
    for ax, suite in zip(axes_list, suites, strict=False):
        by_workers = suite["workers"]
        workers = list(by_workers)
        walls = [median([r["wall_s"] for r in by_workers[n]]) or 0.0 for n in workers]
        starts = [median([r["cluster_start_s"] for r in by_workers[n]]) or 0.0 for n in workers]
        spans = [median([r["tests_span_s"] for r in by_workers[n]]) or 0.0 for n in workers]
        rest = [w - s - t for w, s, t in zip(walls, starts, spans, strict=True)]
        labels = [f"-n {n}" for n in workers]
        ax.bar(labels, starts, color=COLORS[0], label="cluster start")
        ax.bar(labels, spans, bottom=starts, color=COLORS[1], label="first test to last")
        tops = [s + t for s, t in zip(starts, spans, strict=True)]
        ax.bar(labels, rest, bottom=tops, color=COLORS[4], label="pytest, workers, teardown")
        ax.set_title(f"{suite['tests']} container tests")
        ax.set_ylabel("wall seconds")
    handles, names = axes_list[0].get_legend_handles_labels()
    figure.legend(handles, names, loc="lower center", ncol=3, fontsize="small")
    figure.suptitle(f"pytest-xdist ({results['recipe']})")
    return _save(figure, path, bottom=0.08)


def settings(results: dict[str, Any], path: Path) -> Path:
    """Cluster start (median, min-max bars) against --daos-scm-size and --daos-hugepages."""
    plt = _pyplot()
    axes_data = results.get("sizes", {})
    figure, axes = plt.subplots(1, 2, figsize=(8, 3.2))
    axis_names = (("scm", "--daos-scm-size (GiB)"), ("hugepages", "--daos-hugepages"))
    for ax, (axis, option) in zip(axes, axis_names, strict=True):
        values = axes_data.get(axis, {})
        labels = list(values)
        stats = [Stat.of([run["cluster_start_s"] for run in values[v]]) for v in labels]
        medians = [stat.median if stat else 0.0 for stat in stats]
        errors = [
            [m - (s.low if s else m) for m, s in zip(medians, stats, strict=True)],
            [(s.high if s else m) - m for m, s in zip(medians, stats, strict=True)],
        ]
        ax.bar(labels, medians, yerr=errors, capsize=4, color=COLORS[1])
        ax.set_xlabel(option)
        ax.set_ylabel("cluster start, seconds")
    figure.suptitle(f"Start against the settings ({results['recipe']})")
    return _save(figure, path)


def write_all(results: dict[str, Any], folder: Path) -> dict[str, str]:
    """Every plot of a recipe into `folder`; name -> file name."""
    folder.mkdir(parents=True, exist_ok=True)
    recipe = results["recipe"]
    made = {}
    for name, draw in (
        ("start", start),
        ("per-test", per_test),
        ("xdist", xdist),
        ("settings", settings),
    ):
        made[name] = draw(results, folder / f"{recipe}-{name}.png").name
    return made
