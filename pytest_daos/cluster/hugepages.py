"""Reserve hugepages for the DAOS engine before start, and give them back after.

reserve: mount hugetlbfs at /dev/hugepages if absent, raise `vm.nr_hugepages` when fewer
pages are free than the engine needs. release: delete the hugepage files the engine left
(SPDK's `spdk_pid<PID>map_<N>`, only those that appeared during the session), restore
`vm.nr_hugepages` to exactly its old value, unmount hugetlbfs only if we mounted it.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .host import HostError

MOUNT_POINT = Path("/dev/hugepages")
SPDK_FILE = re.compile(r"^spdk_pid\d+map_\d+$")

Runner = Callable[[Sequence[str]], None]


def _run(argv: Sequence[str]) -> None:
    subprocess.run(list(argv), check=True, capture_output=True, text=True)


@dataclass(frozen=True)
class HugepageCounts:
    """What the kernel says about default-size hugepages and hugetlbfs."""

    mounted: bool
    total: int
    free: int


@dataclass(frozen=True)
class Reservation:
    """What `reserve` changed, so that `release` can undo exactly that."""

    pages: int
    previous_nr: int | None  # None: vm.nr_hugepages was left as it was
    mounted_by_us: bool
    files_before: frozenset[str]
    created_dir: bool = False  # the mount point did not exist before

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "files_before": sorted(self.files_before)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reservation:
        return cls(**{**data, "files_before": frozenset(data["files_before"])})


class Hugepages:
    """Hugepage bookkeeping on one host; `root` points at a fake /proc and /sys in tests."""

    def __init__(
        self,
        root: Path = Path("/"),
        mount_point: Path = MOUNT_POINT,
        run: Runner = _run,
        is_root: bool | None = None,
    ) -> None:
        self.root = root
        self.mount_point = mount_point
        self.run = run
        self.is_root = os.geteuid() == 0 if is_root is None else is_root

    @property
    def _nr_file(self) -> Path:
        return self.root / "proc/sys/vm/nr_hugepages"

    @property
    def _dir(self) -> Path:
        """The mount point as seen under `root`."""
        return self.root / self.mount_point.relative_to("/")

    def counts(self) -> HugepageCounts:
        mounted = False
        for line in (self.root / "proc/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) > 2 and fields[1] == str(self.mount_point) and fields[2] == "hugetlbfs":
                mounted = True
        info: dict[str, int] = {}
        for line in (self.root / "proc/meminfo").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key.startswith("HugePages_"):
                info[key] = int(rest.split()[0])
        return HugepageCounts(
            mounted, info.get("HugePages_Total", 0), info.get("HugePages_Free", 0)
        )

    def reserve(self, pages: int) -> Reservation:
        """Make `pages` free default-size hugepages available at the mount point."""
        if pages <= 0:
            return Reservation(0, None, False, self._files())
        counts = self.counts()
        mounted_by_us = created_dir = False
        if not counts.mounted:
            if not self.is_root:
                raise HostError(
                    f"hugetlbfs is not mounted at {self.mount_point}: run "
                    f"`sudo mkdir -p {self.mount_point} && "
                    f"sudo mount -t hugetlbfs nodev {self.mount_point}`"
                )
            created_dir = not self._dir.exists()
            self._dir.mkdir(parents=True, exist_ok=True)
            self.run(["mount", "-t", "hugetlbfs", "nodev", str(self.mount_point)])
            mounted_by_us = True
        files_before = self._files()
        previous_nr = None
        if counts.free < pages:
            current = int(self._nr_file.read_text())
            wanted = current + pages - counts.free
            if not self.is_root:
                raise HostError(
                    f"{counts.free} hugepages are free and the DAOS engine needs {pages}: run "
                    f"`sudo sysctl vm.nr_hugepages={wanted}`"
                )
            self._nr_file.write_text(f"{wanted}\n")
            previous_nr = current
            free = self.counts().free
            if free < pages:
                self._nr_file.write_text(f"{current}\n")
                if mounted_by_us:
                    self.run(["umount", str(self.mount_point)])
                if created_dir:
                    self._dir.rmdir()
                raise HostError(
                    f"the kernel gave only {free} of the {pages} hugepages asked for "
                    "(memory is short or fragmented): free memory, lower --daos-hugepages, "
                    "or reserve hugepages at boot (hugepages=N on the kernel command line)"
                )
        return Reservation(pages, previous_nr, mounted_by_us, files_before, created_dir)

    def give_back(self, reservation: Reservation) -> None:
        """Undo `reserve`: delete the engine's new hugepage files, restore, unmount."""
        problems: list[str] = []
        for name in sorted(self._files() - reservation.files_before):
            if SPDK_FILE.match(name):
                try:
                    (self._dir / name).unlink()
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    problems.append(f"could not delete {self.mount_point / name}: {exc}")
        if reservation.previous_nr is not None:
            try:
                self._nr_file.write_text(f"{reservation.previous_nr}\n")
            except OSError as exc:
                problems.append(
                    f"could not restore vm.nr_hugepages={reservation.previous_nr}: {exc}"
                )
        if reservation.mounted_by_us:
            try:
                self.run(["umount", str(self.mount_point)])
            except (OSError, subprocess.CalledProcessError) as exc:
                problems.append(f"could not unmount {self.mount_point}: {exc}")
            else:
                if reservation.created_dir:
                    try:
                        self._dir.rmdir()
                    except OSError as exc:
                        problems.append(f"could not remove {self.mount_point}: {exc}")
        if problems:
            raise HostError("; ".join(problems))

    def _files(self) -> frozenset[str]:
        try:
            return frozenset(entry.name for entry in self._dir.iterdir())
        except OSError:
            return frozenset()
