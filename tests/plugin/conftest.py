"""Fixtures of the plugin tests (pytest inside pytest, without Docker)."""

from __future__ import annotations

import pytest


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """No Docker engine: any Docker call fails at once."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
