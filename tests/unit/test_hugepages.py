"""Hugepage reservation and release against a fake /proc tree.

The fake kernel is a `run` callable and a writable nr_hugepages file; the real kernel path
is covered by the integration tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_daos.cluster.host import HostError
from pytest_daos.cluster.hugepages import Hugepages

BOOT = "0a1b2c3d-this-boot"


class FakeKernel:
    """A /proc tree whose meminfo follows writes to vm.nr_hugepages, up to `limit` pages."""

    def __init__(
        self,
        root: Path,
        total: int,
        free: int,
        mounted: bool,
        limit: int = 10**6,
        reserved: int = 0,
    ):
        self.root, self.limit, self.reserved = root, limit, reserved
        (root / "proc/sys/vm").mkdir(parents=True)
        (root / "dev/hugepages").mkdir(parents=True)
        (root / "proc/sys/kernel/random").mkdir(parents=True)
        (root / "proc/sys/kernel/random/boot_id").write_text(f"{BOOT}\n")
        self.used = total - free
        self.mounted = mounted
        self.commands: list[list[str]] = []
        self.set_total(total)

    def set_total(self, total: int) -> None:
        total = min(total, self.limit)
        (self.root / "proc/sys/vm/nr_hugepages").write_text(f"{total}\n")
        free = total - self.used
        (self.root / "proc/meminfo").write_text(
            f"MemTotal: 1000 kB\nHugePages_Total: {total}\nHugePages_Free: {free}\n"
            f"HugePages_Rsvd: {self.reserved}\n"
        )
        mount = "nodev /dev/hugepages hugetlbfs rw 0 0\n" if self.mounted else ""
        (self.root / "proc/mounts").write_text("proc /proc proc rw 0 0\n" + mount)

    def run(self, argv):
        self.commands.append(list(argv))
        self.mounted = argv[0] == "mount"
        self.sync()

    def sync(self):
        self.set_total(int((self.root / "proc/sys/vm/nr_hugepages").read_text()))


class SyncingHugepages(Hugepages):
    """Hugepages whose fake kernel reacts to each state read."""

    def __init__(self, kernel: FakeKernel, is_root: bool = True):
        super().__init__(root=kernel.root, run=kernel.run, is_root=is_root)
        self.kernel = kernel

    def counts(self):
        self.kernel.sync()
        return super().counts()


def nr(root: Path) -> int:
    return int((root / "proc/sys/vm/nr_hugepages").read_text())


def test_enough_free_pages_change_nothing(tmp_path):
    kernel = FakeKernel(tmp_path, total=2048, free=2048, mounted=True)
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(1024)
    assert reservation.previous_nr is None and not reservation.mounted_by_us
    pages.give_back(reservation)
    assert nr(tmp_path) == 2048
    assert kernel.commands == []


def test_short_host_is_raised_and_restored_exactly(tmp_path):
    kernel = FakeKernel(tmp_path, total=10, free=4, mounted=False)
    (tmp_path / "dev/hugepages").rmdir()
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(100)
    assert reservation.created_dir
    assert kernel.commands == [["mount", "-t", "hugetlbfs", "nodev", "/dev/hugepages"]]
    assert nr(tmp_path) == 106  # 10 + (100 - 4)
    assert pages.counts().free == 100
    pages.give_back(reservation)
    assert nr(tmp_path) == 10
    assert kernel.commands[-1] == ["umount", "/dev/hugepages"]
    assert not (tmp_path / "dev/hugepages").exists()


def test_release_deletes_only_the_engine_files_of_this_session(tmp_path):
    kernel = FakeKernel(tmp_path, total=8, free=8, mounted=True)
    folder = tmp_path / "dev/hugepages"
    (folder / "spdk_pid7map_0").write_text("")  # an older owner's file: not ours
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(4)
    for name in ("spdk_pid42map_0", "spdk_pid42map_1", "somebody-elses-file"):
        (folder / name).write_text("")
    pages.give_back(reservation)
    left = sorted(path.name for path in folder.iterdir())
    assert left == ["somebody-elses-file", "spdk_pid7map_0"]


def test_kernel_that_cannot_give_the_pages(tmp_path):
    kernel = FakeKernel(tmp_path, total=0, free=0, mounted=False, limit=50)
    pages = SyncingHugepages(kernel)
    with pytest.raises(HostError, match="the kernel gave only 50 of the 100 hugepages"):
        pages.reserve(100)
    assert nr(tmp_path) == 0
    assert kernel.commands[-1] == ["umount", "/dev/hugepages"]


def test_not_root_gets_the_commands_to_run(tmp_path):
    kernel = FakeKernel(tmp_path, total=0, free=0, mounted=False)
    with pytest.raises(HostError, match="sudo mount -t hugetlbfs nodev /dev/hugepages"):
        SyncingHugepages(kernel, is_root=False).reserve(16)
    kernel.mounted = True
    kernel.sync()
    with pytest.raises(HostError, match=r"sudo sysctl vm.nr_hugepages=16"):
        SyncingHugepages(kernel, is_root=False).reserve(16)
    assert kernel.commands == []


def test_zero_pages_reserve_nothing(tmp_path):
    kernel = FakeKernel(tmp_path, total=0, free=0, mounted=False)
    reservation = SyncingHugepages(kernel).reserve(0)
    assert reservation.previous_nr is None and not reservation.mounted_by_us
    assert kernel.commands == []


def test_restore_lowers_the_value_this_session_set_by_what_it_added(tmp_path):
    kernel = FakeKernel(tmp_path, total=10, free=4, mounted=True)
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(100)
    assert nr(tmp_path) == 106  # raised by 96
    assert pages.give_back(reservation) == "gave back the 96 hugepages this run reserved"
    assert nr(tmp_path) == 10


@pytest.mark.parametrize("changed_to", [114, 100, 0])
def test_a_value_someone_else_set_meanwhile_is_theirs(tmp_path, changed_to):
    """An administrator (or another program) set vm.nr_hugepages during the run: their
    value stays, whether they raised it or lowered it, and the line says so."""
    kernel = FakeKernel(tmp_path, total=10, free=4, mounted=True)
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(100)
    kernel.set_total(changed_to)
    said = pages.give_back(reservation)
    assert nr(tmp_path) == changed_to
    assert said == (
        f"vm.nr_hugepages is {changed_to}, not the 106 this run set: someone changed it "
        "meanwhile, so it is left as it is (this run had added 96)"
    )


def test_nothing_to_say_when_nr_hugepages_was_not_raised(tmp_path):
    kernel = FakeKernel(tmp_path, total=2048, free=2048, mounted=True)
    pages = SyncingHugepages(kernel)
    assert pages.give_back(pages.reserve(1024)) == ""


def test_restore_never_takes_pages_in_use(tmp_path):
    kernel = FakeKernel(tmp_path, total=10, free=4, mounted=True)
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(100)
    kernel.used += 30  # another process took 30 of the free pages
    kernel.reserved = 20  # and reserved 20 more it has not touched yet
    kernel.sync()
    said = pages.give_back(reservation)
    assert nr(tmp_path) == 6 + 30 + 20  # Total - Free + Rsvd
    assert said == "gave back 50 of the 96 hugepages this run reserved: the others are in use"


def test_restore_never_raises_nr_hugepages(tmp_path):
    kernel = FakeKernel(tmp_path, total=10, free=4, mounted=True)
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(100)
    kernel.set_total(6)  # an administrator lowered it below the old value meanwhile
    pages.give_back(reservation)
    assert nr(tmp_path) == 6


def test_reserved_pages_do_not_count_as_free(tmp_path):
    kernel = FakeKernel(tmp_path, total=1024, free=1024, mounted=True, reserved=1000)
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(100)
    assert nr(tmp_path) == 1100  # 24 were free: raised by 76
    assert reservation.previous_nr == 1024
    pages.give_back(reservation)
    assert nr(tmp_path) == 1024


def test_the_files_of_a_live_process_are_kept(tmp_path):
    """A file that appeared during the session but that a live process maps (another
    SPDK application, in a container or not) is not ours: it stays. The pid in the name
    is no help: it is the pid inside the engine's container."""
    kernel = FakeKernel(tmp_path, total=8, free=8, mounted=True)
    folder = tmp_path / "dev/hugepages"
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(4)
    for name in ("spdk_pid13map_0", "spdk_pid13map_1", "spdk_pid21map_0"):
        (folder / name).write_text("")
    mapped = os.stat(folder / "spdk_pid21map_0")
    dev = f"{os.major(mapped.st_dev):02x}:{os.minor(mapped.st_dev):02x}"
    process = tmp_path / "proc/4711"
    process.mkdir(parents=True)
    (process / "maps").write_text(
        "7f0000000000-7f0000001000 r-xp 00000000 08:01 12 /usr/bin/spdk_tgt\n"
        f"7fd73dc00000-7fd73de00000 rw-s 00000000 {dev} {mapped.st_ino}"
        "                     /dev/hugepages/spdk_pid21map_0\n"
    )
    pages.give_back(reservation)
    assert sorted(path.name for path in folder.iterdir()) == ["spdk_pid21map_0"]
