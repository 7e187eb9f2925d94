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
import uuid
from collections.abc import Generator, Iterator
from types import FrameType
from typing import Any

import pytest

from .coordination import load_state
from .doctor import PrerequisiteError
from .handles import DaosCluster, DaosContainer, DaosNode, DaosPool
from .host import HostError, missing_capabilities, resolve_iface
from .labels import Owner
from .recipes import RecipeError, load_recipe
from .session import DaosSession, StartReport
from .settings import OPTIONS, Settings, SettingsError, resolve

#: Where the pytest-xdist controller hands its identity (the cluster's owner) to workers.
OWNER_KEY = "pytest_daos_owner"

#: Fixtures that need the cluster; a test using any of them gets the `daos` marker.
DAOS_FIXTURES = frozenset({"daos_cluster", "daos_pool", "daos_container", "daos_client"})


class _State:
    """Per-run state of the plugin, kept in `config.stash`."""

    def __init__(self, settings: Settings, owner: Owner, worker: bool) -> None:
        self.settings = settings
        self.owner = owner  # who owns the cluster: this session, or the xdist controller
        self.worker = worker  # a pytest-xdist worker: the controller tears the cluster down
        self.controller = False  # a pytest-xdist controller (set when it configures a node)
        self.report: StartReport | None = None
        self.started_at = time.monotonic()
        self.first_test_at: float | None = None
        self.session: DaosSession | None = None
        self.cluster: DaosCluster | None = None
        self.error: BaseException | None = None
        self.teardown_problems: list[str] = []
        self.previous_sigterm: Any = None


STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("daos", "pytest-daos: a DAOS cluster in Docker for tests")
    for option in OPTIONS:
        default = f" (default: {option.default})" if option.default is not None else ""
        help_text = f"{option.help}{default}; ini {option.ini}, environment {option.env}"
        if option.flag:
            group.addoption(option.cli, action="store_const", const=True, default=None,
                            dest=option.ini, help=help_text)  # fmt: skip
        elif option.multiple:
            group.addoption(option.cli, action="append", default=None, dest=option.ini,
                            metavar="KEY=VALUE", help=help_text)  # fmt: skip
        else:
            group.addoption(option.cli, default=None, dest=option.ini, help=help_text)
        if option.multiple:
            parser.addini(option.ini, option.help, type="linelist", default=[])
        else:
            parser.addini(option.ini, option.help, default="")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "daos: the test uses a DAOS fixture (added by pytest-daos automatically)"
    )
    try:
        settings = resolve(
            cli=lambda option: config.getoption(option.ini),
            ini=lambda option: config.getini(option.ini),
        )
        load_recipe(settings)  # a recipe that cannot be made is a usage error, found now
    except (SettingsError, RecipeError) as exc:
        raise pytest.UsageError(f"pytest-daos: {exc}") from None
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and OWNER_KEY in workerinput:
        config.stash[STATE] = _State(settings, Owner(**workerinput[OWNER_KEY]), worker=True)
    else:
        config.stash[STATE] = _State(settings, Owner.current(), worker=False)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: the workers share one cluster, owned by this process."""
    state = _state(node.config)
    state.controller = True
    node.workerinput[OWNER_KEY] = dataclasses.asdict(state.owner)


def _state(config: pytest.Config) -> _State:
    return config.stash[STATE]


def pytest_report_header(config: pytest.Config) -> str:
    settings = _state(config).settings
    try:
        iface = resolve_iface(settings.iface)
        where = f"{iface.name} ({iface.ip})"
    except HostError as exc:
        where = f"unusable: {exc}"
    missing = missing_capabilities()
    if settings.privileged == "yes" or (settings.privileged == "auto" and not missing):
        mode = "--privileged"
    else:
        mode = "explicit capabilities" + (
            f" (this runtime lacks {', '.join('CAP_' + name for name in missing)})"
            if missing
            else ""
        )
    return (
        f"daos: DAOS {settings.version}, recipe {settings.recipe}, interface {where}, "
        f"nodes run with {mode}"
    )


def _uses_daos(item: pytest.Item) -> bool:
    return bool(DAOS_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_daos(item):
            item.add_marker(pytest.mark.daos)


def _progress(config: pytest.Config) -> Any:
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def write(message: str) -> None:
        if reporter is not None and config.get_verbosity() >= 0:
            reporter.write_line(f"pytest-daos: {message}")

    return write


def _start(config: pytest.Config) -> DaosCluster:
    """Start the cluster once; a failure is kept and raised to every test that needs it."""
    state = _state(config)
    if state.cluster is None and state.error is None:
        state.session = DaosSession(state.settings, progress=_progress(config), owner=state.owner)
        try:
            state.cluster = state.session.start()
        except (Exception, KeyboardInterrupt) as exc:
            state.error = exc
            if isinstance(exc, KeyboardInterrupt):
                raise
    if state.error is not None:
        raise state.error
    assert state.cluster is not None
    return state.cluster


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """Start the cluster before the first test when any selected test needs it."""
    config = session.config
    if not config.option.collectonly and any(_uses_daos(item) for item in session.items):
        _install_sigterm(config)
        # A failure is kept and reported by the fixture of each test that needs the cluster.
        try:
            _start(config)
        except PrerequisiteError as exc:
            if _state(config).settings.required:
                pytest.exit(f"pytest-daos (--daos-required): {exc}", returncode=1)
        except Exception:
            pass
    return (yield)


def pytest_runtest_call(item: pytest.Item) -> None:
    state = _state(item.config)
    if state.first_test_at is None:
        state.first_test_at = time.monotonic()


def _install_sigterm(config: pytest.Config) -> None:
    """Turn SIGTERM into the orderly teardown of Ctrl-C while a cluster may be up."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt("SIGTERM")

    with contextlib.suppress(ValueError):  # not the main thread
        _state(config).previous_sigterm = signal.signal(signal.SIGTERM, on_sigterm)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tear the cluster down once: here, or in the xdist controller after every worker."""
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    if state.session is not None:
        state.report = state.session.report
    if state.controller:
        recorded = load_state(state.settings.state_dir)
        if recorded is not None and recorded.session == state.owner.session:
            state.report = StartReport.from_dict(recorded.report)
        state.teardown_problems = DaosSession(state.settings, owner=state.owner).finish()
    elif state.session is not None and not state.worker:
        state.teardown_problems = state.session.finish()
    state.cluster = None
    if state.previous_sigterm is not None:
        signal.signal(signal.SIGTERM, state.previous_sigterm)
        state.previous_sigterm = None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or (state.session is None and state.report is None):
        return
    report = state.report or state.session.report  # type: ignore[union-attr]
    write = terminalreporter.write_line
    terminalreporter.section("pytest-daos")
    if report.iface:
        write(
            f"DAOS {report.daos_version}, recipe {report.recipe}, interface "
            f"{report.iface} ({report.ip})"
            + (f", nodes ran {report.privileged_mode}" if report.privileged_mode else "")
        )
    if state.controller:
        write("one cluster for all pytest-xdist workers, torn down after the last one")
    if report.attached:
        write(f"no start: {report.attached}")
    if report.images:
        built = report.built
        write(
            f"images: {len(report.images) - len(built)} cached, {len(built)} built"
            + (f" ({', '.join(built)})" if built else " (all images were cached)")
        )
    if report.phases:
        phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in report.phases.items())
        write(f"cluster start: {report.seconds:.1f}s ({phases})")
    if state.first_test_at is not None:
        write(
            f"plugin start-up (pytest start to first test): "
            f"{state.first_test_at - state.started_at:.1f}s"
        )
    if state.error is not None:
        write(f"the cluster did not start: {str(state.error).splitlines()[0]}", red=True)
    for problem in state.teardown_problems:
        write(f"teardown problem: {problem}", red=True)
    if state.settings.keep or state.settings.reuse:
        recorded = load_state(state.settings.state_dir)
        if recorded is not None and recorded.keep and not state.worker:
            write(
                f"the cluster is kept running (session {recorded.session}): "
                f"`pytest-daos status` shows it, `pytest-daos down` removes it, "
                f"`docker exec -it {recorded.containers.get('admin')} dmg system query` "
                "reaches it"
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the node logs to the report of a failed test that used DAOS."""
    report = yield
    state = item.config.stash.get(STATE, None)
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


# -- fixtures ---------------------------------------------------------------------------------


def _cluster_or_fail(config: pytest.Config) -> DaosCluster:
    """The cluster; a host that cannot run DAOS skips the test, another failure fails it."""
    try:
        return _start(config)
    except PrerequisiteError as exc:
        problem: BaseException = exc
    except (HostError, RuntimeError) as exc:
        problem = exc
    if isinstance(problem, PrerequisiteError):  # --daos-required stopped the run before this
        pytest.skip(f"pytest-daos: {problem}")
    pytest.fail(f"pytest-daos could not start DAOS: {problem}", pytrace=False)


@pytest.fixture(scope="session")
def daos_cluster(request: pytest.FixtureRequest) -> DaosCluster:
    """The running DAOS system: nodes `server`, `admin`, `client`, `dmg()`, `daos()`."""
    return _cluster_or_fail(request.config)


@pytest.fixture(scope="session")
def daos_client(daos_cluster: DaosCluster) -> DaosNode:
    """The client node (daos-client), where `daos` and dfuse run."""
    return daos_cluster.client


@pytest.fixture(scope="session")
def daos_pool(request: pytest.FixtureRequest, daos_cluster: DaosCluster) -> Iterator[DaosPool]:
    """A pool for the whole session (size --daos-pool-size), destroyed at the end."""
    settings = _state(request.config).settings
    label = f"pytest_daos_{uuid.uuid4().hex[:8]}"
    pool = daos_cluster.create_pool(label, settings.pool_size)
    yield pool
    pool.destroy()


@pytest.fixture
def daos_container(daos_pool: DaosPool) -> Iterator[DaosContainer]:
    """A fresh POSIX container in `daos_pool`, destroyed after the test."""
    container = daos_pool.create_container(f"c_{uuid.uuid4().hex[:12]}", "POSIX")
    yield container
    container.destroy()
