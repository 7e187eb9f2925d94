"""scripts/host-setup.sh names the base images under localhost/ (no registry serves such a
name, so Docker never pulls someone else's image in their place) and gives that name to an
image an older version made under the old one, only where it is the image the script
imports. Its `adopt_old_name` runs here against a fake `docker` on PATH."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from pytest_daos.cluster.recipes.sim_base import OFFLINE
from pytest_daos.options import OPTIONS

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "host-setup.sh"
NEW = "localhost/pytest-daos/sim-base:bookworm"
OLD = "pytest-daos/sim-base:bookworm"


def adopt(tmp_path: Path, present: dict[str, str], image: str = NEW) -> list[str]:
    """Run `adopt_old_name IMAGE sim` with a fake docker that has the images of `present`
    (name: what `docker image inspect --format` prints for it); the docker calls made."""
    log = tmp_path / "docker.calls"
    cases = "".join(
        f'  *" {shlex.quote(name)}") echo {shlex.quote(answer)}; exit 0;;\n'
        for name, answer in present.items()
    )
    fake = tmp_path / "bin" / "docker"
    fake.parent.mkdir()
    fake.write_text(
        f'#!/bin/sh\necho "$*" >> {shlex.quote(str(log))}\n'
        f'case "$*" in\n  tag*) exit 0;;\n{cases}  *) exit 1;;\nesac\n'
    )
    fake.chmod(0o755)
    functions = subprocess.run(
        ["sed", "-n", "/^say()/p;/^adopt_old_name()/,/^}/p", str(SCRIPT)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    subprocess.run(
        ["bash", "-c", f"{functions}\nadopt_old_name {shlex.quote(image)} sim"],
        env={"PATH": f"{fake.parent}:/usr/bin:/bin"}, check=True,
    )  # fmt: skip
    return log.read_text().splitlines() if log.exists() else []


def test_the_defaults_are_names_no_registry_serves():
    assert OFFLINE == NEW
    [local] = [option for option in OPTIONS if option.name == "local_base_image"]
    assert local.default == "localhost/pytest-daos/local-base:bookworm"
    text = SCRIPT.read_text()
    assert f'PYTEST_DAOS_SIM_BASE_IMAGE:-{NEW}}}"' in text
    assert 'PYTEST_DAOS_LOCAL_BASE_IMAGE:-localhost/pytest-daos/local-base:bookworm}"' in text


def test_the_image_an_older_version_imported_gets_the_new_name(tmp_path):
    calls = adopt(tmp_path, {OLD: "0 sim"})
    assert calls[-1] == f"tag {OLD} {NEW}"


@pytest.mark.parametrize(
    ("present", "why"),
    [({OLD: "1 sim"}, "pulled from a registry"), ({OLD: "0 "}, "without our label"),
     ({NEW: "0 sim", OLD: "0 sim"}, "the new name is there"), ({}, "nothing there")],
)  # fmt: skip
def test_anything_else_is_left_alone(tmp_path, present, why):
    assert not [call for call in adopt(tmp_path, present) if call.startswith("tag")], why


def test_a_name_of_ones_own_is_left_as_it_is(tmp_path):
    assert adopt(tmp_path, {"my/base:1": "0 sim"}, image="my/base:1") == []
