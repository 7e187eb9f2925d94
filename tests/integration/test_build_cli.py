"""`pytest-daos build` and `pytest-daos prune` on a real engine, with a small recipe file;
`pytest-daos up` twice."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from recipe_files import nodes_on

RECIPE = """\
daos_version = "2.6.5"

[images.base]
context = "base"
tag = "pytest-daos-test/base:{tag}"
build_args = {{ FROM_IMAGE = "{base_image}" }}

[images.child]
context = "child"
tag = "pytest-daos-test/child:{tag}"
parent = "base"
build_args = {{ PARENT = "pytest-daos-test/base:{tag}" }}
""" + nodes_on("child")


@pytest.fixture
def recipe_file(tmp_path: Path, docker: Any, base_image: str) -> Iterator[Path]:
    tag = uuid.uuid4().hex[:8]
    (tmp_path / "base").mkdir()
    (tmp_path / "base/Dockerfile").write_text(
        "ARG FROM_IMAGE\nFROM ${FROM_IMAGE}\nCOPY data.txt /data.txt\nRUN sleep 3\n"
    )
    (tmp_path / "base/data.txt").write_text(f"{tag}\n")  # new content: no layer cache
    (tmp_path / "child").mkdir()
    (tmp_path / "child/Dockerfile").write_text("ARG PARENT\nFROM ${PARENT}\nRUN cat /data.txt\n")
    path = tmp_path / "recipe.toml"
    path.write_text(RECIPE.format(tag=tag, base_image=base_image))
    yield path
    for name in ("child", "base"):
        for image in docker.images.list(filters={"reference": f"pytest-daos-test/{name}"}):
            docker.images.remove(image.id, force=True)


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest_daos.cli", *args]


def test_two_builds_at_once_build_once(recipe_file: Path, tmp_path: Path) -> None:
    state = f"--daos-state-dir={tmp_path / 'state'}"
    command = cli("build", f"--daos-recipe={recipe_file}", state)
    first, second = (
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(2)
    )
    outputs = [process.communicate(timeout=300)[0] for process in (first, second)]
    assert [process.returncode for process in (first, second)] == [0, 0], outputs
    builder = [out for out in outputs if "pytest-daos-test/child" in out and " built " in out]
    waiter = [out for out in outputs if "waiting for another pytest-daos build" in out]
    assert len(builder) == 1 and len(waiter) == 1, outputs
    assert " built " not in waiter[0]
    assert waiter[0].count(" cached ") == 2


def test_upstream_build_here_fails_fast_with_the_fix(tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        cli("build", "--daos-recipe=upstream", f"--daos-state-dir={tmp_path}"),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert result.stderr.startswith("pytest-daos: the build context of image daos-base cannot be")
    assert "https://github.com/daos-stack/daos.git#release/2.6:utils/docker/vcluster/" in (
        result.stderr
    )
    assert "--daos-recipe=sim" in result.stderr
    assert "Traceback" not in result.stderr


def test_prune_removes_only_stale_images_of_ours(
    recipe_file: Path, tmp_path: Path, docker: Any, base_image: str
) -> None:
    state = f"--daos-state-dir={tmp_path / 'state'}"
    build = cli("build", f"--daos-recipe={recipe_file}", state)
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    old = {image.id for image in docker.images.list(filters={"reference": "pytest-daos-test/*"})}
    (recipe_file.parent / "base/data.txt").write_text(f"{uuid.uuid4()}\n")
    subprocess.run(build, check=True, capture_output=True, timeout=300)
    new = {image.id for image in docker.images.list(filters={"reference": "pytest-daos-test/*"})}
    assert len(old) == len(new) == 2 and not old & new

    prune = cli("prune", f"--daos-recipe={recipe_file}", state,
                f"--daos-sim-base-image={base_image}")  # fmt: skip
    dry = subprocess.run([*prune, "--dry-run"], capture_output=True, text=True, check=True)
    for image_id in old:
        assert f"would remove {image_id[7:19]}" in dry.stdout
    assert {i.id for i in docker.images.list(all=True)} >= old  # a dry run removes nothing

    subprocess.run(prune, capture_output=True, text=True, check=True)
    remaining = {image.id for image in docker.images.list(all=True)}
    assert not old & remaining
    assert new <= remaining
    assert docker.images.get(base_image).id in remaining  # not ours: never touched


def test_up_twice_says_the_cluster_is_up_and_other_settings_say_what_differs(
    tmp_path: Path, base_image: str, leaves_nothing_behind: None
) -> None:
    """Like `docker compose up`: a second `up` with the same settings finds the cluster up
    and exits 0; one with other settings exits 1 naming them and the fix."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cli(*args, f"--daos-state-dir={tmp_path / 'state'}"),
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip

    sim = ("--daos-recipe=sim", f"--daos-sim-base-image={base_image}")
    try:
        first = run("up", *sim)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "DAOS 2.6.5 is up on " in first.stdout
        session = re.search(r"^session (\w+): sim recipe", first.stdout, re.MULTILINE)
        assert session is not None, first.stdout

        again = run("up", *sim)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "DAOS 2.6.5 is already up on " in again.stdout
        assert f"session {session.group(1)}: sim recipe" in again.stdout  # the same cluster
        assert "rank 0: joined" in again.stdout

        other = run("up", *sim, "--daos-scm-size=5")
        assert other.returncode == 1
        assert other.stderr.splitlines() == [
            f"pytest-daos: a kept DAOS cluster (session {session.group(1)}) holds this host, "
            "and only one fits (host network): it runs other settings (daos_scm_size: 4 in "
            "the cluster, 5 here): remove it with `pytest-daos down` first"
        ]
    finally:
        down = run("down")
    assert down.returncode == 0, down.stdout + down.stderr
