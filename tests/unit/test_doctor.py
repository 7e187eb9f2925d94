"""The doctor: every prerequisite check for one set of settings, run on fake /proc and /sys
trees, then `require` and `report`. The Docker engine is the only stand-in (a client object
answering `version()` and `info()` as the Docker SDK's does); the interface address, free
disk space and git lookup are this host's own."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil

import pytest
from fake_docker import FakeClient

from pytest_daos.cluster import doctor, host
from pytest_daos.cluster.checks import check_docker
from pytest_daos.cluster.engine_git import ENGINE_PATH
from pytest_daos.cluster.host import DockerUnavailable
from pytest_daos.cluster.recipes import load_recipe
from pytest_daos.settings import Settings

TCP_HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
)
MEMTOTAL_KB = 24684092  # the 24 GiB VM of the real DAOS captures


def write(root, path, text):
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def fake_host(root, *, hugetlbfs=True, total_pages=2048, free_pages=2048):
    """A /proc and /sys tree: loopback up, no port taken, all capabilities, THP [never]."""
    write(
        root,
        "proc/meminfo",
        f"MemTotal:       {MEMTOTAL_KB} kB\nMemFree:        20000000 kB\n"
        f"HugePages_Total:    {total_pages}\nHugePages_Free:     {free_pages}\n"
        "Hugepagesize:       2048 kB\n",
    )
    filesystems = "nodev\tsysfs\nnodev\tproc\nnodev\ttmpfs\n"
    mounts = "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
    if hugetlbfs:
        filesystems += "nodev\thugetlbfs\n"
        mounts += "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n"
    write(root, "proc/filesystems", filesystems)
    write(root, "proc/mounts", mounts)
    write(root, "proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda1 intel_iommu=on iommu=pt\n")
    write(root, "proc/net/tcp", TCP_HEADER)
    write(root, "proc/net/tcp6", TCP_HEADER)
    write(root, "proc/self/status", "Name:\tpython3\nCapBnd:\t000001ffffffffff\n")
    write(root, "sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n")
    write(root, "sys/class/net/lo/operstate", "unknown\n")


def engine(root_dir):
    return check_docker(lambda: FakeClient(root_dir=root_dir))


def no_engine():
    def refuse():
        raise DockerUnavailable(
            "no Docker engine answers (Error while fetching server API version: ('Connection "
            "aborted.', FileNotFoundError(2, 'No such file or directory')))",
            "start one (`sudo systemctl start docker`) or point DOCKER_HOST at one",
        )

    return check_docker(refuse)


@pytest.fixture
def not_root(monkeypatch):
    """Run the checks as a user who cannot raise vm.nr_hugepages."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)


NAMES = [
    "docker", "privileged", "interface", "hugetlbfs", "hugepages", "iommu", "ports", "memory",
    "transparent hugepages", "cores",
]  # fmt: skip


def run_checks(settings, docker, root):
    """The doctor's checks for the settings and the recipe they name."""
    return doctor.run_checks(settings, load_recipe(settings), docker, root)


HEALTHY_SIM = Settings(recipe="sim", iface="lo", bdev_size=1)


def test_healthy_host_every_check_in_order(tmp_path, not_root):
    fake_host(tmp_path)
    checks = run_checks(HEALTHY_SIM, engine(tmp_path), tmp_path)

    assert [check.name for check in checks] == [*NAMES, "disk"]
    assert {check.status for check in checks} == {"ok"}
    by_name = {check.name: check for check in checks}
    assert by_name["docker"].detail == "engine 27.5.1 answers (API 1.47)"
    assert by_name["privileged"].detail == "all capabilities available: nodes run --privileged"
    assert by_name["interface"].detail.startswith(
        "lo (127.0.0.1): loopback serves a single-host cluster only"
    )
    assert by_name["hugetlbfs"].detail == "mounted at /dev/hugepages"
    assert by_name["hugepages"].detail == (
        "2048 of 2048 hugepages (2048 KiB) free, the engine needs 1024"
    )
    assert by_name["iommu"].detail == "IOMMU enabled"
    assert by_name["ports"].detail == "control 10001, fabric 31416 free"
    assert by_name["memory"].detail == (
        "23.5 GiB RAM - 2.0 GiB hugepages - 16 GiB system_ram_reserved - 1 GiB engine leaves "
        "4.5 GiB for 4 GiB of SCM"
    )
    assert by_name["transparent hugepages"].detail == "[never]"
    assert by_name["cores"].detail.startswith(f"{os.cpu_count()} cores")
    assert by_name["disk"].detail.endswith(f" GiB free in {tmp_path}, the bdev file takes 1 GiB")

    doctor.require(checks)  # nothing failed: no error
    assert json.loads(doctor.report(checks, as_json=True))["ready"] is True
    assert doctor.report(checks).splitlines()[-1] == "DAOS can run on this host"


BROKEN_SIM = Settings(recipe="sim", iface="nope0", bdev_size=1)
#: (detail, fix) of each failed check on the broken host
NO_HUGETLBFS = (
    "the kernel has no hugetlbfs (CONFIG_HUGETLBFS)",
    "use a kernel built with CONFIG_HUGETLBFS=y",
)
TOO_FEW = (
    "100 of 512 hugepages (2048 KiB) free, the engine needs 1024",
    "sudo sysctl vm.nr_hugepages=1436",  # 512 + 1024 - 100
)
NO_IFACE = (
    "network interface 'nope0' does not exist; interfaces with an IPv4 address: lo (127.0.0.1)",
    "pass --daos-iface=NAME",
)


def broken_checks(tmp_path):
    fake_host(tmp_path, hugetlbfs=False, total_pages=512, free_pages=100)
    return run_checks(BROKEN_SIM, engine(tmp_path), tmp_path)


def test_broken_host_fails_each_missing_prerequisite(tmp_path, not_root):
    checks = broken_checks(tmp_path)

    assert [(check.name, check.status) for check in checks] == [
        ("docker", "ok"), ("privileged", "ok"), ("interface", "fail"), ("hugetlbfs", "fail"),
        ("hugepages", "fail"), ("iommu", "ok"), ("ports", "ok"), ("memory", "ok"),
        ("transparent hugepages", "ok"), ("cores", "ok"), ("disk", "ok"),
    ]  # fmt: skip
    failed = {check.name: (check.detail, check.fix) for check in checks if check.status == "fail"}
    assert failed == {"interface": NO_IFACE, "hugetlbfs": NO_HUGETLBFS, "hugepages": TOO_FEW}


def test_require_names_every_failed_check_and_its_fix(tmp_path, not_root):
    checks = broken_checks(tmp_path)
    with pytest.raises(doctor.PrerequisiteError) as caught:
        doctor.require(checks)
    assert str(caught.value) == (
        "the host cannot run DAOS: "
        f"interface: {NO_IFACE[0]} (fix: {NO_IFACE[1]}); "
        f"hugetlbfs: {NO_HUGETLBFS[0]} (fix: {NO_HUGETLBFS[1]}); "
        f"hugepages: {TOO_FEW[0]} (fix: {TOO_FEW[1]})"
    )
    assert caught.value.checks == checks


def test_report_as_json_and_as_a_table(tmp_path, not_root):
    checks = broken_checks(tmp_path)

    document = json.loads(doctor.report(checks, as_json=True))
    assert document["ready"] is False
    assert [row["name"] for row in document["checks"]] == [*NAMES, "disk"]
    assert document["checks"][4] == {
        "name": "hugepages", "status": "fail", "detail": TOO_FEW[0], "fix": TOO_FEW[1],
        "settings": [],
    }  # fmt: skip
    assert document["checks"][0] == {
        "name": "docker", "status": "ok", "detail": "engine 27.5.1 answers (API 1.47)", "fix": "",
        "settings": [],
    }  # fmt: skip

    lines = doctor.report(checks).splitlines()
    width = len("transparent hugepages")
    at = lines.index(f"FAIL  {'hugepages':{width}}  {TOO_FEW[0]}")
    assert lines[at + 1] == f"{'':4}  {'':{width}}  fix: {TOO_FEW[1]}"
    assert f"OK    {'iommu':{width}}  IOMMU enabled" in lines
    assert lines[-2:] == ["", "DAOS cannot run on this host yet"]


def test_no_docker_engine_fails_first_and_skips_the_disk(tmp_path, not_root):
    fake_host(tmp_path)
    checks = run_checks(HEALTHY_SIM, no_engine(), tmp_path)
    assert [check.name for check in checks] == NAMES  # no engine: no DockerRootDir to measure
    assert [check.name for check in checks if check.status == "fail"] == ["docker"]
    assert checks[0].fix == "start one (`sudo systemctl start docker`) or point DOCKER_HOST at one"
    with pytest.raises(doctor.PrerequisiteError, match=r"^the host cannot run DAOS: docker: no "):
        doctor.require(checks)


def test_too_few_hugepages_as_root_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    fake_host(tmp_path, total_pages=512, free_pages=100)
    checks = run_checks(HEALTHY_SIM, engine(tmp_path), tmp_path)
    hugepages = checks[NAMES.index("hugepages")]
    assert (hugepages.name, hugepages.status, hugepages.fix) == ("hugepages", "warn", TOO_FEW[1])
    assert hugepages.detail.startswith(TOO_FEW[0] + "; the plugin raises vm.nr_hugepages")
    doctor.require(checks)  # a warning does not stop the run
    assert json.loads(doctor.report(checks, as_json=True))["ready"] is True


def test_git_row_only_where_the_recipe_clones_a_remote_context(tmp_path, not_root, monkeypatch):
    fake_host(tmp_path)
    monkeypatch.setenv("DOCKER_HOST", "ssh://builder@build.example")
    upstream = run_checks(Settings(recipe="upstream", iface="lo"), no_engine(), tmp_path)
    assert [check.name for check in upstream] == [NAMES[0], "git", *NAMES[1:]]
    git = upstream[1]
    assert git.status == "warn"  # the engine is on another host: git cannot be checked here
    assert "cannot be checked from here" in git.detail
    assert "apt-get install git" in git.fix
    sim = run_checks(Settings(recipe="sim", iface="lo"), no_engine(), tmp_path)
    assert [check.name for check in sim] == NAMES

    monkeypatch.delenv("DOCKER_HOST")  # the engine of this host: its PATH is searched
    local = run_checks(Settings(recipe="upstream", iface="lo"), no_engine(), tmp_path)
    found = shutil.which("git", path=ENGINE_PATH)
    assert (local[1].name, local[1].status) == ("git", "ok" if found else "fail")
    if found:
        assert local[1].detail.startswith(f"{found}: ")
    document = json.loads(doctor.report(local, as_json=True))
    assert [row["name"] for row in document["checks"]][:2] == ["docker", "git"]


def test_two_engines_add_their_ports_and_the_engines_row(tmp_path, not_root):
    fake_host(tmp_path)
    two = Settings(recipe="sim", iface="lo", bdev_size=1, engines=2)
    by_name = {check.name: check for check in run_checks(two, engine(tmp_path), tmp_path)}
    assert by_name["ports"].detail == "control 10001, fabric 0 31416, fabric 1 31516 free"
    assert by_name["engines"].status == "ok"
    assert "2 x 1 GiB engines" in by_name["memory"].detail


def test_more_engines_than_cores_fails_with_the_fix(tmp_path, not_root):
    fake_host(tmp_path, total_pages=8192, free_pages=8192)
    count = (os.cpu_count() or 1) + 1
    many = Settings(recipe="sim", iface="lo", bdev_size=1, engines=count, hugepages=512 * count)
    checks = run_checks(many, engine(tmp_path), tmp_path)
    cores = next(check for check in checks if check.name == "cores")
    assert (cores.status, cores.fix) == ("fail", f"lower --daos-engines to {count - 1}")
    with pytest.raises(doctor.PrerequisiteError, match="cores: "):
        doctor.require(checks)


def given(settings, **sources):
    """`settings` as if the user gave the settings named in `sources` (name: where from)."""
    return dataclasses.replace(settings, sources=sources)


def test_a_failure_of_a_setting_the_user_gave_is_a_mistake_named_with_its_source(
    tmp_path, not_root
):
    fake_host(tmp_path, total_pages=8192, free_pages=8192)
    count = (os.cpu_count() or 1) + 1
    many = Settings(recipe="sim", iface="lo", bdev_size=1, engines=count, hugepages=512 * count)
    checks = run_checks(many, no_engine(), tmp_path)
    with pytest.raises(doctor.PrerequisiteError) as default:
        doctor.require(checks, many)  # nothing given: the host's state is at fault
    assert default.value.host_state and default.value.mistakes == []
    assert str(default.value).startswith("the host cannot run DAOS: docker: ")

    fixture = given(many, engines="a cluster fixture", hugepages="a cluster fixture")
    with pytest.raises(doctor.PrerequisiteError) as caught:
        doctor.require(run_checks(fixture, no_engine(), tmp_path), fixture)
    assert not caught.value.host_state
    assert [check.name for check in caught.value.mistakes] == ["cores"]
    assert str(caught.value) == (
        f"daos_engines={count} from a cluster fixture cannot work on this host: cores: "
        f"{count - 1} cores for {count} engines: each engine starts on a core of its own "
        f"(first_core) (fix: lower --daos-engines to {count - 1})"
    )


def test_scm_larger_than_the_memory_is_a_mistake_found_before_the_run(tmp_path, not_root):
    fake_host(tmp_path)
    big = given(Settings(recipe="sim", iface="lo", scm_size=64), scm_size="--daos-scm-size")
    with pytest.raises(doctor.PrerequisiteError) as caught:
        doctor.require_settings(big, host.try_resolve_iface("lo", tmp_path), tmp_path)
    assert str(caught.value).startswith(
        "--daos-scm-size=64 cannot work on this host: memory: 23.5 GiB RAM - "
    )
    assert str(caught.value).endswith("(fix: lower --daos-scm-size or --daos-hugepages)")


def test_before_the_run_only_mistakes_stop_it(tmp_path, not_root):
    """A setting the user gave that fails a check stops the run at once; a failure the
    host's state causes (an interface without an address, the defaults on a small host)
    is left to the start's checks; an existing system is not checked here."""
    fake_host(tmp_path, hugetlbfs=False, total_pages=0, free_pages=0)
    down = host.InterfaceError("network interface 'eth9' has no IPv4 address", "pass one")
    small = Settings(recipe="sim", scm_size=64)  # not given: the default of a small host
    doctor.require_settings(small, down, tmp_path)
    missing = host.try_resolve_iface("nope0", tmp_path)
    named = given(Settings(recipe="sim", iface="nope0"), iface="PYTEST_DAOS_IFACE")
    with pytest.raises(doctor.PrerequisiteError, match=r"^daos_iface=nope0 from PYTEST_DAOS_"):
        doctor.require_settings(named, missing, tmp_path)
    existing = dataclasses.replace(named, system="existing")
    doctor.require_settings(existing, missing, tmp_path)
