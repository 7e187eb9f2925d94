"""Long, silent steps say they are alive: a wait (the ranks' join, a drill's rebuild) every
HEARTBEAT seconds with what it sees, a build step (or a base image pull) that runs longer
than the builder's heartbeat, each through the progress callable it is given."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_docker import FakeClient, FakeImage

from pytest_daos import waiting
from pytest_daos.client.dmg import Member
from pytest_daos.cluster.images import ImageBuilder
from pytest_daos.cluster.nodes import DockerCluster
from pytest_daos.cluster.recipes import ImageSpec, Recipe
from pytest_daos.waiting import Deadline, Heartbeat, NotYet, poll


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_heartbeat_says_the_step_is_alive_once_every_interval():
    clock, said = Clock(), []
    alive = Heartbeat(said.append, every=5, clock=clock)
    for now in (101, 104.9, 105, 106, 109.9, 110.2):
        clock.now = now
        alive.beat("waiting for 2 ranks to join: 1 joined")
    assert said == [
        "waiting for 2 ranks to join: 1 joined, 5 s",
        "waiting for 2 ranks to join: 1 joined, 10 s",
    ]


def test_a_new_step_starts_its_heartbeat_over():
    clock, said = Clock(), []
    alive = Heartbeat(said.append, every=10, clock=clock)
    clock.now = 109
    alive.restart()  # step 2 begins (and was said) 9 s in
    clock.now = 118
    alive.beat("building daos-server: step 2/7")
    clock.now = 119
    alive.beat("building daos-server: step 2/7")
    assert said == ["building daos-server: step 2/7, 10 s"]


def slow_probe(seconds: float, seen: str = "rank 0 joining") -> Any:
    """A probe that is not ready for `seconds`."""
    ready_at = time.monotonic() + seconds

    def probe() -> str:
        if time.monotonic() < ready_at:
            raise NotYet(seen)
        return "ready"

    return probe


def test_a_long_poll_says_what_it_waits_for_and_what_it_sees():
    said: list[str] = []
    assert poll(slow_probe(0.5), Deadline(30), "rank 0 to join", progress=said.append,
                heartbeat=0.1) == "ready"  # fmt: skip
    assert said, "no heartbeat in a 0.5 s wait with a heartbeat of 0.1 s"
    assert all(line.startswith("waiting for rank 0 to join: rank 0 joining, ") for line in said)
    assert all(line.endswith(" s") for line in said)


def test_a_short_poll_says_nothing():
    said: list[str] = []
    poll(slow_probe(0.05), Deadline(30), "rank 0 to join", progress=said.append, heartbeat=5)
    assert said == []


def test_what_a_wait_saw_is_cut_to_one_short_line():
    said: list[str] = []
    poll(slow_probe(0.3, "x" * 500 + "\nsecond line"), Deadline(30), "it",
         progress=said.append, heartbeat=0.05)  # fmt: skip
    assert said and all(len(line) < waiting.SEEN_TEXT + 30 for line in said)
    assert "second line" not in "".join(said)


# -- the ranks' join -----------------------------------------------------------------------


def member(rank: int, state: str) -> Member:
    return Member(rank, state, "", "", "ofi+tcp://192.0.2.2:31416", "")


class Dmg:
    """`dmg system query`: rank 1 stopped for the first `slow` answers, then joined."""

    def __init__(self, slow: int) -> None:
        self.left = slow

    def system_query(self, timeout: float) -> list[Member]:
        self.left -= 1
        return [member(0, "joined"), member(1, "joined" if self.left < 0 else "stopped")]


def test_the_wait_for_the_ranks_to_join_says_how_many_joined(monkeypatch):
    monkeypatch.setattr(waiting, "HEARTBEAT", 0.05)
    said: list[str] = []
    cluster = DockerCluster(None, "2.6.5", {}, None, progress=said.append)
    members = cluster._wait_joined(Dmg(slow=3), Deadline(30), ranks=2)  # type: ignore[arg-type]
    assert [m.state for m in members] == ["joined", "joined"]
    assert said, "no heartbeat while rank 1 was not joined"
    assert said[0].startswith("waiting for 2 ranks to join: 1 joined; rank 1 stopped, ")


# -- a build -------------------------------------------------------------------------------


def recipe(tmp_path: Path) -> Recipe:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM debian:bookworm\nRUN make\n")
    spec = ImageSpec("daos-base", "pytest-daos/daos-base:test", dockerfile)
    return Recipe("test", "2.6.5", "ofi+tcp", (spec,), ())


def build_output(pause: float) -> Iterator[dict[str, Any]]:
    """What Docker streams for a build that pulls its base image, then runs a silent step;
    each of the two takes `pause` seconds."""
    yield {"stream": "Step 1/2 : FROM debian:bookworm\n"}
    yield {"status": "Pulling from library/debian", "id": "bookworm"}
    time.sleep(pause)
    yield {"status": "Status: Downloaded newer image for debian:bookworm"}
    yield {"stream": "Step 2/2 : RUN make\n"}
    time.sleep(pause)
    yield {"stream": "Successfully built 0123456789ab\n"}


def builder(tmp_path: Path, said: list[str], stream: Iterator[dict[str, Any]]) -> ImageBuilder:
    client = FakeClient()

    def build(**kwargs: Any) -> Iterator[dict[str, Any]]:
        client.images.by_tag[kwargs["tag"]] = FakeImage(kwargs["tag"])
        return stream

    client.api.build = build  # type: ignore[method-assign]
    return ImageBuilder(client, tmp_path / "state", said.append, heartbeat=0.1)


def test_a_silent_build_step_and_a_base_image_pull_say_they_are_alive(tmp_path):
    said: list[str] = []
    builder(tmp_path, said, build_output(pause=0.5)).ensure(recipe(tmp_path))
    beats = [line for line in said if line.startswith("building daos-base: ")]
    assert "  image 1/1 daos-base: pulling library/debian:bookworm" in said
    assert any(line.startswith("building daos-base: step 1/2, pulling library/debian:bookworm, ")
               for line in beats), said  # fmt: skip
    assert any(line.startswith("building daos-base: step 2/2, ") for line in beats), said
    assert not any("pulling" in line for line in beats if "step 2/2" in line)


def test_a_quick_build_says_only_its_steps(tmp_path):
    said: list[str] = []
    builder(tmp_path, said, build_output(pause=0)).ensure(recipe(tmp_path))
    assert not [line for line in said if line.startswith("building daos-base: ")], said


def test_a_build_stream_that_breaks_raises_where_the_build_is_followed(tmp_path):
    def broken() -> Iterator[dict[str, Any]]:
        yield {"stream": "Step 1/2 : FROM debian:bookworm\n"}
        raise ConnectionResetError("the engine went away")

    with pytest.raises(ConnectionResetError, match="the engine went away"):
        builder(tmp_path, [], broken()).ensure(recipe(tmp_path))
