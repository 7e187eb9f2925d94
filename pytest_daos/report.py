"""What a start did, and the lines of the terminal summary that tell it.

`StartReport` is filled by the cluster's lifecycle (images built or cached, the time of
each phase, how the nodes ran) and recorded with the cluster, so a pytest-xdist controller
or a reusing session can show the start it did not do itself. A progress line that begins
a phase of a start or of the teardown is a `Phase`: shown under -q too, where the other
progress lines are not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .pictures import phase_bar


class Phase(str):
    """A progress line that begins a phase of a start or of the teardown: the one line of
    the phase that `pytest -q` shows. Any progress callable takes it as the text it is."""

    __slots__ = ()


@dataclass
class StartReport:
    """What a start did: images built or cached, phase times, privileged mode."""

    recipe: str = ""
    daos_version: str = ""
    iface: str = ""
    ip: str = ""
    images: list[tuple[str, bool]] = field(default_factory=list)  # (tag, built)
    phases: dict[str, float] = field(default_factory=dict)
    privileged_mode: str = ""
    attached: str = ""  # why an existing cluster was used, when one was

    @property
    def built(self) -> list[str]:
        return [tag for tag, built in self.images if built]

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StartReport:
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        known["images"] = [tuple(image) for image in known.get("images", [])]
        return cls(**known)


@dataclass(frozen=True)
class Kept:
    """A cluster left running at the end: its session and its admin node."""

    session: str
    admin: str


def summary_lines(
    report: StartReport,
    *,
    controller: bool = False,
    startup: float | None = None,
    failures: tuple[str, ...] = (),
    problems: tuple[str, ...] = (),
    kept: Kept | None = None,
) -> list[tuple[str, bool]]:
    """The summary as (line, is it bad) pairs: the start, its phases, the plugin's start-up
    time (pytest start to first test), failed starts, teardown problems, a kept cluster."""
    lines: list[tuple[str, bool]] = []
    if report.iface:
        lines.append((
            f"DAOS {report.daos_version}, recipe {report.recipe}, interface "
            f"{report.iface} ({report.ip})"
            + (f", nodes ran {report.privileged_mode}" if report.privileged_mode else ""),
            False,
        ))  # fmt: skip
    if controller:
        end = "not this run's to remove" if report.attached else "torn down after the last one"
        lines.append((f"one cluster for all pytest-xdist workers, {end}", False))
    if report.attached:
        lines.append((f"no start: {report.attached}", False))
    if report.images:
        built = report.built
        lines.append((
            f"images: {len(report.images) - len(built)} cached, {len(built)} built"
            + (f" ({', '.join(built)})" if built else " (all images were cached)"),
            False,
        ))  # fmt: skip
    if report.phases:
        phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in report.phases.items())
        lines.append((f"cluster start: {report.seconds:.1f}s ({phases})", False))
        lines.append((phase_bar(report.phases), False))
    if startup is not None:
        lines.append((f"plugin start-up (pytest start to first test): {startup:.1f}s", False))
    lines += [(f"the cluster did not start: {failure}", True) for failure in failures]
    lines += [(f"teardown problem: {problem}", True) for problem in problems]
    if kept is not None:
        lines.append((
            f"the cluster is kept running (session {kept.session}): `pytest-daos status` shows "
            f"it, `pytest-daos down` removes it, `docker exec -it {kept.admin} dmg system "
            "query` reaches it",
            False,
        ))  # fmt: skip
    return lines
