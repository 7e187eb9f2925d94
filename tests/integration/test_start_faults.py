"""Starts that cannot succeed end at once, naming the cause, and leave nothing behind."""

from __future__ import annotations

import pytest

from pytest_daos.cluster.host import docker_client
from pytest_daos.cluster.images import ImageBuilder
from pytest_daos.cluster.recipes.sim import sim_recipe

#: The control configuration a DAOS install ships: certificates enabled, none present.
SHIPPED_CONTROL = "name: daos_server\nport: 10001\nhostlist: ['daos-server']\n"

RECIPE = """
daos_version = "2.6.5"
provider = "ofi+tcp"

[images.daos-base]
context = "base"
tag = "pytest-daos-faults/daos-base:secure"
build_args = {{ FROM = "{sim_base}" }}

[images.daos-admin]
context = "admin"
tag = "pytest-daos-faults/daos-admin:secure"
parent = "daos-base"

[nodes.server]
image = "daos-base"
config_files = ["daos_server.yml"]
mounts = ["/dev/hugepages:/dev/hugepages"]

[nodes.admin]
image = "daos-admin"
config_files = []

[nodes.client]
image = "daos-base"
config_files = ["daos_agent.yml"]
devices = ["/dev/fuse"]
"""

NEEDS_POOL = """
def test_pool(daos_pool):
    assert daos_pool.uuid
"""


@pytest.fixture
def secure_admin_recipe(pytester, base_image):
    """A recipe whose admin node keeps the shipped control configuration (no file of the
    plugin): every `dmg` there answers fault 901."""
    sim = sim_recipe("2.6", base_image)
    images = ImageBuilder(docker_client(), pytester.path / "state").ensure(sim)
    base = pytester.mkdir("base")
    (base / "Dockerfile").write_text("ARG FROM\nFROM ${FROM}\n")
    admin = pytester.mkdir("admin")
    (admin / "daos_control.yml").write_text(SHIPPED_CONTROL)
    (admin / "Dockerfile").write_text(
        "ARG DAOS_BASE_IMAGE=pytest-daos-faults/daos-base:secure\nFROM ${DAOS_BASE_IMAGE}\n"
        "COPY daos_control.yml /etc/daos/daos_control.yml\n"
    )
    path = pytester.path / "secure.toml"
    path.write_text(RECIPE.format(sim_base=images[0].tag))
    return path


def test_certificates_fault_ends_the_start_at_once(
    pytester, secure_admin_recipe, leaves_nothing_behind
):
    pytester.makepyfile(test_pool=NEEDS_POOL)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--daos-recipe={secure_admin_recipe}",
        "--daos-start-timeout=300", timeout=120,
    )  # fmt: skip
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*DAOS cluster start failed in phase 'control plane': DAOS answered fault 901; "
        "waiting cannot change this answer*",
        "*certificates are enabled, but /etc/daos/certs/daosCA.crt was not found*",
    ])  # fmt: skip
