"""The `pytest-daos` command resolves the settings a pytest run in the same folder
resolves: the project's ini file (found as pytest finds it, `-c`, `--rootdir`), the
environment above it, its addopts as command line; each subcommand takes only the options
it reads, each shown with what its value is."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from pytest_daos import cli
from pytest_daos.cli import main
from pytest_daos.cluster.operations import Status
from pytest_daos.cluster.record import ClusterRecord, save_record
from pytest_daos.report import StartReport
from pytest_daos.runstate import run_state
from pytest_daos.settings import OPTIONS, given_settings


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (the current one) and no PYTEST_DAOS_* variable of the shell."""
    for name in [name for name in os.environ if name.startswith("PYTEST_DAOS_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    return pytester.path


def command_settings(*argv: str):
    args = cli._parser().parse_args(argv)
    return cli._settings(args)


def test_a_bad_ini_value_is_refused_by_the_command_as_by_pytest(project, pytester, capsys):
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\ndaos_version = "9"\n')
    message = "ini key daos_version=9: '9' is not one of 2.0, 2.4, 2.6"
    assert main(["status", f"--daos-state-dir={project / 'state'}"]) == 1
    assert capsys.readouterr().err == f"pytest-daos: {message}\n"
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*pytest-daos: {message}*"])


def test_the_command_resolves_what_a_pytest_run_in_the_folder_resolves(
    project, pytester, monkeypatch
):
    (project / "tox.ini").write_text(
        "[pytest]\naddopts = -p no:cacheprovider --daos-engines 2\ndaos_version = 2.4\n"
        "daos_scm_size = 6\ndaos_keep = true\ndaos_build_arg =\n    A=1\n    B=2\n"
        f"daos_state_dir = {project / 'state'}\n"
    )
    monkeypatch.setenv("PYTEST_DAOS_VERSION", "2.0")  # above the ini file
    monkeypatch.setenv("PYTEST_DAOS_ENGINES", "1")  # below addopts, the command line
    monkeypatch.setenv("PYTEST_ADDOPTS", "--daos-bdev-size=9")
    ours = command_settings("status")
    theirs = run_state(pytester.parseconfigure()).settings
    assert ours == theirs
    assert (
        given_settings(ours)
        == given_settings(theirs)
        == [
            "daos_version=2.0 from PYTEST_DAOS_VERSION",
            "daos_build_arg=A=1 B=2 from tox.ini",
            "daos_engines=2 from --daos-engines",
            "daos_scm_size=6 from tox.ini",
            "daos_bdev_size=9 from --daos-bdev-size",
            "daos_keep=true from tox.ini",
            f"daos_state_dir={project / 'state'} from tox.ini",
        ]
    )
    assert (ours.version, ours.engines, ours.build_args) == ("2.0", 2, (("A", "1"), ("B", "2")))


def test_the_commands_own_options_beat_the_environment_and_the_ini_file(project, monkeypatch):
    (project / "pytest.ini").write_text("[pytest]\ndaos_version = 2.4\n")
    monkeypatch.setenv("PYTEST_DAOS_VERSION", "2.0")
    assert command_settings("doctor", "--daos-version=2.6").version == "2.6"
    assert command_settings("doctor").version == "2.0"
    monkeypatch.delenv("PYTEST_DAOS_VERSION")
    assert command_settings("doctor").version == "2.4"


def test_c_and_rootdir_name_the_file_and_where_its_settings_are_said_to_come_from(project):
    (project / "pytest.ini").write_text("[pytest]\ndaos_version = 2.4\n")
    (project / "ci").mkdir()
    (project / "ci/daos.ini").write_text("[pytest]\ndaos_version = 2.0\n")
    settings = command_settings("up", "-c", "ci/daos.ini")
    assert settings.version == "2.0"
    assert given_settings(settings) == ["daos_version=2.0 from daos.ini"]
    settings = command_settings("up", "--config-file", "ci/daos.ini", "--rootdir", str(project))
    assert given_settings(settings) == ["daos_version=2.0 from ci/daos.ini"]


def test_status_finds_the_state_folder_the_ini_file_names(project, capsys):
    state = project / "state"
    (project / "pytest.ini").write_text(f"[pytest]\ndaos_state_dir = {state}\n")
    assert main(["status"]) == 1
    assert capsys.readouterr().out == f"no pytest-daos cluster is recorded in {state}\n"


def test_an_unreadable_ini_file_is_one_line(project, capsys):
    (project / "pyproject.toml").write_text("[tool.pytest.ini_options\n")
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"pytest-daos: {project / 'pyproject.toml'}: not a TOML file pytest")
    assert len(err.splitlines()) == 1


def test_status_shows_the_settings_the_cluster_was_started_with(project, monkeypatch, capsys):
    record = ClusterRecord(
        owner={"session": "s1", "pid": 7, "boot": "b", "started": 1.0}, keep=True, compat="k",
        containers={}, recipe="sim", daos_version="2.0.3", iface="lo", ip="127.0.0.1",
        log_files={}, settings={"version": "2.0"},
        given=["daos_version=2.0 from PYTEST_DAOS_VERSION", "daos_recipe=sim from --daos-recipe"],
    )  # fmt: skip
    save_record(project / "state", record)
    monkeypatch.setattr(cli, "status", lambda record: Status({}, []))
    assert main(["status", f"--daos-state-dir={project / 'state'}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == [
        "session s1: sim recipe, DAOS 2.0.3, lo (127.0.0.1), kept",
        "started with: daos_version=2.0 from PYTEST_DAOS_VERSION, daos_recipe=sim from "
        "--daos-recipe",
    ]


# -- each subcommand's options -----------------------------------------------------------


def subcommand_options(name: str) -> set[str]:
    parser = cli._parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        flag
        for action in commands.choices[name]._actions
        for flag in action.option_strings
        if flag.startswith("--daos-")
    }


RECIPE = {"--daos-recipe", "--daos-version", "--daos-prefix", "--daos-local-base-image",
          "--daos-build-arg", "--daos-sim-base-image", "--daos-sim-join-delay",
          "--daos-sim-fault-delay"}  # fmt: skip
NODES = {"--daos-iface", "--daos-engines", "--daos-scm-size", "--daos-bdev-size",
         "--daos-hugepages", "--daos-privileged"}  # fmt: skip


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("doctor", RECIPE | NODES),
        ("build", RECIPE | {"--daos-rebuild", "--daos-state-dir"}),
        ("prune", RECIPE | {"--daos-state-dir"}),
        ("up", RECIPE | NODES | {"--daos-start-timeout", "--daos-rebuild", "--daos-state-dir"}),
        ("down", {"--daos-state-dir", "--daos-start-timeout"}),
        ("status", {"--daos-state-dir"}),
        ("logs", {"--daos-state-dir"}),
    ],
)
def test_each_subcommand_takes_only_the_options_it_reads(name, options):
    assert subcommand_options(name) == options


def test_an_option_of_another_subcommand_is_refused(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["logs", "--daos-recipe=sim"])
    assert caught.value.code == 2
    assert "unrecognized arguments: --daos-recipe=sim" in capsys.readouterr().err


def test_help_shows_what_each_value_is_and_the_choices(capsys):
    with pytest.raises(SystemExit):
        main(["up", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for shown in ("--daos-version 2.0|2.4|2.6", "--daos-privileged auto|yes|no",
                  "--daos-scm-size GIB", "--daos-iface IFACE", "--daos-start-timeout SECONDS",
                  "--daos-build-arg KEY=VALUE", "--daos-hugepages COUNT", "-c FILE",
                  "--rootdir DIR",
                  "environment PYTEST_DAOS_SCM_SIZE, ini daos_scm_size"):  # fmt: skip
        assert shown in text
    assert " VALUE" not in text.replace("KEY=VALUE", "")


def test_every_option_shows_a_metavar_of_its_own():
    assert all(option.metavar != "VALUE" for option in OPTIONS if not option.flag)


# -- logs --------------------------------------------------------------------------------


def test_logs_without_roles_prints_every_node(project, monkeypatch, capsys):
    """(Python 3.11's argparse checked the empty default against the roles and refused.)"""
    save_record(project / "state", ClusterRecord(
        owner={"session": "s1", "pid": 7, "boot": "b", "started": 1.0}, keep=True, compat="k",
        containers={"server": "n-server"}, recipe="sim", daos_version="2.6.5", iface="lo",
        ip="127.0.0.1", log_files={},
    ))  # fmt: skip
    asked: list[list[str]] = []

    def node_logs(record, roles, lines):
        asked.append(roles)
        yield "server", "output", "up"

    monkeypatch.setattr(cli, "node_logs", node_logs)
    assert main(["logs", f"--daos-state-dir={project / 'state'}"]) == 0
    assert capsys.readouterr().out == "--- server output ---\nup\n"
    assert asked == [[]]  # every recorded node


def test_logs_refuses_a_role_that_is_no_node(capsys):
    with pytest.raises(SystemExit):
        main(["logs", "db"])
    assert "'db' is not a node: name server, admin, client" in capsys.readouterr().err


# -- up, twice ---------------------------------------------------------------------------


class UpAlready:
    """A lifecycle whose start finds a kept cluster with the same settings."""

    def __init__(self, settings, recipe, progress):
        self.settings = settings
        self.report = StartReport(recipe="sim", daos_version="2.6.5", attached="reused the kept")

    def start(self):
        return type("Cluster", (), {"version": "2.6.5", "iface": "lo", "ip": "127.0.0.1"})()


def test_up_with_a_kept_cluster_of_these_settings_says_it_is_up(project, monkeypatch, capsys):
    started: list[bool] = []

    def lifecycle(settings, recipe, progress):
        started.append(settings.keep)
        return UpAlready(settings, recipe, progress)

    monkeypatch.setattr(cli, "ClusterLifecycle", lifecycle)
    monkeypatch.setattr(cli, "_status", lambda settings: 0)
    assert main(["up", "--daos-recipe=sim", "--daos-sim-base-image=b:1"]) == 0
    assert capsys.readouterr().out == "DAOS 2.6.5 is already up on lo (127.0.0.1), kept running:\n"
    assert started == [True]


def test_build_args_of_addopts_and_of_the_command_line_add_up_as_in_pytest(project, pytester):
    (project / "pytest.ini").write_text("[pytest]\naddopts = --daos-build-arg=A=1\n")
    ours = command_settings("build", "--daos-build-arg=B=2")
    theirs = run_state(pytester.parseconfigure("--daos-build-arg=B=2")).settings
    assert ours.build_args == theirs.build_args == (("A", "1"), ("B", "2"))
