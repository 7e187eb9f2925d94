"""Reserve hugepages for the DAOS engine before start, and give them back after.

The host's hugepages may be shared: other sessions, other SPDK or DPDK applications, an
administrator may raise, take or lower them meanwhile. So:

reserve: mount hugetlbfs at /dev/hugepages if absent, raise `vm.nr_hugepages` when fewer
pages are free (HugePages_Free - HugePages_Rsvd: reserved pages are promised to someone)
than the engine needs, by what is missing. give_back: delete the hugepage files the engine
left (SPDK's `spdk_pid<PID>map_<N>`) among those that appeared during the session, but not
those a live process maps (another application's); lower `vm.nr_hugepages` by what reserve
raised it, only while it still has the value reserve set (a value someone set meanwhile is
theirs, and stays), never below the pages in use (HugePages_Total - HugePages_Free +
HugePages_Rsvd); unmount hugetlbfs only if we mounted it.

A reservation carries the host's boot id: one from another boot (a record older than the
last reboot) changes nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .host import HostError, meminfo
from .labels import boot_id

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
    reserved: int = 0  # HugePages_Rsvd: promised to a mapping, not yet faulted in

    @classmethod
    def from_meminfo(cls, info: dict[str, int], mounted: bool = False) -> HugepageCounts:
        """The counts of /proc/meminfo as `host.meminfo` reads it."""
        return cls(
            mounted,
            info.get("HugePages_Total", 0),
            info.get("HugePages_Free", 0),
            info.get("HugePages_Rsvd", 0),
        )

    @property
    def available(self) -> int:
        """Pages that can still be had: free and not reserved."""
        return max(0, self.free - self.reserved)

    @property
    def in_use(self) -> int:
        """Pages taken or promised: lowering vm.nr_hugepages below this takes none back."""
        return self.total - self.free + self.reserved


@dataclass(frozen=True)
class Reservation:
    """What `reserve` changed, so that `release` can undo exactly that."""

    pages: int
    previous_nr: int | None  # None: vm.nr_hugepages was left as it was
    mounted_by_us: bool
    files_before: frozenset[str]
    created_dir: bool = False  # the mount point did not exist before
    added: int = 0  # what vm.nr_hugepages was raised by
    boot: str = ""  # the host's boot id when the reservation was made

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
        return HugepageCounts.from_meminfo(meminfo(self.root), mounted)

    def boot(self) -> str:
        return boot_id(self.root)

    def reserve(self, pages: int) -> Reservation:
        """Make `pages` free default-size hugepages available at the mount point."""
        boot = self.boot()
        if pages <= 0:
            return Reservation(0, None, False, self._files(), boot=boot)
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
        added = 0
        if counts.available < pages:
            current = int(self._nr_file.read_text())
            wanted = current + pages - counts.available
            if not self.is_root:
                raise HostError(
                    f"{counts.available} hugepages are free and the DAOS engine needs "
                    f"{pages}: run `sudo sysctl vm.nr_hugepages={wanted}`"
                )
            self._nr_file.write_text(f"{wanted}\n")
            previous_nr, added = current, wanted - current
            free = self.counts().available
            if free < pages:
                self._lower(added, current)
                if mounted_by_us:
                    self.run(["umount", str(self.mount_point)])
                if created_dir:
                    self._dir.rmdir()
                raise HostError(
                    f"the kernel gave only {free} of the {pages} hugepages asked for "
                    "(memory is short or fragmented): free memory, lower --daos-hugepages, "
                    "or reserve hugepages at boot (hugepages=N on the kernel command line)"
                )
        return Reservation(
            pages, previous_nr, mounted_by_us, files_before, created_dir, added, boot
        )

    def give_back(self, reservation: Reservation) -> str:
        """Undo `reserve`: delete the engine's new hugepage files, lower vm.nr_hugepages by
        what we raised it if it still has the value we set, unmount what we mounted.
        Returns what became of vm.nr_hugepages, in a line ("" when `reserve` left it as it
        was); HostError lists what could not be done."""
        if not reservation.boot or reservation.boot != self.boot():
            if reservation.previous_nr is not None or reservation.mounted_by_us:
                raise HostError(
                    "the hugepage reservation was made in another boot of this host (boot id "
                    f"{reservation.boot or 'unknown'}): vm.nr_hugepages, hugetlbfs and its "
                    "files are left as they are"
                )
            return ""
        problems: list[str] = []
        new = [
            name
            for name in sorted(self._files() - reservation.files_before)
            if SPDK_FILE.match(name)
        ]
        mapped = self._mapped(new)
        for name in new:
            if name in mapped:
                continue  # a live process (not our engine: its node is gone) uses it
            try:
                (self._dir / name).unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                problems.append(f"could not delete {self.mount_point / name}: {exc}")
        said = ""
        if reservation.previous_nr is not None and reservation.added > 0:
            said, problem = self._lower_ours(reservation.previous_nr, reservation.added)
            problems += [problem] if problem else []
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
        return said

    def _lower_ours(self, previous: int, added: int) -> tuple[str, str]:
        """Take back the `added` pages `reserve` raised vm.nr_hugepages by, from `previous`,
        if it still has the value reserve set: what was done, in a line, and the problem
        met ("" when none)."""
        ours = previous + added
        try:
            now = int(self._nr_file.read_text())
        except (OSError, ValueError) as exc:
            return "", f"could not read vm.nr_hugepages to give back {added} pages: {exc}"
        if now != ours:
            return (
                f"vm.nr_hugepages is {now}, not the {ours} this run set: someone changed "
                f"it meanwhile, so it is left as it is (this run had added {added})"
            ), ""
        lowered, problem = self._lower(added, previous)
        if problem:
            return "", problem
        if lowered < added:
            return (
                f"gave back {lowered} of the {added} hugepages this run reserved: the "
                "others are in use",
                "",
            )
        return f"gave back the {added} hugepages this run reserved", ""

    def _lower(self, added: int, floor: int) -> tuple[int, str]:
        """Lower vm.nr_hugepages by `added`, never below the pages in use nor below
        `floor`, and never raise it; returns by how much it was lowered and the problem
        met ("" when none)."""
        target = None
        try:
            now = int(self._nr_file.read_text())
            target = max(now - added, self.counts().in_use, floor)
            if target < now:
                self._nr_file.write_text(f"{target}\n")
        except (OSError, ValueError) as exc:
            wanted = f" to {target}" if target is not None else ""
            return 0, f"could not lower vm.nr_hugepages{wanted}: {exc}"
        return max(0, now - target), ""

    def _mapped(self, names: list[str]) -> frozenset[str]:
        """Those of the hugepage files `names` that a live process maps.

        The pid in an engine's file name is its pid inside its container, which says
        nothing about the host's processes: the files are matched by device and inode in
        every process's /proc/<pid>/maps instead (the same across mount namespaces).
        """
        wanted: dict[tuple[int, int, int], str] = {}
        for name in names:
            try:
                info = os.stat(self._dir / name, follow_symlinks=False)
            except OSError:
                continue
            wanted[(os.major(info.st_dev), os.minor(info.st_dev), info.st_ino)] = name
        found: set[str] = set()
        if not wanted:
            return frozenset()
        try:
            processes = [entry for entry in (self.root / "proc").iterdir() if entry.name.isdigit()]
        except OSError:
            return frozenset()
        for process in processes:
            try:
                maps = (process / "maps").read_text()
            except OSError:
                continue  # gone meanwhile, or not readable
            for line in maps.splitlines():
                fields = line.split(maxsplit=5)
                if len(fields) < 5 or fields[4] == "0":
                    continue
                major, _, minor = fields[3].partition(":")
                try:
                    key = (int(major, 16), int(minor, 16), int(fields[4]))
                except ValueError:
                    continue
                if key in wanted:
                    found.add(wanted[key])
        return frozenset(found)

    def _files(self) -> frozenset[str]:
        try:
            return frozenset(entry.name for entry in self._dir.iterdir())
        except OSError:
            return frozenset()
