"""The doctor's `sources` check: the hosts a recipe's images are built from, asked at once
with a short timeout; the probe itself against real sockets of this host, its timing at
the probe's seam."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_docker import FakeClient
from test_doctor import fake_host

from pytest_daos.cluster import doctor, sources
from pytest_daos.cluster.checks import OK, WARN, check_docker
from pytest_daos.cluster.recipes.sim import sim_recipe
from pytest_daos.cluster.recipes.upstream import upstream_recipe
from pytest_daos.settings import Settings

GITHUB, PACKAGES = ("github.com", 443), ("packages.daos.io", 443)


def test_the_upstream_recipe_is_built_from_github_and_the_package_repository():
    for version in ("2.0", "2.4", "2.6"):
        assert sources.endpoints(upstream_recipe(version)) == [GITHUB, PACKAGES]


def test_a_recipe_built_from_nothing_remote_gets_no_check():
    recipe = sim_recipe("2.6", "python:3.11-slim-bookworm")
    assert sources.endpoints(recipe) == []
    assert sources.check_sources(recipe, ask=lambda *where: pytest.fail("asked")) is None


def test_an_address_given_as_a_build_argument_is_asked_too():
    recipe = upstream_recipe("2.6", {"DAOS_REPOS": "http://mirror.example:8080/daos/v2.6/"})
    assert sources.endpoints(recipe) == [GITHUB, ("mirror.example", 8080), PACKAGES]


@pytest.fixture
def listening() -> Iterator[int]:
    """A port of this host that takes connections."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture
def closed() -> int:
    """A port of this host that nothing listens on."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        return int(server.getsockname()[1])


def test_the_probe_of_a_host_that_answers(listening: int):
    assert sources.probe("127.0.0.1", listening, 2) is None


def test_the_probe_of_a_port_nobody_listens_on(closed: int):
    assert sources.probe("127.0.0.1", closed, 2) == "Connection refused"


def test_the_probe_of_a_name_that_does_not_resolve():
    assert sources.probe("pytest-daos.invalid", 443, 2)  # the resolver's words


def test_every_host_is_asked_at_once_and_none_waited_for_past_the_timeout():
    """A name lookup that hangs (offline hosts whose resolver does not answer) is not
    bounded by the socket's timeout: the answers are collected when the timeout is over."""
    asked = []

    def hangs(host: str, port: int, timeout: float) -> str | None:
        asked.append(host)
        time.sleep(5)
        return None

    started = time.monotonic()
    answers = sources.probe_all([GITHUB, PACKAGES, ("a.example", 443)], 0.3, hangs)
    assert time.monotonic() - started < 1.5  # not 3 x 5 s, nor 5 s
    assert sorted(asked) == ["a.example", "github.com", "packages.daos.io"]
    assert set(answers.values()) == {"no answer within 0.3 s"}


def test_answers_that_come_in_time_are_kept(listening: int, closed: int):
    local = [("127.0.0.1", listening), ("127.0.0.1", closed)]
    assert sources.probe_all(local, 2) == {local[0]: None, local[1]: "Connection refused"}


def test_sources_that_answer():
    check = sources.check_sources(upstream_recipe("2.6"), ask=lambda host, port, timeout: None)
    assert check is not None
    assert (check.name, check.status) == ("sources", OK)
    assert check.detail == (
        "github.com:443, packages.daos.io:443 answer: the recipe's images can be built"
    )


def test_sources_that_do_not_answer_name_each_host_and_the_recipes_that_build_offline():
    def offline(host: str, port: int, timeout: float) -> str | None:
        return "Name or service not known" if host == "github.com" else None

    check = sources.check_sources(upstream_recipe("2.6"), ask=offline)
    assert check is not None
    assert check.status == WARN
    assert "cannot reach: github.com:443 (Name or service not known);" in check.detail
    assert "packages.daos.io" not in check.detail
    assert "--daos-recipe=sim" in check.fix and "--daos-recipe=local" in check.fix


def test_the_doctor_asks_only_when_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`pytest-daos doctor` asks (after the git check); a start's checks do not."""
    fake_host(tmp_path)
    asked = []

    def probe(host: str, port: int, timeout: float) -> str | None:
        asked.append(host)
        return "timed out"

    monkeypatch.setattr(sources, "probe", probe)
    settings = Settings(recipe="upstream", iface="lo", bdev_size=1)
    docker = check_docker(lambda: FakeClient(root_dir=tmp_path))
    recipe = upstream_recipe("2.6")
    checks = doctor.run_checks(settings, recipe, docker, tmp_path, sources=True)
    assert [check.name for check in checks][:3] == ["docker", "git", "sources"]
    assert checks[2].status == WARN
    assert sorted(asked) == ["github.com", "packages.daos.io"]
    checks = doctor.run_checks(settings, recipe, docker, tmp_path)
    assert "sources" not in [check.name for check in checks]
    assert len(asked) == 2
