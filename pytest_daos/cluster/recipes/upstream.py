"""The `upstream` recipe: the DAOS project's own vcluster Dockerfiles, per DAOS release.

The images are built from remote git contexts
(`<repository>#<branch>:utils/docker/vcluster/<image>/el8`) with the build arguments and
image names of each release branch's `.env` and docker-compose.yml. The branches install
older packages by default (release/2.4 installs DAOS 2.2, release/2.6 installs 2.4.1), so
the package repository (and, where the Dockerfiles take it, the package version) is pinned
to the release asked for, from the release's installation guide.

Build arguments that only shape the image's own configuration files (interface, sizes,
hugepages) keep the branch defaults: the plugin writes the configuration at run time.

The images' entrypoint is systemd (`ENTRYPOINT ["/sbin/init"]`, `STOPSIGNAL SIGRTMIN+3`
and `VOLUME /sys/fs/cgroup` in daos-base); the nodes do not use it. Each runs its daemon
as root under Docker's init, as the server's unit does in these images from 2.4 on (its
Dockerfile rewrites `User=daos_server` to `User=root`). The units also made the runtime
folders (`RuntimeDirectory=daos_server`, `daos_agent`: the plugin makes them) and set
unlimited memlock, core and open-file limits (Docker's limits apply instead): see
docs/recipes.md.

Each image's `source_id` is the commit its branch points to (`git ls-remote`), asked by
`Recipe.with_commits` before the images are built; None when it cannot be learnt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .base import BaseImage, ImageSpec, Mount, Recipe, daemon_nodes

REPOSITORY = "https://github.com/daos-stack/daos.git"
IMAGE_ROLES = ("base", "server", "admin", "client")


@dataclass(frozen=True)
class Release:
    """What one DAOS release's vcluster recipe needs."""

    daos_version: str
    branch: str
    provider: str
    tags: Mapping[str, str]  # role -> image name
    args: Mapping[str, Mapping[str, str]]  # role -> build arguments
    #: the build arguments of daos-base that name the image it is built FROM, and its tag
    base_args: tuple[str, str] = ("RHEL_BASE_IMAGE", "RHEL_BASE_VERSION")
    extra_server_mounts: tuple[Mount, ...] = field(default=())


_EL8_2_0 = "rocky8.4"
_EL8_2_4 = "rocky8.6"
_NSP_2_6, _TAG_2_6 = "daos", "v2.6.5"
_SERVER_SIZES_OLD = {
    "DAOS_HUGEPAGES_NBR": "4096",
    "DAOS_IFACE_NAME": "eth0",
    "DAOS_SCM_SIZE": "4",
    "DAOS_BDEV_SIZE": "16",
}
_ADMIN_USER = {"DAOS_ADMIN_USER": "root", "DAOS_ADMIN_GROUP": "root"}
_AGENT_IFACE = {
    "DAOS_AGENT_IFACE_CFG": "yes",
    "DAOS_AGENT_IFACE_NUMA_NODE": "0",
    "DAOS_AGENT_IFACE_NAME": "eth0",
    "DAOS_AGENT_IFACE_DOMAIN_NAME": "eth0",
}
# The DAOS packages of 2.4 and later may be signed with either key: the installation
# guides import RPM-GPG-KEY, the vcluster .env of release/2.6 (and the fix of the docker
# examples' key, 57693c9843) RPM-GPG-KEY-2023. daos-base imports every key of the list.
_GPG_KEYS_2_4 = (
    "https://packages.daos.io/RPM-GPG-KEY https://packages.daos.io/v2.4.1/RPM-GPG-KEY-2023"
)
# The vcluster compose file binds these into the server from 2.4 on, with the change that
# runs daos_server as root, for the hugepages of SPDK/DPDK (DAOS-11979, 07b0c8a7ef): they
# make the host's hugepage counts writable where /sys is read-only (no --privileged).
_HUGEPAGE_SYSFS = (
    Mount("/sys/kernel/mm/hugepages", "/sys/kernel/mm/hugepages"),
    Mount("/sys/devices/system/node", "/sys/devices/system/node"),
)

RELEASES: dict[str, Release] = {
    # release/2.0: docs/QSG/docker.md; rockylinux 8.4 (8.5 breaks SPDK hugepages, DAOS-10046).
    "2.0": Release(
        daos_version="2.0.3",
        branch="release/2.0",
        provider="ofi+sockets",
        tags={role: f"daos-{role}:{_EL8_2_0}" for role in IMAGE_ROLES},
        args={
            "base": {
                "RHEL_BASE_IMAGE": "rockylinux/rockylinux",
                "RHEL_BASE_VERSION": "8.4",
                "DAOS_REPOS": "https://packages.daos.io/v2.0/EL8/packages/x86_64/",
                "DAOS_GPG_KEYS": "https://packages.daos.io/RPM-GPG-KEY",
                "DAOS_AUTH": "no",
            },
            "server": {
                "DAOS_BASE_IMAGE": "daos-base",
                "DAOS_BASE_VERSION": _EL8_2_0,
                "DAOS_AUTH": "no",
                **_SERVER_SIZES_OLD,
            },
            "admin": {
                "DAOS_BASE_IMAGE": "daos-base",
                "DAOS_BASE_VERSION": _EL8_2_0,
                "DAOS_AUTH": "no",
                **_ADMIN_USER,
            },
            "client": {
                "DAOS_BASE_IMAGE": "daos-base",
                "DAOS_BASE_VERSION": _EL8_2_0,
                "DAOS_AUTH": "no",
                **_ADMIN_USER,
            },
        },
    ),
    # release/2.4: its .env installs DAOS 2.2; pinned to the v2.4 repository instead. Its
    # daos-base takes no DAOS_VERSION (`dnf install daos`): the repository's newest 2.4.
    "2.4": Release(
        daos_version="2.4.2",
        branch="release/2.4",
        provider="ofi+tcp;ofi_rxm",
        tags={role: f"daos-{role}:{_EL8_2_4}" for role in IMAGE_ROLES},
        args={
            "base": {
                "RHEL_BASE_IMAGE": "rockylinux/rockylinux",
                "RHEL_BASE_VERSION": "8.6",
                "BUST_CACHE": "",
                "DAOS_REPOS": "https://packages.daos.io/v2.4/EL8/packages/x86_64/",
                "DAOS_GPG_KEYS": _GPG_KEYS_2_4,
                "DAOS_REPOS_NOAUTH": "",
                "DAOS_AUTH": "no",
            },
            "server": {
                "DAOS_BASE_IMAGE": "daos-base",
                "DAOS_BASE_VERSION": _EL8_2_4,
                "DAOS_AUTH": "no",
                **_SERVER_SIZES_OLD,
            },
            "admin": {
                "DAOS_BASE_IMAGE": "daos-base",
                "DAOS_BASE_VERSION": _EL8_2_4,
                "DAOS_AUTH": "no",
                **_ADMIN_USER,
            },
            "client": {
                "DAOS_BASE_IMAGE": "daos-base",
                "DAOS_BASE_VERSION": _EL8_2_4,
                "DAOS_AUTH": "no",
                **_ADMIN_USER,
                **_AGENT_IFACE,
            },
        },
        extra_server_mounts=_HUGEPAGE_SYSFS,
    ),
    # release/2.6: its .env installs DAOS 2.4.1; every argument is mandatory there.
    "2.6": Release(
        daos_version="2.6.5",
        branch="release/2.6",
        provider="ofi+tcp",
        tags={role: f"{_NSP_2_6}/daos-{role}-el8:{_TAG_2_6}" for role in IMAGE_ROLES},
        args={
            "base": {
                "BUST_CACHE": "",
                "LINUX_IMAGE_NAME": "rockylinux/rockylinux",
                "LINUX_IMAGE_TAG": "8.9",
                "DAOS_REPOS": "https://packages.daos.io/v2.6/EL8/packages/x86_64/",
                "DAOS_GPG_KEYS": _GPG_KEYS_2_4,
                "DAOS_REPOS_NOAUTH": "",
                "DAOS_VERSION": "2.6.5",
                "DAOS_AUTH": "no",
            },
            "server": {
                "LINUX_DISTRO": "el8",
                "DAOS_DOCKER_IMAGE_NSP": _NSP_2_6,
                "DAOS_DOCKER_IMAGE_TAG": _TAG_2_6,
                "DAOS_VERSION": "2.6.5",
                "DAOS_AUTH": "no",
                "DAOS_HUGEPAGES_NBR": "4096",
                "DAOS_IFACE_NAME": "eth0",
                "DAOS_SCM_SIZE": "6",
                "DAOS_BDEV_SIZE": "24",
                "DAOS_MD_ON_SSD": "no",
            },
            "admin": {
                "LINUX_DISTRO": "el8",
                "DAOS_DOCKER_IMAGE_NSP": _NSP_2_6,
                "DAOS_DOCKER_IMAGE_TAG": _TAG_2_6,
                "DAOS_VERSION": "2.6.5",
                "DAOS_AUTH": "no",
            },
            "client": {
                "LINUX_DISTRO": "el8",
                "DAOS_DOCKER_IMAGE_NSP": _NSP_2_6,
                "DAOS_DOCKER_IMAGE_TAG": _TAG_2_6,
                "DAOS_VERSION": "2.6.5",
                "DAOS_AUTH": "no",
                **_AGENT_IFACE,
            },
        },
        base_args=("LINUX_IMAGE_NAME", "LINUX_IMAGE_TAG"),
        extra_server_mounts=_HUGEPAGE_SYSFS,
    ),
}


def context_url(repository: str, branch: str, role: str) -> str:
    """The remote build context of one image: `<repo>#<branch>:<folder>`."""
    return f"{repository}#{branch}:utils/docker/vcluster/daos-{role}/el8"


def apply_overrides(
    args: Mapping[str, Mapping[str, str]], overrides: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """Build arguments with `--daos-build-arg` overrides: a key replaces that argument in
    every image that takes it; a key no image takes goes to every image."""
    result = {role: dict(values) for role, values in args.items()}
    known = {key for values in args.values() for key in values}
    for key, value in overrides.items():
        for values in result.values():
            if key in values or key not in known:
                values[key] = value
    return result


def _base_image(release: Release, args: Mapping[str, str]) -> BaseImage:
    """The Rocky Linux image daos-base is built FROM, and how to name another."""
    name, tag = release.base_args
    image = f"{args[name]}:{args[tag]}"
    return BaseImage(
        image,
        f"name another with --daos-build-arg={name}=IMAGE --daos-build-arg={tag}=TAG; the "
        "upstream recipe also needs GitHub and packages.daos.io (where they cannot be reached: "
        "--daos-recipe=sim, or --daos-recipe=local with a DAOS install tree)",
    )


def upstream_recipe(
    version: str,
    overrides: Mapping[str, str] | None = None,
    repository: str = REPOSITORY,
) -> Recipe:
    """The upstream recipe of DAOS `version` ("2.0", "2.4" or "2.6"); its images' commits
    are learnt by `Recipe.with_commits`."""
    release = RELEASES[version]
    args = apply_overrides(release.args, overrides or {})
    contexts = {role: context_url(repository, release.branch, role) for role in IMAGE_ROLES}
    images = tuple(
        ImageSpec(
            name=f"daos-{role}",
            tag=release.tags[role],
            dockerfile=None,
            context=contexts[role],
            build_args=args[role],
            parent=None if role == "base" else "daos-base",
            base=_base_image(release, args[role]) if role == "base" else None,
        )
        for role in IMAGE_ROLES
    )
    # Not the images' systemd: each node runs its daemon as root under Docker's init, with
    # the configuration the plugin writes (NODE_ENTRYPOINT makes its runtime folders).
    config_dir = "/etc/daos"
    nodes = daemon_nodes(
        config_dir,
        server_mounts=(Mount("/dev/hugepages", "/dev/hugepages"), *release.extra_server_mounts),
    )
    return Recipe(
        name="upstream",
        daos_version=release.daos_version,
        provider=release.provider,
        images=images,
        nodes=nodes,
        config_dir=config_dir,
    )
