"""The downstream CI examples (examples/ci/): each parses as YAML, and every command they run
is one the project's own CI runs too, naming scripts, folders and options that exist."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_daos.options import OPTIONS

ROOT = Path(__file__).parents[2]
GITHUB = ROOT / "examples/ci/github-actions.yml"
GITLAB = ROOT / "examples/ci/gitlab-ci.yml"

#: The files of the project's own CI, and what runs the example suite with each recipe.
CI = ("scripts/dev.sh", ".ci/run")
EXAMPLE_RUNS = {"sim": "scripts/dev.sh", "local": "tests/real/conftest.py"}
#: Commands of other programs, each with the file of the project that runs or names it.
OUTSIDE = {
    "docker info": "scripts/host-setup.sh",
    "sysctl vm.nr_hugepages=": "pytest_daos/cluster/hugepages.py",
}
HUGEPAGES = next(option.default for option in OPTIONS if option.name == "hugepages")


def github_commands(workflow: dict[str, Any]) -> list[str]:
    return [
        line
        for job in workflow["jobs"].values()
        for step in job["steps"]
        for line in str(step.get("run", "")).splitlines()
        if line.strip()
    ]


def gitlab_commands(pipeline: dict[str, Any]) -> list[str]:
    return [
        line
        for name, job in pipeline.items()
        if isinstance(job, dict)
        for key in ("before_script", "script")
        for line in job.get(key, [])
    ]


def commands() -> list[str]:
    return [
        *github_commands(yaml.safe_load(GITHUB.read_text())),
        *gitlab_commands(yaml.safe_load(GITLAB.read_text())),
    ]


def text(path: str) -> str:
    return (ROOT / path).read_text()


def problem(command: str) -> str | None:
    """Why `command` is not one the project's own CI runs (None: it is)."""
    words = shlex.split(command)
    if words[0] == "sudo":
        words = words[1:]
    program = words[0]
    if program == "bash":
        script = words[1]
        if not (ROOT / script).is_file():
            return f"no script {script} in the repository"
        if not any(f"bash {script}" in text(ci) for ci in CI):
            return f"the project's CI does not run {script}"
        return None
    if program in ("python", "python3", ".venv/bin/python") and words[1] == "-m":
        return _python_module(words[2], words[3:])
    for outside, where in OUTSIDE.items():
        if " ".join(words).startswith(outside) and outside in text(where):
            return None
    return f"{program}: no command the project's CI runs"


def _python_module(module: str, args: list[str]) -> str | None:
    if module == "venv":
        return None if '-m venv "$1"' in text("scripts/dev.sh") else "no venv in dev.sh"
    if module == "pip":
        paths = [arg for arg in args if arg != "install"]
        if paths != ["."]:
            return f"pip {' '.join(args)}: install the source tree as README says: pip install ."
        return None
    if module != "pytest":
        return f"python -m {module}: no module the project's CI runs"
    for arg in args:
        if arg.startswith("--daos-"):
            name = arg.split("=", 1)[0]
            if name not in {option.cli for option in OPTIONS}:
                return f"{name}: no such option"
        elif not arg.startswith("-") and not (ROOT / arg).exists():
            return f"{arg}: no such folder"
    recipe = next(arg.split("=", 1)[1] for arg in args if arg.startswith("--daos-recipe="))
    if f"--daos-recipe={recipe}" not in text(EXAMPLE_RUNS[recipe]):
        return f"the project's CI runs no example suite with --daos-recipe={recipe}"
    return None


@pytest.mark.parametrize("path", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_each_example_parses_as_yaml(path: Path):
    assert isinstance(yaml.safe_load(path.read_text()), dict)


def test_every_command_is_one_the_projects_ci_runs_too():
    found = commands()
    assert len(found) > 10
    problems = [f"{command}: {why}" for command in found if (why := problem(command))]
    assert problems == []


def test_each_runs_the_example_on_the_sim_and_on_a_daos_tree():
    """One job with the sim recipe, one with a DAOS install tree and `local`; hugepages
    through sudo sysctl, as many as the plugin's default asks."""
    for found in (github_commands(yaml.safe_load(GITHUB.read_text())),
                  gitlab_commands(yaml.safe_load(GITLAB.read_text()))):  # fmt: skip
        assert any("--daos-recipe=sim" in command for command in found)
        assert any("--daos-recipe=local --daos-prefix=" in command for command in found)
        assert f"sudo sysctl vm.nr_hugepages={HUGEPAGES}" in found


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("bash scripts/no-such.sh", "no script scripts/no-such.sh in the repository"),
        ("bash scripts/reliability.sh", "the project's CI does not run scripts/reliability.sh"),
        (
            "python -m pytest examples --daos-recipe=sim --daos-colour=red",
            "--daos-colour: no such option",
        ),
        ("python -m pytest example --daos-recipe=sim", "example: no such folder"),
        ("python -m pip install pytest-daos", "pip install pytest-daos: install the source tree"),
        ("make test", "make: no command the project's CI runs"),
    ],
)
def test_a_command_the_project_does_not_run_is_named(command: str, why: str):
    found = problem(command)
    assert found is not None and found.startswith(why)
