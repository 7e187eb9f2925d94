"""The `pytest-daos` command."""

from __future__ import annotations

import json

import pytest

from pytest_daos.cli import main


@pytest.fixture
def nowhere(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")


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
        (["doctor", "--daos-start-timeout=nan"],
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


def test_the_commands_of_a_kept_cluster_need_no_recipe(nowhere, capsys, tmp_path):
    """`status`, `logs` and `down` read the record: a recipe that cannot be made (say, a
    relative path from another folder) does not stop them."""
    assert main(["status", "--daos-recipe=/bin/ls", f"--daos-state-dir={tmp_path}"]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"no pytest-daos cluster is recorded in {tmp_path}\n"
    assert captured.err == ""
