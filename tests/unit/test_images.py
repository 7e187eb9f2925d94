"""A build whose base image is neither on this host nor pullable names the fix of the
recipe in use: the option that names that recipe's base image, or where the recipe file
says it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_docker import FakeClient, FakeImages

from pytest_daos.cluster.contexts import MissingLocalBase
from pytest_daos.cluster.images import ImageBuilder, _explain
from pytest_daos.cluster.recipes.base import ImageSpec
from pytest_daos.cluster.recipes.file import load_recipe_file
from pytest_daos.cluster.recipes.local import local_recipe
from pytest_daos.cluster.recipes.sim import sim_recipe
from pytest_daos.cluster.recipes.upstream import upstream_recipe

#: What Docker says of a base image it cannot find or reach.
DENIED = (
    "pull access denied for {image}, repository does not exist or may require 'docker login': "
    "denied: requested access to the resource is denied"
)
OFFLINE = (
    'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host'
)
LOCAL_BASE = "localhost/pytest-daos/local-base:bookworm"
BASE_OPTIONS = ("--daos-sim-base-image", "--daos-local-base-image", "--daos-build-arg")


def local_tree(prefix: Path) -> Path:
    """The least of a DAOS install tree the local recipe reads when it is made."""
    (prefix / "lib64/daos").mkdir(parents=True)
    (prefix / "lib64/daos/VERSION").write_text("2.6.5\n")
    (prefix / "prereq/release/ofi/lib/pkgconfig").mkdir(parents=True)
    (prefix / "prereq/release/ofi/lib/pkgconfig/libfabric.pc").write_text("Version: 1.22.0\n")
    return prefix


def explained(spec: ImageSpec, image: str, why: str = DENIED) -> str:
    """The build error of `spec` when Docker cannot find or reach its base `image`."""
    return _explain(why.format(image=image), spec)


def only(option: str, text: str) -> None:
    """`text` names `option` and no other recipe's base image option."""
    assert option in text
    assert [other for other in BASE_OPTIONS if other != option and other in text] == []


@pytest.mark.parametrize("why", [DENIED, OFFLINE])
def test_the_sim_recipe_names_its_own_option(why: str):
    spec = sim_recipe("2.6", "pytest-daos/no-such-base:1").image("daos-base")
    text = explained(spec, "pytest-daos/no-such-base:1", why)
    assert (
        "The base image pytest-daos/no-such-base:1 is not on this host and cannot be pulled" in text
    )
    only("--daos-sim-base-image", text)
    assert "scripts/host-setup.sh" in text


def test_the_local_recipe_names_its_own_option(tmp_path: Path):
    spec = local_recipe(local_tree(tmp_path / "daos"), "debian:no-such").image("daos-base")
    text = explained(spec, "debian:no-such")
    assert "The base image debian:no-such is not on this host" in text
    only("--daos-local-base-image", text)
    assert "glibc" in text


def test_a_missing_base_no_registry_serves_is_never_pulled(tmp_path: Path):
    """A base named under localhost/ that is not here is said before any build: Docker would
    try to pull it from a registry on this host."""
    recipe = local_recipe(local_tree(tmp_path / "daos"), LOCAL_BASE)
    client = FakeClient()
    with pytest.raises(MissingLocalBase) as missing:
        ImageBuilder(client, tmp_path / "state").ensure(recipe)
    assert client.api.builds == []
    text = str(missing.value)
    assert text.startswith(f"the base image {LOCAL_BASE} of image daos-base is not on this host")
    assert "no registry serves a localhost/ name" in text and "\n" not in text
    only("--daos-local-base-image", text)
    assert f"scripts/host-setup.sh` makes {LOCAL_BASE}" in text


def test_a_base_no_registry_serves_is_built_on_where_it_is_here(tmp_path: Path):
    recipe = local_recipe(local_tree(tmp_path / "daos"), LOCAL_BASE)
    client = FakeClient(FakeImages([LOCAL_BASE]))
    images = ImageBuilder(client, tmp_path / "state").ensure(recipe)
    assert all(image.built for image in images)
    assert [build["pull"] for build in client.api.builds] == [False] * len(images)


#: Each release's base image, and the build arguments that name another.
UPSTREAM_BASES = {
    "2.6": ("rockylinux/rockylinux:8.9", "LINUX_IMAGE_NAME=IMAGE --daos-build-arg=LINUX_IMAGE_TAG"),
    "2.0": (
        "rockylinux/rockylinux:8.4",
        "RHEL_BASE_IMAGE=IMAGE --daos-build-arg=RHEL_BASE_VERSION",
    ),
}


@pytest.mark.parametrize("version", UPSTREAM_BASES)
def test_the_upstream_recipe_names_the_build_arguments_of_its_base(version: str):
    image, args = UPSTREAM_BASES[version]
    spec = upstream_recipe(version).image("daos-base")
    text = explained(spec, image, OFFLINE)
    assert f"The base image {image} is not on this host" in text
    only("--daos-build-arg", text)
    assert f"--daos-build-arg={args}" in text
    assert "GitHub and packages.daos.io" in text


def test_the_upstream_base_follows_the_build_arguments_given():
    spec = upstream_recipe("2.6", {"LINUX_IMAGE_TAG": "8.10"}).image("daos-base")
    assert "The base image rockylinux/rockylinux:8.10 is not" in explained(spec, "rockylinux")


def test_a_recipe_file_says_where_its_base_image_is_named(tmp_path: Path):
    (tmp_path / "base").mkdir()
    (tmp_path / "base/Dockerfile").write_text("FROM mine/os:1\n")
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(
        'daos_version = "2.6.5"\n[images.base]\ncontext = "base"\ntag = "mine/base:1"\n'
        + "".join(f'[nodes.{role}]\nimage = "base"\n' for role in ("server", "admin", "client"))
    )
    text = explained(load_recipe_file(recipe).image("base"), "mine/os:1")
    assert "Its base image is not on this host and cannot be pulled" in text
    assert (
        f"change the FROM of {tmp_path}/base/Dockerfile or the build_args of [images.base]" in text
    )
    assert f"in the recipe file {recipe}" in text
    assert [option for option in BASE_OPTIONS if option in text] == []


def test_an_image_built_on_one_of_the_recipe_names_no_option():
    """The node images are built FROM daos-base, which the recipe builds first."""
    spec = sim_recipe("2.6", "python:3.11-slim-bookworm").image("daos-server")
    text = explained(spec, "pytest-daos/daos-base:sim-2.6.5")
    assert "pull or import it first" in text
    assert [option for option in BASE_OPTIONS if option in text] == []


def test_a_failed_command_is_said_as_its_status():
    spec = sim_recipe("2.6", "python:3.11-slim-bookworm").image("daos-base")
    text = _explain("The command '/bin/sh -c pip install pyyaml' returned a non-zero code: 1", spec)
    assert text == "the command exited with status 1 (see the last lines below)"
