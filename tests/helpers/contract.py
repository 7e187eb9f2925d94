"""Helpers of the contract tests: the samples of each release and the field-by-field check.

tests/data/2.6/ and tests/data/2.4/ hold raw output of the real DAOS 2.6.5 and 2.4.2 programs
(copied unchanged from the project's captures; the start-up and configuration failures listed
in their CAPTURES.md, with stderr in `<name>.stderr`); tests/data/2.0/ holds samples written
from the DAOS v2.0.3 sources' response types (its SOURCES.md names the file, struct and branch
of each).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from simsupport import SimSystem

DATA = Path(__file__).resolve().parents[1] / "data"

#: the releases the sim imitates, one contract run each
RELEASES = ("2.0.3", "2.4.2", "2.6.5")

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: keys whose string values differ from run to run (ids, times, addresses, host paths)
VOLATILE_STRINGS = {
    "uuid", "pool_uuid", "container_uuid", "UUID", "last_update", "fabric_uri", "addr",
    "Addr", "fault_domain", "hosts", "path", "pci_addr", "label", "Label", "container_label",
}  # fmt: skip
#: keys whose numbers must equal the sample's (the rest are sizes, times, memory figures)
EXACT_NUMBERS = {
    "status", "rank", "Rank", "version", "svc_ldr", "leader", "svc_reps", "tgt_ranks",
    "tier_bytes", "targets_total", "targets_disabled", "total_targets", "active_targets",
    "total_engines", "total_nodes", "disabled_targets", "pool_layout_ver",
    "upgrade_layout_ver", "fabric_contexts", "num_snapshots", "latest_snapshot",
    "redundancy_factor", "num_handles", "chunk_size", "imbalance", "objects", "records",
    "total_objects", "socket_id", "role_bits", "size", "total",
}  # fmt: skip


def series(release: str) -> str:
    return ".".join(release.split(".")[:2])


class Samples:
    """The samples of one release."""

    def __init__(self, release: str) -> None:
        self.release = release
        self.dir = DATA / series(release)

    def has(self, name: str) -> bool:
        return (self.dir / name).is_file()

    def text(self, name: str) -> str:
        return (self.dir / name).read_text()

    def json(self, name: str) -> Any:
        return json.loads(self.text(name))


def new_system(tmp: Path, release: str, **kwargs: Any) -> SimSystem:
    """A sim system of `release` with that release's configuration files (small storage)."""
    kwargs.setdefault("scm_size", 1)
    kwargs.setdefault("bdev_size", 2)
    return SimSystem(tmp, version=release, data=Samples(release).dir, **kwargs)


def normalize(text: str, port: int | None = None) -> str:
    """`text` with UUIDs and the test system's port as in the samples."""
    text = UUID.sub("<uuid>", text)
    if port is not None:
        text = text.replace(f":{port}", ":10001")
    return text


def assert_like(actual: Any, sample: Any, path: str = "$", port: int | None = None) -> None:
    """`actual` matches the sample field by field: the same keys in the same order, the same
    value types, equal strings (enum values such as states, error texts, types; UUIDs and
    the port normalized) except run-specific ones, equal counts and sizes (EXACT_NUMBERS).
    Maps keyed by opaque numbers (HostStorage) are compared by their values; a list item by
    item with the sample's (numbers in lists of EXACT_NUMBERS keys exactly)."""
    key = path.rsplit(".", 1)[-1].split("[")[0]
    if isinstance(sample, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        if sample and all(k.isdigit() for k in sample):
            assert actual, f"{path}: empty where the sample has entries"
            first = next(iter(sample.values()))
            for k, value in actual.items():
                assert k.isdigit(), f"{path}: key {k!r} is not an opaque number"
                assert_like(value, first, f"{path}.{k}", port)
            return
        keys = [normalize(k, port) for k in actual]
        assert keys == [normalize(k) for k in sample], (
            f"{path}: keys {list(actual)} != {list(sample)}"
        )
        for (k, value), expected in zip(actual.items(), sample.values(), strict=True):
            assert_like(value, expected, f"{path}.{k}", port)
    elif isinstance(sample, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        if key in EXACT_NUMBERS:
            assert actual == sample, f"{path}: {actual!r} != {sample!r}"
        elif not sample:
            assert actual == [], f"{path}: {actual!r} where the sample has []"
        else:
            assert actual, f"{path}: empty list where the sample has items"
            for i, item in enumerate(actual):  # item by item, or like the sample's first
                expected = sample[i] if len(actual) == len(sample) else sample[0]
                assert_like(item, expected, f"{path}[{i}]", port)
    elif sample is None:
        assert actual is None, f"{path}: {actual!r} where the sample has null"
    elif isinstance(sample, str):
        assert isinstance(actual, str), f"{path}: {actual!r} where the sample has a string"
        if key not in VOLATILE_STRINGS:
            assert normalize(actual, port) == normalize(sample), (
                f"{path}: {actual!r} where the sample has {sample!r}"
            )
    else:
        assert type(actual) is type(sample), (
            f"{path}: {type(actual).__name__} {actual!r} where the sample has "
            f"{type(sample).__name__} {sample!r}"
        )
        if key in EXACT_NUMBERS:
            assert actual == sample, f"{path}: {actual!r} where the sample has {sample!r}"


def check(result: Any, sample: dict[str, Any], program: str, port: int | None = None) -> None:
    """A `-j` command's result (a simsupport Result) matches a sample envelope: exit status
    1 with the error on stderr's last `ERROR:` lines, or 0 with nothing on stderr, and the
    JSON field by field (assert_like)."""
    failed = sample["error"] is not None
    assert result.returncode == (1 if failed else 0), result.stderr
    assert_like(result.json, sample, port=port)
    if failed:
        error = normalize(sample["error"])
        lines = [normalize(line, port) for line in result.stderr_lines]
        assert any(line.startswith(f"ERROR: {program}: ") and error in line for line in lines), (
            result.stderr
        )
    else:
        assert result.stderr == ""
