"""The `sim` recipe: four images built from local Dockerfiles that run the DAOS stand-in."""

from __future__ import annotations

from pathlib import Path

from .base import Recipe, daemon_nodes, project_images

HERE = Path(__file__).parent / "sim"
SIM_PACKAGE = Path(__file__).parents[2] / "sim"

#: The DAOS release each version imitates, and its vcluster fabric provider.
SIM_RELEASES = {"2.0": "2.0.3", "2.4": "2.4.2", "2.6": "2.6.5"}
#: The base image when none is named or chosen (see sim_base.py).
DEFAULT_SIM_BASE = "python:3.11-slim-bookworm"
PROVIDERS = {"2.0": "ofi+sockets", "2.4": "ofi+tcp;ofi_rxm", "2.6": "ofi+tcp"}
#: A sim rebuild is settled after this many of its fault delays without change (the pause
#: between two of its rebuild passes is one fault delay).
SIM_SETTLE_DELAYS = 2


def sim_recipe(
    version: str, base_image: str, join_delay: float = 1.0, fault_delay: float = 1.0
) -> Recipe:
    """The sim recipe imitating DAOS `version` ("2.0", "2.4" or "2.6"), built on
    `base_image`; a rank joins `join_delay` seconds after format, and each wait of a rank
    fault (SWIM's detection, a rebuild pass) takes `fault_delay` seconds, which sets how
    long a rebuild must stay `done` to count as over."""
    daos_version = SIM_RELEASES[version]
    images = project_images(
        f"sim-{daos_version}",
        HERE / "daos-base" / "Dockerfile",
        SIM_PACKAGE,
        {"BASE_IMAGE": base_image, "DAOS_VERSION": daos_version},
        node_dockerfile=lambda role: HERE / f"daos-{role}" / "Dockerfile",
        choose_base="name one this host has with --daos-sim-base-image (it needs python3 and "
        "PyYAML; `bash scripts/host-setup.sh` makes localhost/pytest-daos/sim-base:bookworm "
        "offline)",
    )
    config_dir = "/etc/daos"
    nodes = daemon_nodes(
        config_dir,
        server_environment={
            "DAOS_SIM_JOIN_DELAY": f"{join_delay:g}", "DAOS_SIM_FAULT_DELAY": f"{fault_delay:g}",
        },
    )  # fmt: skip
    return Recipe(
        name="sim",
        daos_version=daos_version,
        provider=PROVIDERS[version],
        images=images,
        nodes=nodes,
        config_dir=config_dir,
        rebuild_settle=SIM_SETTLE_DELAYS * fault_delay,
    )
