"""Median, minimum and maximum of samples, and how the report writes them."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Stat:
    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, samples: Iterable[float | None]) -> Stat | None:
        values = [float(value) for value in samples if value is not None]
        if not values:
            return None
        return cls(statistics.median(values), min(values), max(values), len(values))

    def text(self, unit: str = "s", digits: int = 2) -> str:
        """`1.23 s (1.10-1.40)`, or `1.23 s` for one sample or equal ones."""
        if unit == "ms":
            median, low, high, unit = self.median * 1000, self.low * 1000, self.high * 1000, "ms"
            digits = 0 if median >= 100 else 1
        else:
            median, low, high = self.median, self.low, self.high
        head = f"{median:.{digits}f} {unit}".strip()
        if self.count == 1 or f"{low:.{digits}f}" == f"{high:.{digits}f}":
            return head
        return f"{head} ({low:.{digits}f}-{high:.{digits}f})"


def text(samples: Sequence[float | None] | None, unit: str = "s", digits: int = 2) -> str:
    stat = Stat.of(samples or [])
    return stat.text(unit, digits) if stat else "-"


def median(samples: Iterable[float | None]) -> float | None:
    stat = Stat.of(samples)
    return stat.median if stat else None


def suite_cost(run: dict[str, Any], tests: int) -> tuple[float, float]:
    """A measured pytest-xdist run of `tests` tests as (seconds outside the tests, seconds
    per test), to project another size from."""
    span = float(run["tests_span_s"])
    return float(run["wall_s"]) - span, span / tests
