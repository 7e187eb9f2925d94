"""The real DAOS output samples of every release: tests/data/<release>/ (captured from real
2.6.5 and 2.4.2, written from the 2.0.3 sources; each folder's index says which)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"


def sample_path(release: str, name: str) -> Path:
    """The sample `name` of `release` ("2.6", "2.4" or "2.0")."""
    path = DATA / release / name
    if not path.is_file():
        raise FileNotFoundError(f"no sample {name} in {DATA / release}")
    return path


def sample(release: str, name: str) -> str:
    return sample_path(release, name).read_text()
