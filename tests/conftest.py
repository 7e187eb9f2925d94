"""Shared helpers of the project's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "unit" / "data"


@pytest.fixture
def real_output() -> object:
    """Read a real DAOS output sample: real_output("2.6", "dmg_pool_list.json") -> str."""

    def read(version: str, name: str) -> str:
        return (DATA / version / name).read_text()

    return read
