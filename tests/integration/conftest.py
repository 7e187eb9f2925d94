"""Integration tests: a real Docker engine, real images, real containers, real hugepages.
Every test here is marked `docker` (by tests/conftest.py) and uses the sim recipe on the
base image of the `base_image` fixture; `run_sim` runs a downstream suite so."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def run_sim(pytester: pytest.Pytester, base_image: str) -> Callable[..., pytest.RunResult]:
    """Run pytester's suite in a pytest subprocess with the sim recipe on the base image,
    `args` added: run_sim("-n", "4", timeout=600)."""

    def run(*args: str, timeout: float = 600) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--daos-recipe=sim", f"--daos-sim-base-image={base_image}",
            *args, timeout=timeout,
        )  # fmt: skip

    return run
