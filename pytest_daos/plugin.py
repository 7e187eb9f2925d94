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

from . import factories
from .client import existing
from .cluster.doctor import PrerequisiteError
from .cluster.host import HostError, missing_capabilities, resolve_iface
from .cluster.labels import Owner
from .cluster.lifecycle import DaosSession, StartReport
from .cluster.recipes import RecipeError, describe_release, load_recipe, no_commits
from .cluster.record import load_state
from .runstate import STASH, Runtime, runtime
from .settings import OPTIONS, SettingsError, resolve

#: Where the pytest-xdist controller hands its identity (the cluster's owner) to workers.
OWNER_KEY = "pytest_daos_owner"


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
            group.addoption(option.cli, default=None, dest=option.ini, metavar="VALUE",
                            help=help_text)  # fmt: skip
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
        # a recipe that cannot be made is a usage error, found now (and without a network)
        load_recipe(settings, resolve=no_commits)
    except (SettingsError, RecipeError) as exc:
        raise pytest.UsageError(f"pytest-daos: {exc}") from None
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and OWNER_KEY in workerinput:
        state = Runtime(settings, Owner(**workerinput[OWNER_KEY]), worker=True)
    else:
        state = Runtime(settings, Owner.current(), worker=False)
    state.progress = _progress(config)
    config.stash[STASH] = state


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: the workers share one cluster, owned by this process."""
    state = runtime(node.config)
    state.controller = True
    node.workerinput[OWNER_KEY] = dataclasses.asdict(state.owner)


def pytest_report_header(config: pytest.Config) -> str:
    settings = runtime(config).settings
    if settings.system == "existing":
        return f"daos: existing DAOS {settings.version} system ({existing.describe(settings)})"
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
        f"daos: DAOS {describe_release(settings)}, recipe {settings.recipe}, interface {where}, "
        f"nodes run with {mode}"
    )


def _fixture_functions(item: pytest.Item) -> list[Any]:
    """The functions of every fixture the test uses, directly or not."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    return [
        definition.func
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
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
            runtime(config).cluster_for(_cluster_settings(first))
        except PrerequisiteError as exc:
            if runtime(config).settings.required:
                pytest.exit(f"pytest-daos (--daos-required): {exc}", returncode=1)
        except Exception:
            pass
    return (yield)


def pytest_runtest_call(item: pytest.Item) -> None:
    state = runtime(item.config)
    if state.first_test_at is None:
        state.first_test_at = time.monotonic()


def _install_sigterm(config: pytest.Config) -> None:
    """Turn SIGTERM into the orderly teardown of Ctrl-C while a cluster may be up."""

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt("SIGTERM")

    with contextlib.suppress(ValueError):  # not the main thread
        runtime(config).previous_sigterm = signal.signal(signal.SIGTERM, on_sigterm)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Tear the cluster down once: here, or in the xdist controller after every worker."""
    state = session.config.stash.get(STASH, None)
    if state is None:
        return
    if state.controller:
        recorded = load_state(state.settings.state_dir)
        if recorded is not None and recorded.session == state.owner.session:
            state.report = StartReport.from_dict(recorded.report)
        state.teardown_problems = DaosSession(state.settings, owner=state.owner).finish()
    else:
        state.finish()
    if state.previous_sigterm is not None:
        signal.signal(signal.SIGTERM, state.previous_sigterm)
        state.previous_sigterm = None


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(STASH, None)
    if state is None or state.report is None:
        return
    report = state.report
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
    for error in state.errors.values():
        write(f"the cluster did not start: {str(error).splitlines()[0]}", red=True)
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
daos_cluster.__doc__ = (
    """The running DAOS system: nodes `server`, `admin`, `client`, `dmg()`, `daos()`."""
)
daos_client = factories.daos_client()
daos_pool = factories.daos_pool()
daos_pool_factory = factories.daos_pool_factory()
daos_container = factories.daos_container()
daos_container_factory = factories.daos_container_factory()
