"""The text pictures (`pictures.py`): the nodes of `pytest-daos status` and the start's
phase bar, drawn from data given here."""

from __future__ import annotations

import pytest

from pytest_daos.pictures import NodeView, RankView, draw_nodes, phase_bar
from pytest_daos.report import StartReport, summary_lines

NODES = [
    NodeView("server", "pytest-daos-3f2a9c1b0d4e-server", "running"),
    NodeView("admin", "pytest-daos-3f2a9c1b0d4e-admin", "running"),
    NodeView("client", "pytest-daos-3f2a9c1b0d4e-client", "exited"),
]


def test_three_boxes_side_by_side_with_state_and_the_servers_ranks():
    picture = draw_nodes(NODES, [RankView(0, "joined", "10.0.0.2:10001"), RankView(1, "stopped")])
    lines = picture.splitlines()
    assert lines[0].count("+- daos-") == 3
    assert lines[0].startswith("+- daos-server -") and "+- daos-client -" in lines[0]
    assert len({len(line) for line in lines}) == 1  # a rectangle: every row as wide
    assert "| state: exited " in lines[2] and lines[2].count("state: running") == 2
    assert "| rank 0: joined (10.0.0.2:10001) |" in lines[4]
    assert "| rank 1: stopped" in lines[5]
    assert lines[-1].count("+--") == 3
    # every box is closed on both sides on every row
    assert all(line.count("|") == 6 for line in lines[1:-1])


def test_the_ranks_that_could_not_be_read_are_unknown_and_the_error_follows():
    picture = draw_nodes(NODES, None, "no answer in time")
    assert "| ranks: unknown" in picture
    assert picture.splitlines()[-1] == "dmg system query: no answer in time"


def test_too_wide_for_the_columns_the_boxes_stand_one_under_another():
    picture = draw_nodes(NODES, [RankView(0, "joined")], columns=80)
    lines = picture.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert [line.split()[1] for line in lines if line.startswith("+- ")] == [
        "daos-server", "daos-admin", "daos-client",
    ]  # fmt: skip


PHASES = {"prerequisites": 0.1, "images": 0.0, "nodes": 1.4, "format and join": 5.2}


def test_the_phase_bar_is_one_line_of_the_width_asked_for():
    bar = phase_bar(PHASES, width=60)
    assert "\n" not in bar
    assert len(bar) == 62  # the width between the outer edges
    assert bar.startswith("|") and bar.endswith("|")
    assert bar.count("|") == len(PHASES) + 1  # every phase has a segment, even one of 0 s


def test_segments_are_proportional_and_labelled_where_they_fit():
    segments = phase_bar(PHASES, width=60)[1:-1].split("|")
    widths = [len(segment) for segment in segments]
    assert widths[3] > widths[2] > widths[0]  # 5.2 s > 1.4 s > 0.1 s
    assert widths[3] == pytest.approx(57 * 5.2 / 6.7, abs=1.5)
    assert segments[3].startswith("format and join 5.2s")
    assert segments[2].startswith("nodes 1.4s")
    assert segments[0] == "p"  # too narrow for the label: as much of the name as fits


def test_a_start_of_no_measurable_time_splits_the_bar_evenly():
    segments = phase_bar({"attach": 0.0, "check": 0.0}, width=21)[1:-1].split("|")
    assert [len(segment) for segment in segments] == [10, 10]


def test_no_phases_no_bar():
    assert phase_bar({}) == ""


def test_the_summary_shows_the_bar_under_the_phase_times():
    report = StartReport(recipe="sim", daos_version="2.6.5", phases=dict(PHASES))
    lines = [line for line, _ in summary_lines(report)]
    at = next(i for i, line in enumerate(lines) if line.startswith("cluster start: 6.7s"))
    assert lines[at + 1] == phase_bar(PHASES)
