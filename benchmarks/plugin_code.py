"""Which plugin code is measured, and what it offers.

By default the repository's HEAD: `git archive HEAD pytest_daos` unpacked into a temporary
folder put first on PYTHONPATH for every command the benchmark runs, so that edits made to
the working tree during a run change nothing (and a run measures one commit).
`--plugin-code worktree` measures the working tree as it is.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from .runner import ROOT, environment


def _git(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)


def use_head(folder: Path) -> str | None:
    """Put HEAD's pytest_daos first on PYTHONPATH; its description, or None outside git."""
    archive = _git("archive", "--format=tar", "HEAD", "pytest_daos")
    commit = _git("rev-parse", "--short", "HEAD").stdout.decode().strip()
    if archive.returncode != 0 or not commit:
        return None
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4
            tar.extractall(folder, filter="data")
        else:  # pragma: no cover - older patch releases
            tar.extractall(folder)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(folder), os.environ.get("PYTHONPATH", "")) if part
    )
    changed = _git("status", "--porcelain", "pytest_daos").stdout.strip()
    return f"commit {commit}" + (" (not the working tree's uncommitted changes)" if changed else "")


def describe_worktree() -> str:
    commit = _git("rev-parse", "--short", "HEAD").stdout.decode().strip() or "unknown"
    changed = _git("status", "--porcelain", "pytest_daos").stdout.strip()
    return f"working tree at {commit}" + (", with uncommitted changes" if changed else "")


def _pytest_text(*args: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=folder,
            env=environment(), capture_output=True, text=True, check=False,
        )  # fmt: skip
    return done.stdout


def features() -> dict[str, Any]:
    """Whether the plugin makes containers ahead of need, and its fresh-container marker."""
    markers = re.findall(r"^@pytest\.mark\.(daos_\w+):", _pytest_text("--markers"), re.MULTILINE)
    fresh = next((name for name in markers if "fresh" in name or "sync" in name), None)
    return {"prefetch": "--daos-prefetch" in _pytest_text("--help"), "fresh_marker": fresh}
