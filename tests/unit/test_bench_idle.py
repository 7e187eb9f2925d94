"""The benchmark's nodes' cores after a start: the sampler's arithmetic on Docker's counters
(fake containers whose stats are given), the series' summary (peak, when the node settles,
what it takes then), the keep/reuse section's rows with and without the series, the `-n 4`
rows' explanation from it, and `--only idle` writing it into earlier results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from docker.errors import InvalidVersion

from benchmarks import __main__ as bench_main
from benchmarks import idle, scenarios, tables
from benchmarks.capture import ROLE_LABEL
from benchmarks.host import SESSION_LABEL
from benchmarks.plan import RECIPES, plan
from benchmarks.runner import BenchError
from benchmarks.targets import server_cores, xdist_targets

GIGA = 1_000_000_000
#: the host's CPU time so far, as Docker reads it from /proc/stat
HOST = 5_000 * GIGA


def stats(usage_ns: int, system_ns: int | None, cpus: int = 2) -> dict[str, Any]:
    """One answer of Docker's stats with the counters the sampler reads."""
    cpu: dict[str, Any] = {"cpu_usage": {"total_usage": usage_ns}, "online_cpus": cpus}
    if system_ns is not None:
        cpu["system_cpu_usage"] = system_ns
    return {"cpu_stats": cpu, "precpu_stats": {}}


class Clock:
    """A monotonic clock that only `sleep` moves, and each read by a little."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        self.now += 0.01
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Container:
    """A node whose stats answers are given in advance."""

    def __init__(self, role: str, answers: list[dict[str, Any]], one_shot: bool = True) -> None:
        self.labels = {ROLE_LABEL: role, SESSION_LABEL: "s1"}
        self.name = f"pytest-daos-{role}"
        self.answers = list(answers)
        self.one_shot = one_shot
        self.calls: list[dict[str, Any]] = []

    def stats(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if kwargs.get("one_shot") and not self.one_shot:
            raise InvalidVersion("one_shot is not supported for API version < 1.41")
        return self.answers.pop(0)


class Client:
    def __init__(self, containers: list[Container]) -> None:
        self.listed: list[dict[str, Any]] = []
        self.containers = self
        self.nodes = containers

    def list(self, filters: dict[str, Any]) -> list[Container]:
        self.listed.append(filters)
        return self.nodes


# -- the sampler's arithmetic ---------------------------------------------------------------


def test_a_sample_is_the_cpu_time_over_the_host_time_both_read_by_docker() -> None:
    # 2 s on a host of 2 cores: 4e9 ns of host time; the node used 3.98e9 ns of it
    before = idle.reading(stats(10 * GIGA, 1000 * GIGA), at=0.0)
    after = idle.reading(stats(10 * GIGA + 3_980_000_000, 1004 * GIGA), at=5.0)
    assert idle.cores(before, after) == pytest.approx(1.99)


def test_without_the_host_time_a_sample_is_over_the_samplers_own_clock() -> None:
    before = idle.reading(stats(0, None), at=10.0)
    after = idle.reading(stats(GIGA, None), at=12.0)
    assert idle.cores(before, after) == pytest.approx(0.5)


def test_the_sampler_reads_every_node_every_two_seconds_over_the_window() -> None:
    # the server takes 2, then 1, then 0.05 cores; the admin nothing (2 cores, 2 s a round:
    # 4e9 ns of host time)
    host = [HOST + n * 4 * GIGA for n in range(4)]
    used = [0, 4 * GIGA, 6 * GIGA, 6_100_000_000]
    server = Container("server", [stats(u, s) for u, s in zip(used, host, strict=True)])
    admin = Container("admin", [stats(5, s) for s in host])
    client, clock = Client([server, admin]), Clock()
    ended = clock.now - 0.5  # the kept run ended half a second ago
    series = idle.sample(client, ended, 6.0, clock=clock, sleep=clock.sleep)
    assert client.listed == [{"label": SESSION_LABEL}]
    assert series["samples"] == {"server": [2.0, 1.0, 0.05], "admin": [0.0, 0.0, 0.0]}
    assert (series["every_s"], series["window_s"], series["from_s"]) == (2.0, 6.0, 0.51)
    assert series["at_s"] == pytest.approx([2.52, 4.52, 6.52], abs=0.05)
    assert server.calls[0] == {"stream": False, "one_shot": True}


def test_an_engine_without_one_shot_stats_is_read_with_the_default_ones() -> None:
    node = Container("server", [stats(0, HOST), stats(GIGA, HOST + 4 * GIGA)], one_shot=False)
    clock = Clock()
    series = idle.sample(Client([node]), clock.now, 2.0, clock=clock, sleep=clock.sleep)
    assert series["samples"] == {"server": [0.5]}
    assert node.calls[-1] == {"stream": False}


# -- what a series says ---------------------------------------------------------------------


def series(server: list[float], from_s: float = 0.1, **others: list[float]) -> dict[str, Any]:
    """A series of readings every 2 s from `from_s`: the server's samples, the client's
    (none busy unless given) and any other node's."""
    return {
        "every_s": 2.0,
        "window_s": 2.0 * len(server),
        "from_s": from_s,
        "at_s": [round(from_s + 2.0 * (index + 1), 2) for index in range(len(server))],
        "samples": {"client": [0.0] * len(server), "server": server, **others},
    }


def test_a_server_that_settles_has_a_peak_a_settle_time_and_a_settled_value() -> None:
    server = idle.settling(series([1.99, 1.04, 0.6, 0.05, 0.04, 0.05]))
    assert server is not None and server.busy
    assert (server.peak, server.peak_at_s) == (1.99, 2.1)
    assert (server.settled_s, server.settled) == (6.1, 0.05)


def test_a_node_settles_only_once_no_later_sample_reaches_the_threshold_again() -> None:
    server = idle.settling(series([1.5, 0.05, 0.2, 0.04, 0.06]))
    assert server is not None
    assert (server.settled_s, server.settled) == (6.1, 0.05)


def test_a_node_busy_to_the_end_has_not_settled() -> None:
    server = idle.settling(series([1.9, 1.0, 0.5]))
    assert server is not None
    assert (server.settled_s, server.settled, server.window_s) == (None, None, 6.0)


def test_a_node_never_busy_is_settled_from_the_first_reading() -> None:
    client = idle.settling(series([1.0, 0.0], client=[0.01, 0.03]), "client")
    assert client is not None and not client.busy
    assert (client.peak, client.settled_s, client.settled) == (0.03, 0.1, 0.02)


def test_no_series_or_no_such_node_says_nothing() -> None:
    assert idle.settling(None) is None
    assert idle.settling(series([0.5]), "admin") is None


# -- the report -----------------------------------------------------------------------------


def results(shared: dict[str, Any]) -> dict[str, Any]:
    """A recipe's results with its keep/reuse measurements and a 40-test suite that -n 4
    does not run faster than -n 1."""

    def run(wall: float) -> dict[str, Any]:
        return {
            "wall_s": wall,
            "cluster_starts": 1,
            "cluster_start_s": 6.0,
            "tests_span_s": wall - 9.0,
            "teardown_s": 1.0,
            "test_total_s": [0.3, 0.4],
        }

    keep = {"attach": [], "pool_create_s": {}, "keep_wall_s": 12.0, "down_s": 1.5, **shared}
    return {
        "recipe": "local",
        "machine": {"cores": 2},
        "keep_reuse": keep,
        "xdist": [{"tests": 40, "workers": {"1": [run(23.0)], "4": [run(24.0)]}}],
    }


OLD = {"idle_cores": {"client": 0.0, "admin": 0.0, "server": 1.01}}
SERIES = series([1.99, 1.04, 1.0, 0.2, 0.05, 0.04, 0.05], admin=[0.0] * 7)


def test_older_results_show_their_one_sample_as_one_sample() -> None:
    lines = tables.sharing(results(OLD))
    assert (
        "| cores the nodes use right after the `--daos-keep` run (one sample of about a "
        "second; client, admin, server) | 0.00, 0.00, 1.01 |"
    ) in lines
    assert not [line for line in lines if "every 2 s" in line]


def test_the_series_shows_each_node_its_peak_when_it_settles_and_every_sample() -> None:
    lines = tables.sharing(results({**OLD, "idle_cores_over_time": SERIES}))
    assert not [line for line in lines if "one sample" in line]
    assert "| node | peak (when) | below 0.1 core from | then | every 2 s |" in lines
    assert (
        "| server | 1.99 (2 s) | 8 s | 0.05 | 1.99, 1.04, 1.00, 0.20, 0.05, 0.04, 0.05 |"
    ) in lines
    assert "| client | 0.00 (2 s) | 0 s | 0.00 | " + ", ".join(["0.00"] * 7) + " |" in lines
    intro = next(line for line in lines if line.startswith("Cores each node took"))
    assert "every 2 s for 14 s" in intro and "(the host has 2)" in intro
    assert "Measured" not in intro


def test_a_series_measured_on_its_own_says_when_and_by_what() -> None:
    stamped = {**SERIES, "date": "2026-12-01 10:00 UTC", "command": "python -m benchmarks "
               "--recipes local --only idle", "plugin": "commit abc1234"}  # fmt: skip
    lines = tables.sharing(results({"idle_cores_over_time": stamped}))
    intro = next(line for line in lines if line.startswith("Cores each node took"))
    assert intro.endswith(
        "Measured 2026-12-01 10:00 UTC by `python -m benchmarks --recipes local --only idle`, "
        "plugin code commit abc1234."
    )


def test_results_without_cores_have_no_cores_rows() -> None:
    assert not [line for line in tables.sharing(results({})) if "cores" in line.lower()]


def xdist_why(shared: dict[str, Any]) -> str:
    (row,) = xdist_targets(results(shared))
    assert row.holds is False
    return row.why


def test_the_n4_row_says_the_tests_run_inside_the_servers_busy_window() -> None:
    why = xdist_why({**OLD, "idle_cores_over_time": SERIES})
    assert why.endswith(
        "share 2 cores, of which the server node took up to 1.99 until 8 s after a "
        "`--daos-keep` run of one test ended and 0.05 from then on (its engine's work after "
        "format, then settled): the suite's tests run right after its start, inside that window"
    )
    assert "polls" not in why


def test_the_n4_row_of_older_results_keeps_their_one_sample() -> None:
    assert xdist_why(OLD).endswith(
        "share 2 cores, of which the server node takes 1.01 while no test runs (its engine polls)"
    )


def test_a_server_busy_to_the_end_of_the_window_is_said_so() -> None:
    said = server_cores({"idle_cores_over_time": series([1.9, 1.0, 0.5])})
    assert said == (
        ", of which the server node took up to 1.90 and had not settled below 0.1 6 s after a "
        "`--daos-keep` run of one test ended: the suite's tests run beside it"
    )


def test_a_server_never_busy_is_not_named_whatever_an_older_sample_said() -> None:
    assert server_cores({**OLD, "idle_cores_over_time": series([0.05, 0.02])}) == ""
    assert server_cores({"idle_cores": {"server": 0.002}}) == ""


# -- --only idle ----------------------------------------------------------------------------


def recipe_run(tmp_path: Path, name: str) -> bench_main.RecipeRun:
    state = {"git": "commit abc1234", "fresh_marker": None}
    return bench_main.RecipeRun(
        RECIPES[name], plan("full", None, None), tmp_path, bench_main.Clock(), state, 1024
    )


def test_only_idle_writes_the_series_into_the_earlier_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bench_main._arguments(["--only", "idle"]).only == "idle"
    monkeypatch.setattr(bench_main, "_check_clean", lambda nr: None)  # no Docker here
    monkeypatch.setattr(scenarios, "idle_after_start", lambda bench: dict(SERIES))
    earlier = {"recipe": "local", "keep_reuse": {"down_s": 1.5, **OLD}, "warm": {"x": 1}}
    (tmp_path / "local.json").write_text(json.dumps(earlier))
    bench_main._add_only(recipe_run(tmp_path, "local"), tmp_path, "idle")
    written = json.loads((tmp_path / "local.json").read_text())
    assert written["warm"] == {"x": 1}
    shared = written["keep_reuse"]
    assert (shared["down_s"], shared["idle_cores"]) == (1.5, OLD["idle_cores"])
    added = shared["idle_cores_over_time"]
    assert added["samples"] == SERIES["samples"]
    assert added["plugin"] == "commit abc1234" and set(added["loadavg"]) == {"start", "end"}


def test_only_drill_passes_a_recipe_that_does_not_measure_it(tmp_path: Path) -> None:
    (tmp_path / "local.json").write_text("{}")
    bench_main._add_only(recipe_run(tmp_path, "local"), tmp_path, "drill")
    assert (tmp_path / "local.json").read_text() == "{}"


def test_only_needs_the_results_of_an_earlier_run(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match=r"local\.json does not exist: run `python -m bench"):
        bench_main._add_only(recipe_run(tmp_path, "local"), tmp_path, "idle")
