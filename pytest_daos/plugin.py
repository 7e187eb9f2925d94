"""pytest hooks and fixtures of pytest-daos (registered through the `pytest11` entry point).

The cluster starts once per session, after collection and before the first test that needs
it (so no per-test timeout counts image builds or the cluster start); it is torn down at
the end of the session, also after Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import time
from collections.abc import Generator
from typing import Any

import pytest

from . import factories, signals, timeouts
from .cluster.api import Owner, PrerequisiteError, SimBase, prepare, require_settings
from .errors import PytestDaosError
from .progress import (
    RELAY_KEY,
    ProgressRelay,
    progress_writer,
    relay_path,
    relay_shower,
    show_header,
)
from .runstate import STASH, RunState, run_state
from .settings import (
    OPTIONS,
    Option,
    SettingsError,
    derived_settings,
    given_settings,
    register_options,
    resolve,
)
from .usage import cluster_settings, uses_daos

#: The sim recipe's base image and why it was chosen, for the header.
SIM_BASE = pytest.StashKey[SimBase]()
#: Where the pytest-xdist controller hands its identity (the cluster's owner) to workers.
OWNER_KEY = "pytest_daos_owner"
#: Where a pytest-xdist worker hands what its start did back to the controller.
REPORT_KEY = "pytest_daos_report"
#: The pytest-xdist controller's reader of its workers' progress lines.
RELAY = pytest.StashKey[ProgressRelay]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("daos", "pytest-daos: a DAOS cluster in Docker for tests")
    register_options(group.addoption, dest=lambda option: option.ini, help=Option.described)
    for option in OPTIONS:
        if option.multiple:
            parser.addini(option.ini, option.help, type="linelist", default=[])
        elif option.flag:  # unset: None, so the environment and the default still apply
            parser.addini(option.ini, option.help, type="bool", default=None)
        else:
            parser.addini(option.ini, option.help, default="")


def _ini_value(config: pytest.Config, option: Option) -> Any:
    """The ini file's value of `option` as pytest reads it (a boolean as a bool); a value
    pytest cannot read as the option's type is a SettingsError naming the key."""
    try:
        return config.getini(option.ini)
    except (ValueError, TypeError, pytest.UsageError) as exc:
        raise SettingsError(f"ini key {option.ini}: {exc}: write {option.ini_kind}") from None


def _ini_source(config: pytest.Config, option: Option) -> str:
    """Where pytest read the ini value of `option`: `-o` (`--override-ini`), or the ini
    file as pytest's header names it (from the rootdir)."""
    overrides = config.getoption("override_ini", None) or []
    if any(item.partition("=")[0] == option.ini for item in overrides):
        return f"-o {option.ini}"
    if config.inipath is None:
        return "the ini file"
    return os.path.relpath(config.inipath, config.rootpath)


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
            ini=lambda option: _ini_value(config, option),
            ini_source=lambda option: _ini_source(config, option),
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
    try:  # a setting that cannot work on this host (a misspelt interface) is one too
        require_settings(settings, state.interface(settings))
    except PrerequisiteError as exc:
        raise pytest.UsageError(f"pytest-daos: {exc}") from None
    state.progress = progress_writer(config)
    config.stash[STASH] = state


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: the workers share one cluster, owned by this process, which
    removes it at the end, also when it is sent SIGTERM, and shows their progress lines."""
    state = run_state(node.config)
    state.controller = True
    node.workerinput[OWNER_KEY] = dataclasses.asdict(state.owner)
    if RELAY not in node.config.stash:
        path = relay_path(state.settings.state_dir, state.owner.session)
        node.config.stash[RELAY] = ProgressRelay(path, relay_shower(node.config))
        node.config.stash[RELAY].start()
    node.workerinput[RELAY_KEY] = str(node.config.stash[RELAY].path)
    if not state.previous_signals:
        _install_sigterm(node.config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """The DAOS system of the run, when a pytest-daos setting is given (else after
    collection, when a selected test needs DAOS); with -v also where each setting not left
    at its default came from."""
    return _header(config) if _given(config) else []


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]) -> list[str]:
    """The header's lines after collection when no setting is given but a selected test
    needs DAOS (a pytest-xdist worker's for its controller to show)."""
    if _given(config) or not any(uses_daos(item) for item in items):
        return []
    return show_header(config, lambda: "\n".join(_header(config)))


def _header(config: pytest.Config) -> list[str]:
    state = run_state(config)
    base = config.stash.get(SIM_BASE, None)
    recipe = state.settings.recipe + (f" on {base.describe()}" if base is not None else "")
    lines = [f"daos: {state.describe(recipe)}"]
    if config.get_verbosity() > 0:
        given = ", ".join(given_settings(state.settings)) or "the defaults"
        lines.append(f"daos settings: {given}")
        derived = derived_settings(state.settings)
        if derived:
            lines.append(f"daos defaults that follow from them: {', '.join(derived)}")
    return lines


def _given(config: pytest.Config) -> bool:
    """Whether a pytest-daos setting is given: on the command line, in the environment or
    in the ini file."""
    return bool(run_state(config).settings.sources)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if uses_daos(item):
            item.add_marker(pytest.mark.daos)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """Start the cluster before the first test when any selected test needs it."""
    config = session.config
    first = next((item for item in session.items if uses_daos(item)), None)
    if not config.option.collectonly and first is not None:
        _install_sigterm(config)
        # A failure is kept and reported by the fixture of each test that needs the cluster.
        try:
            run_state(config).cluster_for(cluster_settings(first))
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
    return run_state(item.config).heal() if uses_daos(item) else None


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
    """Turn SIGTERM into the orderly teardown of Ctrl-C while a cluster may be up, and
    keep both out of the code of a lock (`signals.interrupter`)."""
    handlers = {
        signal.SIGINT: signals.interrupter(),
        signal.SIGTERM: signals.interrupter("SIGTERM"),
    }
    with contextlib.suppress(ValueError):  # not the main thread
        for signum, handler in handlers.items():
            run_state(config).previous_signals[signum] = signal.signal(signum, handler)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tear the cluster down once: here, or in the xdist controller after every worker.

    Last of all, so that after an interruption the fixtures' own teardowns (pytest runs
    those that are left in its own sessionfinish) still find the nodes running.
    """
    relay = session.config.stash.get(RELAY, None)
    if relay is not None:  # the workers are done: their last lines are shown before ours
        relay.stop()
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
    for signum, handler in state.previous_signals.items():
        signal.signal(signum, handler)
    state.previous_signals.clear()


def pytest_unconfigure(config: pytest.Config) -> None:
    relay = config.stash.get(RELAY, None)
    if relay is not None:  # a session that did not finish
        relay.stop()


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
    if report.failed and state is not None and state.cluster is not None and uses_daos(item):
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
