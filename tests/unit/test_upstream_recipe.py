"""The upstream recipe: the DAOS vcluster build calls of each release, as documented."""

from __future__ import annotations

import pytest

from pytest_daos import images
from pytest_daos.images import ImageBuilder, UnreachableContext, check_reachable
from pytest_daos.recipes import load_recipe
from pytest_daos.recipes.upstream import apply_overrides, upstream_recipe
from pytest_daos.settings import Settings

REPO = "https://github.com/daos-stack/daos.git"


def calls(version, overrides=None):
    recipe = upstream_recipe(version, overrides)
    return [(spec.tag, spec.context, dict(spec.build_args), spec.parent) for spec in recipe.images]


def test_2_0_quick_start():
    base, server, admin, client = calls("2.0")
    assert base == (
        "daos-base:rocky8.4",
        f"{REPO}#release/2.0:utils/docker/vcluster/daos-base/el8",
        {
            "RHEL_BASE_IMAGE": "rockylinux/rockylinux",
            "RHEL_BASE_VERSION": "8.4",
            "DAOS_REPOS": "https://packages.daos.io/v2.0/EL8/packages/x86_64/",
            "DAOS_GPG_KEYS": "https://packages.daos.io/RPM-GPG-KEY",
            "DAOS_AUTH": "no",
        },
        None,
    )
    assert server[:2] == ("daos-server:rocky8.4",
                          f"{REPO}#release/2.0:utils/docker/vcluster/daos-server/el8")  # fmt: skip
    assert server[2] == {
        "DAOS_BASE_IMAGE": "daos-base", "DAOS_BASE_VERSION": "rocky8.4", "DAOS_AUTH": "no",
        "DAOS_HUGEPAGES_NBR": "4096", "DAOS_IFACE_NAME": "eth0", "DAOS_SCM_SIZE": "4",
        "DAOS_BDEV_SIZE": "16",
    }  # fmt: skip
    assert server[3] == admin[3] == client[3] == "daos-base"
    assert admin[0] == "daos-admin:rocky8.4" and client[0] == "daos-client:rocky8.4"
    assert admin[2]["DAOS_ADMIN_USER"] == client[2]["DAOS_ADMIN_GROUP"] == "root"


def test_2_4_pins_the_2_4_packages_instead_of_the_branch_default_2_2():
    base, server, admin, client = calls("2.4")
    assert (admin[0], client[0]) == ("daos-admin:rocky8.6", "daos-client:rocky8.6")
    assert base[0] == "daos-base:rocky8.6"
    assert base[1] == f"{REPO}#release/2.4:utils/docker/vcluster/daos-base/el8"
    assert base[2]["DAOS_REPOS"] == "https://packages.daos.io/v2.4/EL8/packages/x86_64/"
    assert base[2]["RHEL_BASE_VERSION"] == "8.6"
    assert client[2]["DAOS_AGENT_IFACE_CFG"] == "yes"
    assert server[2]["DAOS_BASE_VERSION"] == "rocky8.6"


def test_2_6_passes_every_mandatory_argument_and_pins_2_6_5():
    base, server, admin, client = calls("2.6")
    assert [base[0], server[0], admin[0], client[0]] == [
        "daos/daos-base-el8:v2.6.5", "daos/daos-server-el8:v2.6.5",
        "daos/daos-admin-el8:v2.6.5", "daos/daos-client-el8:v2.6.5",
    ]  # fmt: skip
    assert base[2] == {
        "BUST_CACHE": "", "LINUX_IMAGE_NAME": "rockylinux/rockylinux", "LINUX_IMAGE_TAG": "8.9",
        "DAOS_REPOS": "https://packages.daos.io/v2.6/EL8/packages/x86_64/",
        "DAOS_GPG_KEYS": "https://packages.daos.io/RPM-GPG-KEY", "DAOS_REPOS_NOAUTH": "",
        "DAOS_VERSION": "2.6.5", "DAOS_AUTH": "no",
    }  # fmt: skip
    for args in (server[2], admin[2], client[2]):
        assert args["DAOS_DOCKER_IMAGE_NSP"] == "daos"
        assert args["DAOS_DOCKER_IMAGE_TAG"] == "v2.6.5"
        assert args["LINUX_DISTRO"] == "el8"
        assert args["DAOS_VERSION"] == "2.6.5"
    assert server[2]["DAOS_MD_ON_SSD"] == "no"


def test_nodes_run_systemd_like_the_vcluster_compose_file():
    recipe = upstream_recipe("2.6")
    server = recipe.node("server")
    assert server.init is False and server.cgroupns == "host"
    assert {mount.source for mount in server.mounts} == {
        "/sys/fs/cgroup", "/dev/hugepages", "/sys/kernel/mm/hugepages", "/sys/devices/system/node",
    }  # fmt: skip
    assert recipe.node("client").devices == ("/dev/fuse",)
    two_oh = upstream_recipe("2.0").node("server")
    assert {mount.source for mount in two_oh.mounts} == {"/sys/fs/cgroup", "/dev/hugepages"}


def test_build_arg_overrides():
    args = apply_overrides({"base": {"A": "1"}, "server": {"B": "2"}}, {"A": "9", "NEW": "x"})
    assert args == {"base": {"A": "9", "NEW": "x"}, "server": {"B": "2", "NEW": "x"}}
    base = calls("2.6", {"DAOS_VERSION": "2.6.4"})
    assert {spec[2]["DAOS_VERSION"] for spec in base} == {"2.6.4"}


def test_sim_imitates_every_release():
    for version, daos in (("2.0", "2.0.3"), ("2.4", "2.4.2"), ("2.6", "2.6.5")):
        recipe = load_recipe(Settings(recipe="sim", version=version))
        assert recipe.daos_version == daos
        assert recipe.image("daos-base").build_args["DAOS_VERSION"] == daos
        assert recipe.image("daos-base").tag == f"pytest-daos/daos-base:sim-{daos}"


def test_unreachable_context_fails_fast_naming_the_url():
    spec = upstream_recipe("2.6", repository="https://127.0.0.1:9/daos.git").images[0]
    with pytest.raises(UnreachableContext) as caught:
        check_reachable(spec, timeout=2)
    text = str(caught.value)
    assert "https://127.0.0.1:9/daos.git#release/2.6:utils/docker/vcluster/daos-base/el8" in text
    assert "--daos-recipe=sim" in text


class RecordingClient:
    """The Docker SDK's build API, recorded: the narrowest seam for the exact build calls."""

    def __init__(self):
        self.builds = []
        self.api = self
        self.images = self

    def build(self, **kwargs):
        self.builds.append(kwargs)
        return iter([{"stream": "Step 1/1 : FROM x"}, {"stream": "Successfully built 0"}])

    def get(self, tag):
        if not any(build["tag"] == tag for build in self.builds):
            import docker.errors

            raise docker.errors.ImageNotFound(tag)
        return type("Image", (), {"id": f"sha256:{tag}", "attrs": {"Config": {"Labels": {}}}})


def test_builder_sends_the_remote_context_to_docker(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "check_reachable", lambda spec: None)
    client = RecordingClient()
    results = ImageBuilder(client, tmp_path).ensure(upstream_recipe("2.6"))
    assert [result.built for result in results] == [True] * 4
    first = client.builds[0]
    assert first["path"] == f"{REPO}#release/2.6:utils/docker/vcluster/daos-base/el8"
    assert first["tag"] == "daos/daos-base-el8:v2.6.5"
    assert first["buildargs"]["DAOS_VERSION"] == "2.6.5"
    assert "fileobj" not in first
    assert first["labels"]["org.pytest-daos.key"] == results[0].key
