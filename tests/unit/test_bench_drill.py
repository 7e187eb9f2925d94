"""The benchmark's fault drill rows: the target holds only for the setting tests/integration
runs the drill with, the default delays are shown beside it, and a recipe without the drill
gets no rows."""

from __future__ import annotations

from typing import Any

from benchmarks import tables
from benchmarks.scenarios import drill_args
from benchmarks.targets import drill_targets


def sample(call: float) -> dict[str, float]:
    return {"call_s": call, "setup_s": 0.5, "cluster_start_s": 6.0, "wall_s": call + 9.0}


def setting(join_delay: float | None, calls: list[float]) -> dict[str, Any]:
    return {
        "join_delay": join_delay,
        "args": drill_args(join_delay),
        "samples": [sample(call) for call in calls],
    }


def results(held: list[float], default: list[float]) -> dict[str, Any]:
    return {
        "drill": {
            "date": "2026-11-30 22:00 UTC",
            "command": "python -m benchmarks --only drill",
            "plugin": "commit abc1234",
            "settings": [setting(0.2, held), setting(None, default)],
        }
    }


def test_the_drill_options_name_two_engines_and_the_join_delay_when_given() -> None:
    assert drill_args(0.2) == ["--daos-engines=2", "--daos-sim-join-delay=0.2"]
    assert drill_args(None) == ["--daos-engines=2"]


def test_the_target_is_the_median_test_time_with_the_short_join_delay() -> None:
    held, default = drill_targets(results([4.0, 6.0, 5.0], [12.0]))
    assert (held.plugin, held.target, held.holds, held.why) == (5.0, "< 10 s", True, "")
    assert "--daos-sim-join-delay=0.2" in held.what
    assert (default.plugin, default.target, default.holds) == (12.0, "-", None)
    assert "default delays" in default.what


def test_a_missed_target_says_what_the_run_took() -> None:
    held, _ = drill_targets(results([11.0], [13.0]))
    assert held.holds is False
    assert held.why == "the test took 11.0 s (the whole run 20.0 s, the cluster's start 6.0 s)"


def test_results_without_the_drill_have_no_drill_rows_or_section() -> None:
    assert drill_targets({"recipe": "local"}) == []
    assert tables.drill({"recipe": "local"}) == []


def test_the_section_says_which_setting_holds_the_target_and_the_default_cost() -> None:
    lines = tables.drill(results([4.0], [7.5]))
    assert lines[0] == "### Fault drill"
    assert "| `--daos-sim-join-delay=0.2` | 1 | 4.00 s | 0.50 s | 6.00 s | 13.00 s |" in lines
    assert "| default delays | 1 | 7.50 s | 0.50 s | 6.00 s | 16.50 s |" in lines
    note = lines[-2]
    assert "is set for `--daos-sim-join-delay=0.2`" in note
    assert "the default delays have none" in note
    assert "the default delays made the drill test +3.5 s longer (7.5 s)" in note
