"""pytest hooks and fixtures of pytest-daos (registered through the `pytest11` entry point).

The cluster starts once per session, after collection and before the first test that needs
it (so no per-test timeout counts image builds or the cluster start); it is torn down at
the end of the session, also after Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
import time
from collections.abc import Generator
from types import FrameType
from typing import Any

import pytest

from . import factories, signals, timeouts
from .cluster.api import Owner, PrerequisiteError, SimBase, prepare
from .errors import PytestDaosError
from .runstate import STASH, RunState, run_state
from .settings import OPTIONS, Option, register_options, resolve

#: The sim recipe's base image and why it was chosen, for the header.
SIM_BASE = pytest.StashKey[SimBase]()
#: Where the pytest-xdist controller hands its identity (the cluster's owner) to workers.
OWNER_KEY = "pytest_daos_owner"
#: Where a pytest-xdist worker hands what its start did back to the controller.
REPORT_KEY = "pytest_daos_report"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("daos", "pytest-daos: a DAOS cluster in Docker for tests")
    register_options(group.addoption, dest=lambda option: option.ini, help=_help)
    for option in OPTIONS:
        if option.multiple:
            parser.addini(option.ini, option.help, type="linelist", default=[])
        else:
            parser.addini(option.ini, option.help, default="")


def _help(option: Option) -> str:
    default = f" (default: {option.default})" if option.default is not None else ""
    return f"{option.help}{default}; ini {option.ini}, environment {option.env}"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "daos: the test uses a DAOS fixture (added by pytest-daos automatically)"
    )
    config.addinivalue_line(
        "markers",
        f"{factories.FRESH_MARKER}: make the test's daos_container in its own setup and "
        "destroy it in its teardown, not ahead of need in the background",
    )
    try:
        settings = resolve(
            cli=lambda option: config.getoption(option.ini),
            ini=lambda option: config.getini(option.ini),
        )
        # a recipe that cannot be made is a usage error, found now (and without a network)
        prepared = prepare(settings)
    except PytestDaosError as exc:
        raise pytest.UsageError(f"pytest-daos: {exc}") from None
    settings, recipe = prepared.settings, prepared.recipe
    if prepared.sim_base is not None:
        config.stash[SIM_BASE] = prepared.sim_base
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and OWNER_KEY in workerinput:
        state = RunState(settings, Owner(**workerinput[OWNER_KEY]), worker=True, recipe=recipe)
    else:
        state = RunState(settings, Owner.current(), worker=False, recipe=recipe)
    state.progress = _progress(config)
    config.stash[STASH] = state


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: the workers share one cluster, owned by this process, which
    removes it at the end, also when it is sent SIGTERM."""
    state = run_state(node.config)
    state.controller = True
    node.workerinput[OWNER_KEY] = dataclasses.asdict(state.owner)
    if state.previous_sigterm is None:
        _install_sigterm(node.config)


def pytest_report_header(config: pytest.Config) -> str:
    state = run_state(config)
    base = config.stash.get(SIM_BASE, None)
    recipe = state.settings.recipe + (f" on {base.describe()}" if base is not None else "")
    return f"daos: {state.describe(recipe)}"


def _fixture_functions(item: pytest.Item) -> list[Any]:
    """The functions of every fixture the test uses, directly or not (none for an item
    without fixtures), as pytest's fixture manager knows them."""
    names = getattr(item, "fixturenames", None)
    manager = item.config.pluginmanager.get_plugin("funcmanage")
    if not names or manager is None:
        return []
    # pytest 8.0 finds the fixtures a test sees by its node id, later releases by the node
    seen_from = item.nodeid if pytest.version_tuple < (8, 1) else item
    # a name the test is parametrized with is given its values there, not by a fixture
    given = getattr(getattr(item, "callspec", None), "params", {})
    return [
        definition.func
        for name in names
        if name not in given
        for definition in manager.getfixturedefs(name, seen_from) or ()
    ]


def _uses_daos(item: pytest.Item) -> bool:
    """Whether the test uses a fixture made by pytest-daos's factories (directly or not)."""
    return any(getattr(func, factories.MARK, False) for func in _fixture_functions(item))


def _cluster_settings(item: pytest.Item) -> dict[str, Any]:
    """The settings of the cluster fixture the test uses (a factory's own, or none)."""
    for func in _fixture_functions(item):
        settings = getattr(func, factories.SETTINGS, None)
        if settings is not None:
            return dict(settings)
    return {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_daos(item):
            item.add_marker(pytest.mark.daos)


def _progress(config: pytest.Config) -> Any:
    """Progress lines on the terminal (not under -q), also from inside a fixture's setup."""

    def write(message: str) -> None:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or config.get_verbosity() < 0:
            return
        capture = config.pluginmanager.get_plugin("capturemanager")
        suspended = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        with suspended:
            reporter.ensure_newline()
            reporter.write_line(f"pytest-daos: {message}")

    return write


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """Start the cluster before the first test when any selected test needs it."""
    config = session.config
    first = next((item for item in session.items if _uses_daos(item)), None)
    if not config.option.collectonly and first is not None:
        _install_sigterm(config)
        # A failure is kept and reported by the fixture of each test that needs the cluster.
        try:
            run_state(config).cluster_for(_cluster_settings(first))
        except KeyboardInterrupt as interrupt:
            # where inside the start it came is noise (and pytest cannot render every
            # frame of it): the interruption is said from here
            raise interrupt.with_traceback(None) from None
        except PrerequisiteError as exc:
            if run_state(config).settings.required:
                pytest.exit(f"pytest-daos (--daos-required): {exc}", returncode=1)
        except Exception:
            pass
    return (yield)


def pytest_runtest_setup(item: pytest.Item) -> None:
    problem = _heal(item)
    if problem is not None:
        pytest.fail(problem, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """A test that left a rank down or a pool degraded: healed before its fixtures'
    teardown destroys its pools (and, failing that, before the next test). The fixtures
    are torn down also when it cannot be healed; the test fails after them."""
    problem = _heal(item)
    result = yield
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    return result


def _heal(item: pytest.Item) -> str | None:
    """Around a test that needs DAOS: a cluster a drill left degraded is healed; why it
    could not be (None: healthy, or healed)."""
    return run_state(item.config).heal() if _uses_daos(item) else None


def pytest_runtest_call(item: pytest.Item) -> None:
    state = run_state(item.config)
    if state.first_test_at is None:
        state.first_test_at = time.monotonic()


@pytest.hookimpl(optionalhook=True, wrapper=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Generator[None, object, object]:
    """pytest-timeout starts a test's timer: the plugin's fixtures hold it while they work."""
    timeouts.started(item, settings)
    return (yield)


@pytest.hookimpl(optionalhook=True, wrapper=True)
def pytest_timeout_cancel_timer(item: pytest.Item) -> Generator[None, object, object]:
    timeouts.cancelled(item)
    return (yield)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist controller: keep what a worker's start did (its summary shows a cluster
    the workers attached to, such as a kept one under --daos-reuse)."""
    report = getattr(node, "workeroutput", {}).get(REPORT_KEY)
    if report is not None:
        run_state(node.config).worker_reports.append(report)


def _install_sigterm(config: pytest.Config) -> None:
    """Turn SIGTERM into the orderly teardown of Ctrl-C while a cluster may be up."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt("SIGTERM")

    with contextlib.suppress(ValueError):  # not the main thread
        run_state(config).previous_sigterm = signal.signal(signal.SIGTERM, on_sigterm)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tear the cluster down once: here, or in the xdist controller after every worker.

    Last of all, so that after an interruption the fixtures' own teardowns (pytest runs
    those that are left in its own sessionfinish) still find the nodes running.
    """
    state = session.config.stash.get(STASH, None)
    if state is None:
        return

    def say(signum: signal.Signals) -> None:
        state.progress(
            f"{signum.name} during the teardown: finishing it first, so that nothing is left behind"
        )

    with signals.held(say, redeliver=False) as interrupted:  # the run still ends
        state.finish()
    if interrupted:
        session.exitstatus = pytest.ExitCode.INTERRUPTED
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None and state.report is not None:
        workeroutput[REPORT_KEY] = state.report.to_dict()
    if state.previous_sigterm is not None:
        signal.signal(signal.SIGTERM, state.previous_sigterm)
        state.previous_sigterm = None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(STASH, None)
    lines = state.summary() if state is not None else []
    if lines:
        terminalreporter.section("pytest-daos")
    for line, bad in lines:
        terminalreporter.write_line(line, red=bad)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the node logs to the report of a failed test that used DAOS."""
    report = yield
    state = item.config.stash.get(STASH, None)
    if report.failed and state is not None and state.cluster is not None and _uses_daos(item):
        for node in state.cluster.nodes:
            try:
                logs = node.logs()
            except Exception as exc:
                logs = {"logs": f"unavailable: {exc}"}
            for source, text in logs.items():
                if text.strip():
                    report.sections.append((f"daos {node.hostname} {source}", text))
    return report


# -- the default fixtures, made by the factories a conftest can use too -------------------

daos_cluster = factories.daos_cluster()
daos_client = factories.daos_client()
daos_pool = factories.daos_pool()
daos_pool_factory = factories.daos_pool_factory()
daos_container = factories.daos_container()
daos_container_factory = factories.daos_container_factory()
daos_drill_pool = factories.daos_drill_pool()
daos_drill_container = factories.daos_drill_container()
