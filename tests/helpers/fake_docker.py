"""A fake Docker SDK: a client of a pretend engine with its containers, its images and the
build API, as far as the plugin asks them. Where the SDK would fail, the fake raises the
SDK's own errors (`docker.errors.NotFound`, `ImageNotFound`, `APIError`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import docker.errors


class FakeContainer:
    """A running container; `calls` records `stop` and `remove` in order."""

    def __init__(self, name: str, labels: dict[str, str] | None = None) -> None:
        self.name, self.labels, self.status = name, labels or {}, "running"
        self.calls: list[str] = []

    def stop(self, timeout: int) -> None:
        self.calls.append("stop")

    def remove(self, force: bool, v: bool) -> None:
        self.calls.append("remove")


class FakeContainers:
    """`client.containers`: the containers by name; a removed one is gone."""

    def __init__(self, containers: Iterable[FakeContainer] = ()) -> None:
        self.by_name = {container.name: container for container in containers}

    def get(self, name: str) -> FakeContainer:
        container = self.by_name.get(name)
        if container is None or "remove" in container.calls:
            raise docker.errors.NotFound(name)
        return container

    def list(self, **_: Any) -> list[FakeContainer]:
        """Every container not removed, whatever the filters (all of them are labelled)."""
        return [c for c in self.by_name.values() if "remove" not in c.calls]


class FakeImage:
    """An image without labels: its id is made from its tag."""

    def __init__(self, tag: str) -> None:
        self.id = f"sha256:{tag}"
        self.attrs: dict[str, Any] = {"Config": {"Labels": {}}}


class FakeImages:
    """`client.images`: the images `present` on the host, those built since, and a
    registry that answers when `online`."""

    def __init__(self, present: Iterable[str] = (), online: bool = True) -> None:
        self.by_tag = {tag: FakeImage(tag) for tag in present}
        self.online = online
        self.asked_registry: list[str] = []

    def get(self, name: str) -> FakeImage:
        if name not in self.by_tag:
            raise docker.errors.ImageNotFound(f"No such image: {name}")
        return self.by_tag[name]

    def get_registry_data(self, name: str) -> Any:
        self.asked_registry.append(name)
        if not self.online:
            raise docker.errors.APIError(
                f'500 Server Error: Get "https://registry-1.docker.io/v2/": dial tcp: lookup '
                f"registry-1.docker.io: no such host ({name})"
            )
        return object()


class FakeApi:
    """`client.api`: `build` records its arguments in `builds` and adds the image."""

    def __init__(self, images: FakeImages) -> None:
        self.images = images
        self.builds: list[dict[str, Any]] = []

    def build(self, **kwargs: Any) -> Iterator[dict[str, str]]:
        self.builds.append(kwargs)
        self.images.by_tag[kwargs["tag"]] = FakeImage(kwargs["tag"])
        return iter([{"stream": "Step 1/1 : FROM scratch\n"}, {"stream": "done\n"}])


class FakeClient:
    """A Docker SDK client of an engine that answers, with `images` (none unless given),
    `containers` and `api`; `root_dir` is the engine's DockerRootDir."""

    def __init__(
        self,
        images: FakeImages | None = None,
        containers: Iterable[FakeContainer] = (),
        root_dir: str = "/var/lib/docker",
    ) -> None:
        self.images = images if images is not None else FakeImages()
        self.containers = FakeContainers(containers)
        self.api = FakeApi(self.images)
        self.root_dir = str(root_dir)

    def ping(self) -> bool:
        return True

    def version(self) -> dict[str, str]:
        return {"Version": "27.5.1", "ApiVersion": "1.47"}

    def info(self) -> dict[str, str]:
        return {"DockerRootDir": self.root_dir}
