"""pytest-timeout's timer held still while the plugin's fixtures work on DAOS.

pytest-timeout times a test's setup, call and teardown together unless `timeout_func_only`
is set, so the pool the first test's setup makes, a cluster with other settings started
in a setup, and the pools destroyed in the last test's teardown would count against that
test's timeout. The plugin's hooks (`pytest_timeout_set_timer` and `..._cancel_timer`,
which pytest-timeout offers to other plugins) tell this module when a test's timer runs;
each fixture made by `pytest_daos.factories` stops it while it sets up and while it tears
down (`held`), and starts it again with the time that was left. Without pytest-timeout, or
with no timer running (`timeout_func_only` outside the test's call), nothing is done.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pytest

F = TypeVar("F", bound=Callable[..., Any])

#: The smallest time a test's timer is started again with, in seconds.
LEAST = 0.01


@dataclass(frozen=True)
class Timer:
    """A test's running timer: the test, pytest-timeout's settings and when it started."""

    item: pytest.Item
    settings: Any  # pytest_timeout.Settings: timeout, method, func_only, ...
    started: float


RUNNING = pytest.StashKey["Timer | None"]()


def started(item: pytest.Item, settings: Any) -> None:
    """pytest-timeout started `item`'s timer."""
    item.config.stash[RUNNING] = Timer(item, settings, time.monotonic())


def cancelled(item: pytest.Item) -> None:
    """pytest-timeout stopped `item`'s timer (the test is over, or pdb took over)."""
    running = item.config.stash.get(RUNNING, None)
    if running is not None and running.item is item:
        item.config.stash[RUNNING] = None


@contextlib.contextmanager
def held(config: pytest.Config) -> Iterator[None]:
    """The running test's timer stopped inside; started again after with what was left
    of the test's timeout, to the hundredth of a second (pytest-timeout's message names
    that time; a timer that had run out fires at once)."""
    running = config.stash.get(RUNNING, None)
    if running is None:
        yield
        return
    hook = config.pluginmanager.hook
    hook.pytest_timeout_cancel_timer(item=running.item)
    left = running.settings.timeout - (time.monotonic() - running.started)
    try:
        yield
    finally:
        settings = running.settings._replace(timeout=max(round(left, 2), LEAST))
        hook.pytest_timeout_set_timer(item=running.item, settings=settings)


def holding(function: F) -> F:
    """The fixture function `function` (which takes `request`) with the running test's timer
    held while it sets up and, a generator, while it tears down after its `yield`."""
    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def generator(request: pytest.FixtureRequest) -> Iterator[Any]:
            steps = function(request)
            with held(request.config):
                value = next(steps)
            yield value
            with held(request.config):
                next(steps, None)

        return cast(F, generator)

    @functools.wraps(function)
    def plain(request: pytest.FixtureRequest) -> Any:
        with held(request.config):
            return function(request)

    return cast(F, plain)
