"""Sizes as DAOS's tools read them: `dmg --size` bytes (go-humanize: `G` is 10**9, `GiB`
is 2**30) and the whole GiB of `scm_size` and `bdev_size`."""

from __future__ import annotations

import re

_GIB_RE = re.compile(r"^\s*(\d+)\s*(g|gb|gib)?\s*$", re.IGNORECASE)
_BYTES_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_UNITS = {
    "": 1, "b": 1,
    "k": 1000, "kb": 1000, "m": 1000**2, "mb": 1000**2, "g": 1000**3, "gb": 1000**3,
    "t": 1000**4, "tb": 1000**4, "p": 1000**5, "pb": 1000**5,
    "ki": 1024, "kib": 1024, "mi": 1024**2, "mib": 1024**2, "gi": 1024**3, "gib": 1024**3,
    "ti": 1024**4, "tib": 1024**4, "pi": 1024**5, "pib": 1024**5,
}  # fmt: skip


def parse_bytes(text: str) -> int:
    """Parse a size the way DAOS's `dmg` does (go-humanize): `G` is 10**9, `GiB` is 2**30."""
    match = _BYTES_RE.match(text)
    if not match or match.group(2).lower() not in _UNITS:
        raise ValueError(
            f"{text!r} is not a size: use a number with a unit such as 2G (10**9 bytes) or 2GiB"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def parse_gib(text: str) -> int:
    """Parse a whole number of GiB ("4", "4G", "4GiB"), the unit of DAOS's scm_size/bdev_size."""
    match = _GIB_RE.match(text)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{text!r} is not a whole number of GiB such as 4 or 4G")
    return int(match.group(1))
