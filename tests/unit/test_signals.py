"""Signals held back while a step that must not be cut runs."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from pytest_daos import signals


def test_ctrl_c_waits_for_the_block_and_then_interrupts():
    ran_to_the_end = False
    told = []
    with pytest.raises(KeyboardInterrupt), signals.held(told.append) as received:
        os.kill(os.getpid(), signal.SIGINT)
        ran_to_the_end = True
    assert ran_to_the_end and received == [signal.SIGINT] and told == [signal.SIGINT]


def test_without_redelivery_the_block_only_learns_of_it():
    previous = signal.getsignal(signal.SIGTERM)
    with signals.held(redeliver=False) as received:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
    assert received == [signal.SIGTERM, signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) is previous


def a_frame_in(path: str, function: str = "run") -> object:
    """A stand-in for the frame a signal interrupted: `function` of the file at `path`."""
    code = type("Code", (), {"co_filename": path, "co_name": function})
    return type("Frame", (), {"f_code": code})()


def test_an_interruption_is_raised_where_the_main_thread_is():
    handler = signals.interrupter("SIGTERM", again=lambda signum: pytest.fail("sent again"))
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        handler(signal.SIGTERM, a_frame_in(__file__))
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):  # waiting for a lock
        handler(signal.SIGTERM, a_frame_in(threading.__file__, "wait"))
    with pytest.raises(KeyboardInterrupt) as ctrl_c:
        signals.interrupter()(signal.SIGINT, None)
    assert ctrl_c.value.args == ()  # as Python's own Ctrl-C


def test_between_taking_a_lock_and_its_with_block_the_signal_comes_again_instead():
    """Raised in Condition.__enter__ after the lock was taken, the interruption would leave
    the lock taken for good (and the Docker SDK's connection pool waiting on it forever)."""
    sent = []
    handler = signals.interrupter("SIGTERM", again=sent.append)
    handler(signal.SIGTERM, a_frame_in(threading.__file__, "__enter__"))
    assert sent == [signal.SIGTERM]


def test_a_signal_sent_again_interrupts_once_the_lock_is_entered():
    """The whole way: a SIGTERM that came in a lock's __enter__ is raised a moment later,
    where the main thread waits."""
    previous = signal.signal(signal.SIGTERM, signals.interrupter("SIGTERM"))
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            locking = a_frame_in(threading.__file__, "__enter__")
            signals.interrupter("SIGTERM")(signal.SIGTERM, locking)
            threading.Event().wait(5)  # interrupted long before
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_signal_due_again_after_the_run_ended_is_not_sent():
    """Sent again after the handlers were given back, SIGTERM's default action would kill
    the process."""
    previous = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        signals._send_again(signal.SIGTERM)
        time.sleep(signals.AGAIN_AFTER * 20)  # alive: nothing was sent
    finally:
        signal.signal(signal.SIGTERM, previous)
