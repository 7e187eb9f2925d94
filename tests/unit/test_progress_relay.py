"""The side channel of a pytest-xdist worker's progress lines: the worker appends each line
to a file in the state folder, the controller's thread shows them in order while the run
lasts; at the end the rest is shown, the thread stopped, the file removed, and nothing is
shown after. No pytest, no xdist: the file and the thread alone."""

from __future__ import annotations

import os
import threading
import time

from pytest_daos.progress import ProgressRelay, Relayed, relay_path, write_relayed


def until(condition, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_the_controller_shows_a_workers_lines_while_the_run_lasts(tmp_path):
    path = relay_path(tmp_path / "state", "a1b2c3")
    shown: list[Relayed] = []
    relay = ProgressRelay(path, shown.append, interval=0.02)
    relay.start()
    try:
        write_relayed(path, Relayed("phase", "starting the nodes", "gw1"))
        assert until(lambda: shown == [Relayed("phase", "starting the nodes", "gw1")])
        assert (path.stat().st_mode & 0o777) == 0o600
    finally:
        relay.stop()
    assert not path.exists()


def test_no_line_is_lost_and_each_keeps_its_order(tmp_path):
    """Two workers write at once; the last lines come just before the stop."""
    path = relay_path(tmp_path, "s")
    shown: list[Relayed] = []
    relay = ProgressRelay(path, shown.append, interval=0.01)
    relay.start()

    def worker(name: str) -> None:
        for n in range(200):
            write_relayed(path, Relayed("detail", f"line {n}\nwith a second line", name))

    workers = [threading.Thread(target=worker, args=(name,)) for name in ("gw0", "gw1")]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    relay.stop()
    for name in ("gw0", "gw1"):
        texts = [line.text for line in shown if line.worker == name]
        assert texts == [f"line {n}\nwith a second line" for n in range(200)]


def test_a_line_half_written_waits_for_its_end(tmp_path):
    path = tmp_path / "progress-s.jsonl"
    shown: list[Relayed] = []
    relay = ProgressRelay(path, shown.append)
    whole = Relayed("detail", "formatting storage", "gw0").encode()
    path.write_bytes(whole[:10])
    relay.read()
    assert shown == []
    with path.open("ab") as file:
        file.write(whole[10:])
    relay.read()
    assert shown == [Relayed("detail", "formatting storage", "gw0")]
    relay.stop()


def test_nothing_is_shown_after_the_stop_and_the_thread_ends(tmp_path):
    path = tmp_path / "progress-s.jsonl"
    shown: list[Relayed] = []
    relay = ProgressRelay(path, shown.append, interval=0.01)
    relay.start()
    write_relayed(path, Relayed("detail", "before", "gw0"))
    relay.stop()
    assert [line.text for line in shown] == ["before"]
    assert not any(thread.name == "pytest-daos progress" for thread in threading.enumerate())
    write_relayed(path, Relayed("detail", "after", "gw0"))  # a worker late at the end
    relay.read()
    relay.stop()  # again: harmless
    assert [line.text for line in shown] == ["before"]


def test_a_line_that_is_no_relayed_line_is_shown_as_its_text(tmp_path):
    path = tmp_path / "progress-s.jsonl"
    path.write_bytes(b"not json\n")
    shown: list[Relayed] = []
    relay = ProgressRelay(path, shown.append)
    relay.stop()
    assert shown == [Relayed("detail", "not json")]


def test_a_show_that_fails_does_not_end_the_relay(tmp_path):
    path = tmp_path / "progress-s.jsonl"
    shown: list[str] = []

    def show(line: Relayed) -> None:
        if line.text == "bad":
            raise OSError("the terminal is gone")
        shown.append(line.text)

    relay = ProgressRelay(path, show, interval=0.01)
    relay.start()
    for text in ("bad", "good"):
        write_relayed(path, Relayed("detail", text, "gw0"))
    assert until(lambda: shown == ["good"])
    relay.stop()


def test_a_worker_never_writes_through_a_symlink(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("")
    path = tmp_path / "progress-s.jsonl"
    os.symlink(target, path)
    write_relayed(path, Relayed("detail", "line", "gw0"))
    assert target.read_text() == ""
