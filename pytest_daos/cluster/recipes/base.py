"""What a recipe is: the images to build and how each node of the cluster runs.

A recipe is data. The plugin, `images.py` and `cluster.py` never branch on a recipe's name.
"""

from __future__ import annotations

import dataclasses
import tarfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ...errors import PytestDaosError
from .. import git_refs

#: The three nodes of the cluster, by role; each role's host name in the cluster.
ROLES = ("server", "admin", "client")
HOSTNAMES = {"server": "daos-server", "admin": "daos-admin", "client": "daos-client"}

#: The commit a remote context URL's ref points to, or None when it cannot be learnt.
Resolver = Callable[[str], "str | None"]


class RecipeError(PytestDaosError, ValueError):
    """The recipe cannot be made from these settings; the message says what to change."""


@dataclass(frozen=True)
class BaseImage:
    """The image an image of a recipe is built FROM when the recipe does not build it (it is
    pulled, or made on this host), for the message of a build that cannot find it: its
    name (None where only the Dockerfile says it) and how a person names another one."""

    name: str | None
    choose: str


@dataclass(frozen=True)
class ImageSpec:
    """One image: where its Dockerfile and build context are, its tag and build arguments.

    `parent` names the image of this recipe it is built FROM (built first; its image id is
    part of this image's content key). `context` is a local folder, a remote git context
    (`https://host/repo.git#ref:folder`, whose own Dockerfile is used: `dockerfile` None),
    a `TreeContext` (files gathered from this host, read only when the image is built), or
    None for a build that needs only the Dockerfile.

    `source_id` stands for the context in the content key where hashing its bytes is wrong
    or too slow: the commit a remote context's ref points to, a fingerprint of a local
    tree's file metadata. A remote context's commit is learnt by `Recipe.with_commits`;
    one that could not be learnt has none, and its cached image is then used as it is
    (with a warning). `base` is the image it is built FROM where the recipe does not build
    that one.
    """

    name: str
    tag: str
    dockerfile: Path | None
    context: Path | str | TreeContext | None = None
    build_args: Mapping[str, str] = field(default_factory=dict)
    parent: str | None = None
    source_id: str | None = None
    base: BaseImage | None = None

    @property
    def remote(self) -> str | None:
        """The URL of a remote context, else None."""
        return self.context if isinstance(self.context, str) else None


class TreeContext(Protocol):
    """A build context gathered from this host when an image is built (the `local`
    recipe's DAOS tree and the libraries it loads): `fingerprint` is cheap and changes
    when the content would; `write` adds the files to a tar under their context names."""

    def fingerprint(self) -> str: ...

    def write(self, tar: tarfile.TarFile) -> None: ...


@dataclass(frozen=True)
class Mount:
    """A host path bound into a node."""

    source: str
    target: str
    read_only: bool = False


#: Environment variable through which the plugin names the folders a node's daemon needs
#: (its configuration's socket_dir, runtime_dir, ...): /run is a fresh tmpfs in every node,
#: so nothing an image prepared there survives, and the DAOS daemons do not create them.
DIRS_ENV = "PYTEST_DAOS_NODE_DIRS"

#: The entrypoint of every node: make those folders, then become the node's command (so
#: the daemon's output is the container log and SIGTERM from Docker's init reaches it).
#: It replaces any entrypoint of the image, such as systemd's /sbin/init.
NODE_ENTRYPOINT = (
    "/bin/sh",
    "-c",
    f'if [ -n "${DIRS_ENV}" ]; then mkdir -p -m 0755 ${DIRS_ENV} || exit 1; fi; exec "$@"',
    "pytest-daos-node",
)


def project_images(
    tag: str,
    base_dockerfile: Path,
    context: Path | TreeContext,
    base_args: Mapping[str, str],
    node_dockerfile: Callable[[str], Path],
    node_args: Callable[[str], Mapping[str, str]] = lambda role: {},
    choose_base: str = "",
) -> tuple[ImageSpec, ...]:
    """The four images of a recipe built from this project's Dockerfiles: daos-base
    (`pytest-daos/daos-base:<tag>`, FROM the build argument BASE_IMAGE, another one named
    as `choose_base` says) and daos-server, daos-admin, daos-client built FROM it (build
    argument DAOS_BASE_IMAGE)."""
    base_tag = f"pytest-daos/daos-base:{tag}"
    base = ImageSpec(
        "daos-base", base_tag, base_dockerfile, context, dict(base_args),
        base=BaseImage(base_args["BASE_IMAGE"], choose_base),
    )  # fmt: skip
    nodes = [
        ImageSpec(
            name=f"daos-{role}",
            tag=f"pytest-daos/daos-{role}:{tag}",
            dockerfile=node_dockerfile(role),
            build_args={"DAOS_BASE_IMAGE": base_tag, **node_args(role)},
            parent="daos-base",
        )
        for role in ROLES
    ]
    return (base, *nodes)


def daemon_command(role: str, config_dir: str) -> tuple[str, ...]:
    """The main process of a node in every recipe: the server and the agent with the
    configuration file the plugin writes, passed explicitly; the admin idles (dmg is run
    in it with `docker exec`)."""
    if role == "server":
        return ("daos_server", "start", "-o", f"{config_dir}/daos_server.yml")
    if role == "client":
        return ("daos_agent", "-o", f"{config_dir}/daos_agent.yml")
    return ("sleep", "infinity")


@dataclass(frozen=True)
class NodeSpec:
    """How one node runs: its image, command, config files and host resources.

    `command` is the daemon the node runs as its main process (never systemd): the server
    `daos_server start -o <config>`, the client `daos_agent -o <config>`, the admin idles.
    `entrypoint` runs it (by default `NODE_ENTRYPOINT`) under Docker's init, so a stop
    takes under a second on cgroup v1 and v2 alike.
    """

    role: str
    image: str
    command: tuple[str, ...]
    config_files: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    devices: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    entrypoint: tuple[str, ...] = NODE_ENTRYPOINT

    @property
    def hostname(self) -> str:
        return HOSTNAMES[self.role]


def daemon_nodes(
    config_dir: str,
    server_mounts: tuple[Mount, ...] = (Mount("/dev/hugepages", "/dev/hugepages"),),
    server_environment: Mapping[str, str] | None = None,
) -> tuple[NodeSpec, NodeSpec, NodeSpec]:
    """The three nodes as every built-in recipe runs them: each its daemon (or idle) with
    the configuration file of its role, the server with the host's hugetlbfs, the client
    with /dev/fuse; the images are the recipe's daos-server, daos-admin and daos-client."""
    return (
        NodeSpec(role="server", image="daos-server", config_files=("daos_server.yml",),
                 command=daemon_command("server", config_dir), mounts=server_mounts,
                 environment=dict(server_environment or {})),
        NodeSpec(role="admin", image="daos-admin", config_files=("daos_control.yml",),
                 command=daemon_command("admin", config_dir)),
        NodeSpec(role="client", image="daos-client", config_files=("daos_agent.yml",),
                 command=daemon_command("client", config_dir), devices=("/dev/fuse",)),
    )  # fmt: skip


@dataclass(frozen=True)
class Recipe:
    """Images in build order, the nodes, and the DAOS release they install.

    `config_dir` is the folder where the DAOS programs of the images look for their
    configuration files by default (`/etc/daos` for packages, `<prefix>/etc` for a tree
    installed with `scons install PREFIX=<prefix>`): the plugin writes its files there
    and also passes them with `-o`, so a person's own `dmg ...` in a node reads them too.

    `rebuild_settle` is how many seconds a `done` rebuild must stay the same before a
    drill's wait counts it over, where the recipe's DAOS settles faster than a real one
    (the sim); None keeps the handle's default, which real DAOS needs.

    Making a recipe reaches no network: the commits of its remote contexts are learnt by
    `with_commits`, before its images are built or their keys compared.
    """

    name: str
    daos_version: str
    provider: str
    images: tuple[ImageSpec, ...]
    nodes: tuple[NodeSpec, ...]
    config_dir: str = "/etc/daos"
    rebuild_settle: float | None = None

    def with_commits(self, resolve: Resolver | None = None) -> Recipe:
        """This recipe with the `source_id` of each image built from a remote git context
        that has none: the commit its ref points to, asked of `resolve` (by default
        `git_refs.remote_commit`: `git ls-remote`, once per branch per process), and only
        for remote contexts, so no other image ever makes git run."""
        resolve = resolve or git_refs.remote_commit
        images = tuple(
            dataclasses.replace(spec, source_id=resolve(spec.remote))
            if spec.remote is not None and spec.source_id is None
            else spec
            for spec in self.images
        )
        return dataclasses.replace(self, images=images)

    def config_path(self, name: str) -> str:
        """Where the configuration file `name` (e.g. daos_control.yml) is in the nodes."""
        return f"{self.config_dir}/{name}"

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
