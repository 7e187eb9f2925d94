"""`FakeImages`: the Docker SDK's `client.images` as far as the sim base choice asks it
(`get`, `get_registry_data`), for a host with some images and a registry reached or not."""

from __future__ import annotations

from typing import Any

import docker.errors


class FakeImages:
    """Images present on a pretend host; `online` says whether the registry answers."""

    def __init__(self, present: set[str], online: bool) -> None:
        self.present = present
        self.online = online
        self.asked_registry: list[str] = []

    def get(self, name: str) -> Any:
        if name not in self.present:
            raise docker.errors.ImageNotFound(f"No such image: {name}")
        return object()

    def get_registry_data(self, name: str) -> Any:
        self.asked_registry.append(name)
        if not self.online:
            raise docker.errors.APIError(
                f'500 Server Error: Get "https://registry-1.docker.io/v2/": dial tcp: lookup '
                f"registry-1.docker.io: no such host ({name})"
            )
        return object()


class FakeClient:
    """A Docker SDK client that answers `ping` and has `images`."""

    def __init__(self, images: FakeImages) -> None:
        self.images = images

    def ping(self) -> bool:
        return True
