"""The sim recipe's base image when none is named: the usual one, or, when that one is not
on this host and cannot be pulled (an offline host), the one `scripts/host-setup.sh` makes
offline, if it is there.

The choice asks the Docker engine about images only (`client.images`): whether each is
present, and whether the registry can be reached for the usual one (a manifest lookup, no
download).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...settings import Settings
from ..host import DockerUnavailable, RemoteEngine, docker_client
from .sim import DEFAULT_SIM_BASE

#: The base image named when nothing else is: Debian 12 with Python, from Docker Hub.
USUAL = DEFAULT_SIM_BASE
#: The base image `scripts/host-setup.sh` makes offline (mmdebstrap, then docker import).
OFFLINE = "localhost/pytest-daos/sim-base:bookworm"


@dataclass(frozen=True)
class SimBase:
    """The base image the sim recipe builds on, and why, for the pytest header."""

    image: str
    why: str

    def describe(self) -> str:
        return f"base image {self.image} ({self.why})"


def _present(images: Any, name: str) -> bool:
    import docker.errors

    try:
        images.get(name)
    except docker.errors.ImageNotFound:
        return False
    return True


def choose(images: Any) -> SimBase:
    """The base image to use, given the Docker SDK's `client.images`."""
    import docker.errors

    if _present(images, USUAL):
        return SimBase(USUAL, "the default, on this host")
    if not _present(images, OFFLINE):
        return SimBase(USUAL, "the default, pulled by the first build")
    try:
        images.get_registry_data(USUAL)
    except docker.errors.DockerException:
        return SimBase(OFFLINE, f"the default {USUAL} is not on this host and cannot be pulled")
    return SimBase(USUAL, "the default, pulled by the first build")


def settle(
    settings: Settings, client_factory: Callable[[], Any] = docker_client
) -> tuple[Settings, SimBase]:
    """The settings with the sim base image named (as given, else chosen), and the choice."""
    if settings.sim_base_image:
        return settings, SimBase(settings.sim_base_image, "given")
    try:
        choice = choose(client_factory().images)
    except DockerUnavailable:
        choice = SimBase(USUAL, "the default; no Docker engine answers")
    except RemoteEngine:  # refused when the cluster starts
        choice = SimBase(USUAL, "the default; DOCKER_HOST names another machine")
    return dataclasses.replace(settings, sim_base_image=choice.image), choice
