"""Byte sizes as DAOS's Go tools read and print them (go-humanize v1, CONTRACT.md §3)."""

from __future__ import annotations

import math

KIB = 1024
MIB = 1024**2
GIB = 1024**3

_UNITS: dict[str, int] = {"": 1, "b": 1}
for _i, _prefix in enumerate("kmgtpe", start=1):
    _UNITS[_prefix] = _UNITS[_prefix + "b"] = 1000**_i
    _UNITS[_prefix + "i"] = _UNITS[_prefix + "ib"] = 1024**_i


class SizeError(ValueError):
    pass


def parse_bytes(text: str) -> int:
    """humanize.ParseBytes: `8G` = 8e9, `512MiB` = 512 * 2**20, `10` = 10 bytes.

    The leading number may be fractional (commas are dropped); the unit is trimmed and
    lower-cased; k, m, g, t, p, e (with or without b) are powers of 1000, ki/kib... of 1024.
    """
    digits = 0
    for ch in text:
        if not (ch.isdigit() or ch in ".,"):
            break
        digits += 1
    number = text[:digits].replace(",", "")
    try:
        value = float(number)
    except ValueError:
        raise SizeError(f'strconv.ParseFloat: parsing "{number}": invalid syntax') from None
    unit = text[digits:].strip().lower()
    if unit not in _UNITS:
        raise SizeError(f"unhandled size name: {unit}")
    value *= _UNITS[unit]
    if value >= 2**64:
        raise SizeError(f"too large: {text}")
    return int(value)


def _humanate(size: int, base: int, units: tuple[str, ...]) -> str:
    if size < 10:
        return f"{size} B"
    exponent = math.floor(math.log(size) / math.log(base))
    value = math.floor(size / base**exponent * 10 + 0.5) / 10
    return f"{value:.1f} {units[exponent]}" if value < 10 else f"{value:.0f} {units[exponent]}"


def human_bytes(size: int) -> str:
    """humanize.Bytes: powers of 1000, e.g. 2000000512 -> "2.0 GB"."""
    return _humanate(size, 1000, ("B", "kB", "MB", "GB", "TB", "PB", "EB"))


def human_ibytes(size: int) -> str:
    """humanize.IBytes: powers of 1024, e.g. 16777216 -> "16 MiB"."""
    return _humanate(size, 1024, ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"))


def go_duration(seconds: float) -> str:
    """A duration as Go's time.Duration.String() prints it: 5m0s, 2s, 1.5s, 250ms."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        ms = seconds * 1000
        return f"{ms:g}ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    if minutes:
        return f"{int(minutes)}m{text}"
    return text
