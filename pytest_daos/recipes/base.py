"""What a recipe is: the images to build and how each node of the cluster runs.

A recipe is data. The plugin, `images.py` and `cluster.py` never branch on a recipe's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: The three nodes of the cluster, by role; each role's host name in the cluster.
ROLES = ("server", "admin", "client")
HOSTNAMES = {"server": "daos-server", "admin": "daos-admin", "client": "daos-client"}


class RecipeError(ValueError):
    """The recipe cannot be made from these settings; the message says what to change."""


@dataclass(frozen=True)
class ImageSpec:
    """One image: where its Dockerfile and build context are, its tag and build arguments.

    `parent` names the image of this recipe it is built FROM (built first; its image id is
    part of this image's content key). `context` is a local folder, a remote git context
    (`https://host/repo.git#ref:folder`, whose own Dockerfile is used: `dockerfile` None),
    or None for a build that needs only the Dockerfile.
    """

    name: str
    tag: str
    dockerfile: Path | None
    context: Path | str | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    parent: str | None = None

    @property
    def remote(self) -> str | None:
        """The URL of a remote context, else None."""
        return self.context if isinstance(self.context, str) else None


@dataclass(frozen=True)
class Mount:
    """A host path bound into a node."""

    source: str
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class NodeSpec:
    """How one node runs: its image, command, config files and host resources.

    `init` runs a small init (docker --init) as PID 1 so that SIGTERM stops the node at
    once; images whose own PID 1 is an init (systemd) set it False. `cgroupns` "host"
    shares the host's cgroup namespace, as systemd in a container needs on cgroup v2.
    """

    role: str
    image: str
    command: tuple[str, ...] | None = None
    config_files: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    devices: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    init: bool = True
    cgroupns: str | None = None

    @property
    def hostname(self) -> str:
        return HOSTNAMES[self.role]


@dataclass(frozen=True)
class Recipe:
    """Images in build order, the nodes, and the DAOS release they install."""

    name: str
    daos_version: str
    provider: str
    images: tuple[ImageSpec, ...]
    nodes: tuple[NodeSpec, ...]

    def image(self, name: str) -> ImageSpec:
        for spec in self.images:
            if spec.name == name:
                return spec
        raise KeyError(f"recipe {self.name} has no image {name!r}")

    def node(self, role: str) -> NodeSpec:
        for node in self.nodes:
            if node.role == role:
                return node
        raise KeyError(f"recipe {self.name} has no {role} node")
