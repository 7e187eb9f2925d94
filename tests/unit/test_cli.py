"""The `pytest-daos` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_daos import cli
from pytest_daos.cli import main
from pytest_daos.client.dmg import Member
from pytest_daos.cluster import sources
from pytest_daos.cluster.operations import Down, Status
from pytest_daos.cluster.record import ClusterRecord, save_record
from pytest_daos.pictures import NodeView, RankView, draw_nodes
from pytest_daos.settings import Settings


@pytest.fixture
def nowhere(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """The command reaches no network here: the doctor's probe of a recipe's sources
    answers as on a host without a name server."""
    monkeypatch.setattr(sources, "probe", lambda host, port, timeout: "Name or service not known")


def test_doctor_json_names_every_check_and_exits_1_when_daos_cannot_run(nowhere, capsys):
    assert main(["doctor", "--json", "--daos-iface=nope0"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ready"] is False
    statuses = {check["name"]: check["status"] for check in report["checks"]}
    assert statuses["docker"] == "fail"
    assert statuses["interface"] == "fail"
    assert {"privileged", "hugetlbfs", "hugepages", "iommu", "ports", "memory"} <= set(statuses)


def test_doctor_table(nowhere, capsys):
    assert main(["doctor", "--daos-iface=lo"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  docker" in out
    assert "fix: start one" in out
    assert out.rstrip().endswith("DAOS cannot run on this host yet")


def test_doctor_says_whether_the_recipes_sources_answer(nowhere, capsys):
    assert main(["doctor", "--daos-iface=lo"]) == 1  # the default recipe: upstream
    out = capsys.readouterr().out
    assert "WARN  sources" in out
    assert "github.com:443 (Name or service not known)" in out
    assert "--daos-recipe=sim" in out


def test_doctor_asks_no_source_of_a_recipe_built_offline(nowhere, capsys):
    main(["doctor", "--daos-recipe=sim", "--daos-iface=lo"])
    assert "sources" not in capsys.readouterr().out


def test_bad_setting_is_one_line(capsys):
    assert main(["doctor", "--daos-scm-size=lots"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pytest-daos: --daos-scm-size=lots:")
    assert len(err.strip().splitlines()) == 1


def test_build_without_engine_says_how_to_start_one(nowhere, capsys):
    assert main(["build"]) == 1
    assert "no Docker engine answers" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--daos-recipe=/bin/ls"],
         "pytest-daos: /bin/ls: not a recipe file: it is not text (a recipe file is TOML, see "
         "docs/recipes.md)"),
        (["doctor", "--daos-recipe=/bin/ls"],
         "pytest-daos: /bin/ls: not a recipe file: it is not text (a recipe file is TOML, see "
         "docs/recipes.md)"),
        (["prune", "--daos-recipe=/bin/ls"],
         "pytest-daos: /bin/ls: not a recipe file: it is not text (a recipe file is TOML, see "
         "docs/recipes.md)"),
        (["up", "--daos-start-timeout=nan"],
         "pytest-daos: --daos-start-timeout=nan: 'nan' is not a positive finite number of "
         "seconds"),
        (["up", "--daos-hugepages=abc"],
         "pytest-daos: --daos-hugepages=abc: 'abc' is not a whole number (0 or more)"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_before_any_docker_call(nowhere, capsys, args, message):
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [message]
    assert captured.out == ""


def test_the_commands_of_a_kept_cluster_need_no_recipe(nowhere, capsys, tmp_path, monkeypatch):
    """`status`, `logs` and `down` read the record: a recipe that cannot be made (say, a
    relative path from another folder) does not stop them."""
    monkeypatch.setenv("PYTEST_DAOS_RECIPE", "/bin/ls")
    assert main(["status", f"--daos-state-dir={tmp_path}"]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"no pytest-daos cluster is recorded in {tmp_path}\n"
    assert captured.err == ""


# -- down, status and logs print what the cluster layer's operations found --------------


def a_record(tmp_path: Path, keep: bool = True) -> ClusterRecord:
    record = ClusterRecord(
        owner={"session": "s1", "pid": 7, "boot": "b", "started": 1.0}, keep=keep, compat="k",
        containers={"server": "n-server", "admin": "n-admin"}, recipe="sim",
        daos_version="2.6.5", iface="lo", ip="127.0.0.1", log_files={},
    )  # fmt: skip
    save_record(tmp_path, record)
    return record


@pytest.mark.parametrize(
    ("done", "code", "out", "err"),
    [
        (Down(None, removed=["a", "b"]), 0, "no pytest-daos cluster is recorded in {}\n"
         "removed a\nremoved b\n", ""),
        (Down(None), 0, "no pytest-daos cluster is recorded in {}\nnothing to remove\n", ""),
        (Down(None, left=["c (owner uid 7)"]), 0, "no pytest-daos cluster is recorded in {}\n"
         "nothing to remove\nleft c (owner uid 7): not this user's (remove it as its owner, "
         "or with `docker rm -f` if it is yours)\n", ""),
        ("refused", 1, "", "it is theirs\n"),
        ("problems", 1, "removed the cluster of session s1\n", "problem: x\nproblem: y\n"),
        ("removed", 0, "removed the cluster of session s1\n", ""),
    ],
)  # fmt: skip
def test_down_says_what_it_did(tmp_path, monkeypatch, capsys, done, code, out, err):
    record = a_record(tmp_path)
    if isinstance(done, str):
        done = {
            "refused": Down(record, refused="it is theirs"),
            "problems": Down(record, problems=["x", "y"]),
            "removed": Down(record),
        }[done]
    asked: list[tuple[Settings, bool]] = []
    monkeypatch.setattr(
        cli, "down", lambda settings, force: asked.append((settings, force)) or done
    )
    assert main(["down", "--force", f"--daos-state-dir={tmp_path}"]) == code
    assert capsys.readouterr() == (out.format(tmp_path), err)
    assert [(settings.state_dir, force) for settings, force in asked] == [(tmp_path, True)]


def test_status_draws_the_nodes_and_the_ranks(tmp_path, monkeypatch, capsys):
    record = a_record(tmp_path)
    seen = Status(
        {"server": "running", "admin": "exited"}, [Member(0, "joined", "a:1", "", "", "")]
    )
    monkeypatch.setattr(cli, "status", lambda r: seen if r == record else None)
    assert main(["status", f"--daos-state-dir={tmp_path}"]) == 0
    nodes = [NodeView("server", "n-server", "running"), NodeView("admin", "n-admin", "exited")]
    assert capsys.readouterr().out == (
        "session s1: sim recipe, DAOS 2.6.5, lo (127.0.0.1), kept\n"
        + draw_nodes(nodes, [RankView(0, "joined", "a:1")])
        + "\n"
    )


def test_status_without_ranks_says_why_and_exits_1(tmp_path, monkeypatch, capsys):
    a_record(tmp_path, keep=False)
    seen = Status({"server": "gone", "admin": "gone"}, None, "the admin node is gone")
    monkeypatch.setattr(cli, "status", lambda record: seen)
    assert main(["status", f"--daos-state-dir={tmp_path}"]) == 1
    nodes = [NodeView("server", "n-server", "gone"), NodeView("admin", "n-admin", "gone")]
    assert capsys.readouterr().out == (
        "session s1: sim recipe, DAOS 2.6.5, lo (127.0.0.1), owned by pid 7 (its owner is gone)\n"
        + draw_nodes(nodes, None, "the admin node is gone")
        + "\n"
    )


def test_logs_print_each_tail_under_its_node_and_source(tmp_path, monkeypatch, capsys):
    a_record(tmp_path)
    asked: list[tuple[list[str], int]] = []

    def node_logs(record, roles, lines):
        asked.append((roles, lines))
        yield "admin", "output", "one\ntwo\n\n"
        yield "admin", "/tmp/daos_admin.log", "three"

    monkeypatch.setattr(cli, "node_logs", node_logs)
    assert main(["logs", "admin", "--lines=3", f"--daos-state-dir={tmp_path}"]) == 0
    assert capsys.readouterr().out == (
        "--- admin output ---\none\ntwo\n--- admin /tmp/daos_admin.log ---\nthree\n"
    )
    assert asked == [(["admin"], 3)]


@pytest.mark.parametrize("command", [["status"], ["logs", "server"]])
def test_status_and_logs_without_a_record_exit_1(tmp_path, capsys, command):
    assert main([*command, f"--daos-state-dir={tmp_path}"]) == 1
    assert capsys.readouterr().out == f"no pytest-daos cluster is recorded in {tmp_path}\n"
