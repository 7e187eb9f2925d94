"""Every prerequisite check for one set of settings, and the doctor's report of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..settings import Settings, given_as
from . import checks as host_checks
from . import config_files, engine_git, host
from .checks import Check
from .host import Interface, InterfaceError
from .recipes import Recipe
from .sources import check_sources

PORTS = {"control": config_files.CONTROL_PORT, "fabric": config_files.FABRIC_PORT}


def ports(engines: int) -> dict[str, int]:
    """The ports the nodes listen on: control, and the fabric port of each engine."""
    if engines == 1:
        return dict(PORTS)
    return {
        "control": config_files.CONTROL_PORT,
        **{f"fabric {i}": config_files.fabric_port(i) for i in range(engines)},
    }


class PrerequisiteError(host.HostError):
    """The host's state cannot run DAOS (no Docker engine, a busy port, too few hugepages):
    the message names every failed check and its fix; the tests that need DAOS are skipped
    (`host_state`)."""

    #: whether the host's state alone is at fault, not a setting the user gave
    host_state = True

    def __init__(self, checks: list[Check]) -> None:
        self.checks = checks
        self.mistakes: list[Check] = []
        super().__init__(f"the host cannot run DAOS: {host_checks.summary(checks)}")


class SettingsMistake(PrerequisiteError):
    """Settings the user gave cannot work on this host (a misspelt interface, more SCM
    than the memory holds, more engines than cores): the message names them and the
    checks they fail (`mistakes`); the run fails rather than skipping its DAOS tests."""

    host_state = False

    def __init__(self, checks: list[Check], mistakes: list[Check], named: str) -> None:
        super(PrerequisiteError, self).__init__(
            f"{named} cannot work on this host: {host_checks.summary(mistakes)}"
        )
        self.checks, self.mistakes = checks, mistakes


def _mistakes(checks: list[Check], settings: Settings) -> tuple[list[Check], str]:
    """The failed checks a setting the user gave causes, and those settings as given."""
    mistakes = [check for check in checks if check.mistake(settings.sources)]
    blamed = dict.fromkeys(
        name for check in mistakes for name in check.settings if name in settings.sources
    )
    return mistakes, ", ".join(given_as(settings, name) for name in blamed)


def run_checks(
    settings: Settings,
    recipe: Recipe,
    docker: tuple[Check, Any],
    root: Path = host.ROOT,
    iface: Interface | InterfaceError | None = None,
    sources: bool = False,
) -> list[Check]:
    """All checks for `settings` and the `recipe` they name, in the order a person fixes
    them.

    `docker` is what `checks.check_docker` returned: its check and the client (or None);
    `iface` the interface as the run resolved it (resolved here when not given); with
    `sources`, whether the hosts the recipe's images are built from answer (the doctor's
    question, at most `sources.PROBE_TIMEOUT` seconds; a start does not ask it).
    """
    if iface is None:
        iface = host.try_resolve_iface(settings.iface, root)
    docker_check, client = docker
    checks = [docker_check]
    if any(spec.remote is not None for spec in recipe.images):
        # the Docker engine clones the remote git contexts with its own git
        checks.append(engine_git.check_git(True, host.local_engine()))
    reached = check_sources(recipe) if sources else None
    if reached is not None:
        checks.append(reached)
    checks += [
        host_checks.check_privileged(settings.privileged, root),
        host_checks.check_interface(iface, root),
        host_checks.check_hugetlbfs(root),
        host_checks.check_hugepages(settings.hugepages, root),
        host_checks.check_iommu(root),
        host_checks.check_ports(ports(settings.engines), root),
        *_resource_checks(settings, host.host_facts(root)),
    ]
    if client is not None:
        root_dir = client.info().get("DockerRootDir", "/")
        bdev = settings.bdev_size
        checks.append(host_checks.check_disk(root_dir, bdev, engines=settings.engines))
    return checks


def _resource_checks(settings: Settings, facts: host.HostFacts) -> list[Check]:
    """The checks of what the engines take of the host: memory, THP, cores, and, for more
    than one engine, whether the sizes fit each of them."""
    reserved = config_files.system_ram_reserved(
        facts,
        config_files.ClusterConfig(
            daos_version=settings.version,
            provider="",
            iface="",
            scm_size_gib=settings.scm_size,
            bdev_size_gib=settings.bdev_size,
            hugepages=settings.hugepages,
            engines=settings.engines,
        ),
    )
    checks = [
        host_checks.check_memory(
            facts, settings.scm_size, settings.hugepages, reserved, settings.engines
        ),
        host_checks.check_thp(facts),
        host_checks.check_cores(
            facts,
            config_files.TARGETS + config_files.XS_HELPERS + config_files.RESERVED_CORES,
            settings.engines,
        ),
    ]
    if settings.engines > 1:
        checks.append(
            host_checks.check_engines(
                settings.engines, settings.hugepages, settings.scm_size, settings.version
            )
        )
    return checks


def require(checks: list[Check], settings: Settings | None = None) -> None:
    """Raise PrerequisiteError when any check failed: SettingsMistake when a setting of
    `settings` (the ones the checks ran for) that the user gave is at fault."""
    if not any(check.status == host_checks.FAIL for check in checks):
        return
    mistakes, named = _mistakes(checks, settings) if settings is not None else ([], "")
    if mistakes:
        raise SettingsMistake(checks, mistakes, named)
    raise PrerequisiteError(checks)


def require_settings(
    settings: Settings, iface: Interface | InterfaceError, root: Path = host.ROOT
) -> None:
    """Before anything runs: the checks that read only the settings and what this host is
    (its interfaces, memory and cores; no Docker engine, nothing that changes during a
    run). A setting the user gave that cannot work here raises SettingsMistake (a usage
    error); what the host's state does is left to the start's checks. An existing system
    is not checked: it runs elsewhere, and with no setting given there is no mistake to
    find (nothing is read: every pytest run of a project with the plugin comes here)."""
    if settings.system == "existing" or not settings.sources:
        return
    checks = [
        host_checks.check_interface(iface, root),
        *_resource_checks(settings, host.host_facts(root)),
    ]
    mistakes, named = _mistakes(checks, settings)
    if mistakes:
        raise SettingsMistake(checks, mistakes, named)


def report(checks: list[Check], as_json: bool = False) -> str:
    """The doctor's output: a table for people, or JSON for machines."""
    ready = not any(check.status == host_checks.FAIL for check in checks)
    if as_json:
        return json.dumps(
            {"ready": ready, "checks": [check.__dict__ for check in checks]}, indent=2
        )
    verdict = "DAOS can run on this host" if ready else "DAOS cannot run on this host yet"
    return f"{host_checks.table(checks)}\n\n{verdict}"
