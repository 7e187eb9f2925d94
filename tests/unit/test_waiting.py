"""The waits: a poll that explains its timeout, and a host-wide lock that says who holds
it and gives up after its deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from pytest_daos.waiting import (
    Deadline,
    LockTimeout,
    NotYet,
    WaitTimeout,
    hold_lock,
    lock_holder,
    poll,
)


def test_poll_returns_what_the_probe_returns_once_ready():
    answers = iter([NotYet("rank 0 joining"), NotYet("rank 0 joining"), "joined"])

    def probe():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert poll(probe, Deadline(30), "every rank joined") == "joined"


def test_poll_timeout_names_what_it_waited_for_and_the_last_answer():
    with pytest.raises(WaitTimeout) as caught:
        poll(lambda: (_ for _ in ()).throw(NotYet("rank 0 stopped")), Deadline(0.3), "rank 0")
    assert str(caught.value) == "rank 0 did not happen within 0s; last seen: rank 0 stopped"


HOLD = """
import sys, time
from pathlib import Path
from pytest_daos.waiting import hold_lock
with hold_lock(Path(sys.argv[1])):
    Path(sys.argv[2]).write_text("held")
    time.sleep(30)
"""


def test_a_held_lock_names_its_holder_and_gives_up_at_its_deadline(tmp_path):
    lock, held = tmp_path / "cluster.lock", tmp_path / "held"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(lock), str(held)])
    try:
        deadline = time.monotonic() + 30
        while not held.exists():
            assert time.monotonic() < deadline and holder.poll() is None
            time.sleep(0.05)
        said: list[str] = []
        with pytest.raises(LockTimeout) as caught, hold_lock(lock, said.append, timeout=0.5):
            pass
        assert len(said) == 1
        assert said[0].startswith(f"pid {holder.pid} (")
        assert f"is still held after 0.5s by pid {holder.pid} (" in str(caught.value)
    finally:
        holder.kill()
        holder.wait()
    with hold_lock(lock, said.append, timeout=0.5):  # free again: no wait, no message
        assert lock_holder(lock).startswith(f"pid {os.getpid()} (")
    assert len(said) == 1
