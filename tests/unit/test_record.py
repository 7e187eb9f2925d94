"""`remove_recorded`: what a record may make us remove and give back. A record names
containers and a hugepage reservation; only containers labelled with the record's session
are touched, and a reservation from another boot of the host is not applied."""

from __future__ import annotations

import json

from fake_docker import FakeClient, FakeContainer
from test_hugepages import FakeKernel, SyncingHugepages, nr

from pytest_daos.cluster.hugepages import Reservation
from pytest_daos.cluster.labels import SESSION_LABEL
from pytest_daos.cluster.record import (
    RECORD_FILE,
    ClusterRecord,
    load_record,
    remove_recorded,
    save_record,
)

SESSION = "aaaaaaaaaaaa"


def a_record(containers: dict[str, str], hugepages: dict[str, object] | None = None):
    return ClusterRecord(
        owner={"session": SESSION, "pid": 1, "boot": "b", "started": 1.0},
        keep=False,
        compat="k",
        containers=containers,
        recipe="sim",
        daos_version="2.6.5",
        iface="lo",
        ip="127.0.0.1",
        log_files={},
        hugepages=hugepages,
    )


def test_only_containers_of_the_recorded_session_are_removed(tmp_path):
    ours = FakeContainer(f"pytest-daos-{SESSION}-server", {SESSION_LABEL: SESSION})
    foreign = FakeContainer("production-db", {})
    other_session = FakeContainer("pytest-daos-bbbbbbbbbbbb-admin", {SESSION_LABEL: "b" * 12})
    folder = tmp_path / "state"
    record = a_record({"server": ours.name, "admin": other_session.name, "client": foreign.name})
    save_record(folder, record)
    problems = remove_recorded(
        FakeClient(containers=[ours, foreign, other_session]), folder, record
    )
    assert ours.calls == ["stop", "remove"]
    assert foreign.calls == [] and other_session.calls == []
    assert any("production-db" in problem and SESSION in problem for problem in problems)
    assert load_record(folder) is None


def reservation_of_boot(root, boot: str) -> tuple[FakeKernel, dict[str, object]]:
    """A host whose kernel had no hugepages, and the reservation a run made in `boot`
    (vm.nr_hugepages raised to 16): the one such a record holds."""
    kernel = FakeKernel(root, total=0, free=0, mounted=True)
    (root / "proc/sys/kernel/random/boot_id").write_text(f"{boot}\n")
    reservation = SyncingHugepages(kernel).reserve(16).to_dict()
    assert nr(root) == 16 and reservation["boot"] == boot
    return kernel, reservation


def test_a_reservation_of_another_boot_leaves_nr_hugepages_alone(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    kernel, planted = reservation_of_boot(root, "boot-before")
    (root / "proc/sys/kernel/random/boot_id").write_text("boot-now\n")  # rebooted since
    folder = tmp_path / "state"
    record = a_record({}, planted)
    save_record(folder, record)
    problems = remove_recorded(FakeClient(), folder, record, SyncingHugepages(kernel))
    assert nr(root) == 16
    assert any("boot" in p and "vm.nr_hugepages" in p for p in problems), problems


def test_a_reservation_without_a_boot_id_leaves_nr_hugepages_alone(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    kernel, old = reservation_of_boot(root, "boot-now")
    del old["boot"]  # as an older version wrote it
    folder = tmp_path / "state"
    record = a_record({}, old)
    save_record(folder, record)
    remove_recorded(FakeClient(), folder, record, SyncingHugepages(kernel))
    assert nr(root) == 16


def test_a_reservation_of_this_boot_is_given_back(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    kernel = FakeKernel(root, total=0, free=0, mounted=True)
    (root / "proc/sys/kernel/random/boot_id").write_text("boot-now\n")
    pages = SyncingHugepages(kernel)
    reservation = pages.reserve(16)
    assert nr(root) == 16
    folder = tmp_path / "state"
    record = a_record({}, reservation.to_dict())
    save_record(folder, record)
    loaded = load_record(folder)
    assert loaded is not None and Reservation.from_dict(loaded.hugepages or {}) == reservation
    assert remove_recorded(FakeClient(), folder, loaded, pages) == []
    assert nr(root) == 0


def test_the_teardown_says_an_administrators_value_is_left(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    kernel = FakeKernel(root, total=0, free=0, mounted=True)
    pages = SyncingHugepages(kernel)
    record = a_record({}, pages.reserve(16).to_dict())
    save_record(tmp_path / "state", record)
    kernel.set_total(20)  # an administrator's sysctl during the run
    said: list[str] = []
    assert remove_recorded(FakeClient(), tmp_path / "state", record, pages, said.append) == []
    assert nr(root) == 20
    assert said == [
        "vm.nr_hugepages is 20, not the 16 this run set: someone changed it meanwhile, so "
        "it is left as it is (this run had added 16)"
    ]


def test_a_record_keeps_the_settings_and_an_older_one_without_them_still_loads(tmp_path):
    record = ClusterRecord(
        owner={"session": "s1", "pid": 7, "boot": "b", "started": 1.0}, keep=True, compat="k",
        containers={}, recipe="sim", daos_version="2.6.5", iface="lo", ip="127.0.0.1",
        log_files={}, settings={"version": "2.6"}, given=["daos_recipe=sim from --daos-recipe"],
    )  # fmt: skip
    save_record(tmp_path, record)
    assert load_record(tmp_path) == record
    data = json.loads((tmp_path / RECORD_FILE).read_text())
    del data["settings"], data["given"]  # as an older pytest-daos wrote it
    (tmp_path / RECORD_FILE).write_text(json.dumps(data))
    older = load_record(tmp_path)
    assert older is not None and (older.settings, older.given) == ({}, [])
