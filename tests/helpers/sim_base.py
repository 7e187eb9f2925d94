"""The sim's base image the Docker tiers use: made by scripts/host-setup.sh, or named in
the environment (PYTEST_DAOS_SIM_BASE_IMAGE)."""

from __future__ import annotations

import os

SIM_BASE_IMAGE = os.environ.get(
    "PYTEST_DAOS_SIM_BASE_IMAGE", "localhost/pytest-daos/sim-base:bookworm"
)
