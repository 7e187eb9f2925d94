"""Signals held back while a step that must not be cut runs."""

from __future__ import annotations

import os
import signal

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
