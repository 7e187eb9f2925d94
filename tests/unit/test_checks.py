"""Each prerequisite check through fake /proc and /sys trees: ok, warn and fail."""

from __future__ import annotations

import gzip
import os
import socket

import pytest
from recipe_files import nodes_on

from pytest_daos.cluster import checks, doctor, engine_git, host
from pytest_daos.cluster.checks import FAIL, OK, WARN, Check
from pytest_daos.cluster.host import HostFacts
from pytest_daos.cluster.recipes import load_recipe
from pytest_daos.settings import Settings

GIB = 1024**3


def write(root, path, text):
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def meminfo(total_pages, free_pages):
    return (
        f"MemTotal:       24684092 kB\nHugePages_Total: {total_pages}\n"
        f"HugePages_Free: {free_pages}\nHugepagesize:       2048 kB\n"
    )


def test_interface_ok_down_missing_and_loopback(tmp_path):
    write(tmp_path, "sys/class/net/lo/operstate", "unknown\n")
    check = checks.check_interface(host.try_resolve_iface("lo", tmp_path), tmp_path)
    assert check.status == OK and "single-host" in check.detail and "ofi_rxm" in check.detail
    write(tmp_path, "sys/class/net/lo/operstate", "down\n")
    down = checks.check_interface(host.try_resolve_iface("lo", tmp_path), tmp_path)
    assert (down.status, down.fix) == (FAIL, "sudo ip link set lo up")
    missing = checks.check_interface(host.try_resolve_iface("nope0", tmp_path), tmp_path)
    assert missing.status == FAIL
    assert "'nope0' does not exist" in missing.detail and "lo (127.0.0.1)" in missing.detail
    # a name no interface has is the setting's mistake; a down interface the host's state
    assert (missing.settings, missing.mistake({"iface"}), missing.mistake(())) == (
        ("iface",), True, False,
    )  # fmt: skip
    assert (down.settings, down.mistake({"iface"})) == ((), False)


def test_hugetlbfs_supported_mounted_or_not(tmp_path):
    write(tmp_path, "proc/filesystems", "nodev\tproc\nnodev\thugetlbfs\n")
    write(tmp_path, "proc/mounts", "nodev /dev/hugepages hugetlbfs rw 0 0\n")
    assert checks.check_hugetlbfs(tmp_path).status == OK
    write(tmp_path, "proc/mounts", "proc /proc proc rw 0 0\n")
    unmounted = checks.check_hugetlbfs(tmp_path)
    assert unmounted.status == FAIL
    assert unmounted.fix.endswith("mount -t hugetlbfs nodev /dev/hugepages")


def test_hugetlbfs_from_kernel_config_or_absent(tmp_path):
    write(tmp_path, "proc/filesystems", "nodev\tproc\n")
    write(tmp_path, "proc/mounts", "nodev /dev/hugepages hugetlbfs rw 0 0\n")
    assert checks.check_hugetlbfs(tmp_path).status == FAIL
    (tmp_path / "proc/config.gz").write_bytes(gzip.compress(b"CONFIG_HUGETLBFS=y\n"))
    assert checks.check_hugetlbfs(tmp_path).status == OK


def test_hugepages_free_short_as_root_and_not(tmp_path):
    write(tmp_path, "proc/meminfo", meminfo(2048, 1500))
    assert checks.check_hugepages(1024, tmp_path, is_root=False).status == OK
    short = checks.check_hugepages(2000, tmp_path, is_root=False)
    assert short.status == FAIL
    assert short.fix == "sudo sysctl vm.nr_hugepages=2548"
    assert "1500 of 2048 hugepages (2048 KiB) free, the engine needs 2000" in short.detail
    assert checks.check_hugepages(2000, tmp_path, is_root=True).status == WARN


def test_reserved_hugepages_are_not_free_to_the_check(tmp_path):
    """The check counts as the reservation does: HugePages_Free - HugePages_Rsvd."""
    write(tmp_path, "proc/meminfo", meminfo(2048, 1500) + "HugePages_Rsvd: 600\n")
    short = checks.check_hugepages(1024, tmp_path, is_root=False)
    assert short.status == FAIL
    assert "900 of 2048 hugepages (2048 KiB) free, the engine needs 1024" in short.detail


def test_iommu(tmp_path):
    write(tmp_path, "proc/cmdline", "quiet\n")
    missing = checks.check_iommu(tmp_path)
    assert missing.status == WARN and "GRUB_CMDLINE_LINUX" in missing.fix
    write(tmp_path, "proc/cmdline", "quiet intel_iommu=on\n")
    assert checks.check_iommu(tmp_path).status == OK
    write(tmp_path, "proc/cmdline", "quiet\n")
    (tmp_path / "sys/class/iommu/dmar0").mkdir(parents=True)
    assert checks.check_iommu(tmp_path).status == OK


TCP = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
    "   0: 00000000:2711 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0  "
    "      0 4242 1 0000000000000000 100 0 0 10 0\n"
    "   1: 0100007F:7AB8 0100007F:2711 01 00000000:00000000 00:00000000 00000000     0  "
    "      0 999 1 0000000000000000 100 0 0 10 0\n"
)


def test_ports_free_and_busy_with_the_owner(tmp_path):
    write(tmp_path, "proc/net/tcp", TCP.splitlines()[0] + "\n")
    assert checks.check_ports({"control": 10001}, tmp_path).status == OK
    write(tmp_path, "proc/net/tcp", TCP)
    (tmp_path / "proc/77/fd").mkdir(parents=True)
    os.symlink("socket:[4242]", tmp_path / "proc/77/fd/3")
    write(tmp_path, "proc/77/comm", "daos_server\n")
    busy = checks.check_ports({"control": 10001, "fabric": 31416}, tmp_path)
    assert busy.status == FAIL
    assert busy.detail == "control port 10001 is used by daos_server (pid 77)"


def test_ports_on_the_real_host_name_a_listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        check = checks.check_ports({"test": port})
    assert check.status == FAIL
    assert f"test port {port} is used by" in check.detail
    assert f"(pid {os.getpid()})" in check.detail


FACTS = HostFacts(cpu_count=2, thp_enabled=True, mem_total_bytes=24 * GIB,
                  hugepage_size_bytes=2 * 1024 * 1024)  # fmt: skip


def test_memory_fits_or_not():
    assert checks.check_memory(FACTS, 4, 1024, 16).status == OK
    tight = checks.check_memory(FACTS, 8, 1024, 16)
    assert tight.status == FAIL and "--daos-scm-size" in tight.fix


def test_thp_and_cores_say_what_the_config_does():
    assert "allow_thp: true" in checks.check_thp(FACTS).detail
    assert "DAOS_TARGET_OVERSUBSCRIBE=1" in checks.check_cores(FACTS, 3).detail
    assert checks.check_cores(HostFacts(8, False, GIB, 2 * 1024**2), 3).detail == (
        "8 cores, the engine needs 3"
    )


def test_disk(tmp_path):
    def ten_gib_free(path):
        return os.statvfs_result((4096, 4096, 0, 0, 10 * 1024**3 // 4096, 0, 0, 0, 0, 255))

    fits = checks.check_disk("/var/lib/docker", 8, ten_gib_free)
    assert fits.status == OK
    assert fits.detail == "10.0 GiB free in /var/lib/docker, the bdev file takes 8 GiB"
    short = checks.check_disk("/var/lib/docker", 16, ten_gib_free)
    assert short.status == FAIL and "--daos-bdev-size" in short.fix
    assert checks.check_disk(str(tmp_path / "missing"), 1).status == WARN
    two = checks.check_disk("/var/lib/docker", 8, ten_gib_free, engines=2)  # a file each
    assert (two.status, two.settings) == (FAIL, ("bdev_size", "engines"))
    assert two.detail == "10.0 GiB free in /var/lib/docker, the 2 bdev files take 2 x 8 GiB"
    assert two.fix == "free disk space or lower --daos-bdev-size or --daos-engines"


@pytest.mark.parametrize(
    ("mode", "capbnd", "status"),
    [
        ("auto", "000001ffffffffff", OK),
        ("auto", "000001fffeffffff", WARN),
        ("yes", "000001fffeffffff", FAIL),
        ("no", "000001fffeffffff", WARN),
    ],
)
def test_privileged(tmp_path, mode, capbnd, status):
    write(tmp_path, "proc/self/status", f"CapBnd:\t{capbnd}\n")
    check = checks.check_privileged(mode, tmp_path)
    assert check.status == status
    if status != OK:
        assert "CAP_SYS_RESOURCE" in check.detail


def test_table_and_summary():
    rows = [Check("a", OK, "fine"), Check("b", FAIL, "broken", "mend it"), Check("c", WARN, "hm")]
    assert checks.summary(rows) == "b: broken (fix: mend it)"
    assert checks.table(rows).splitlines() == [
        "OK    a  fine",
        "FAIL  b  broken",
        "         fix: mend it",
        "WARN  c  hm",
    ]


def test_git_for_remote_contexts_ok_warn_fail():
    def found(name, path=None):
        assert path == engine_git.ENGINE_PATH  # where the engine looks, not this shell's PATH
        return "/usr/bin/git"

    def missing(name, path=None):
        return None

    assert engine_git.check_git(False, True, missing).status == OK
    assert engine_git.check_git(True, True, found).status == OK
    remote = engine_git.check_git(True, False, missing)
    assert remote.status == WARN and "cannot be checked" in remote.detail
    absent = engine_git.check_git(True, True, missing)
    assert absent.status == FAIL
    assert "apt-get install git" in absent.fix and "dnf install git" in absent.fix


def test_require_git_before_a_remote_build():
    def missing(name, path=None):
        return None

    with pytest.raises(host.HostError) as caught:
        engine_git.require_git({}, missing)
    assert "git is missing" in str(caught.value) and "dnf install git" in str(caught.value)
    engine_git.require_git({"DOCKER_HOST": "ssh://builder"}, missing)  # not checkable: no error
    engine_git.require_git({}, lambda name, path=None: "/usr/bin/git")


@pytest.mark.parametrize(
    "docker_host",
    ["", "unix:///run/d.sock", "tcp://localhost:2375", "tcp://127.0.0.1:2376",
     "tcp://[::1]:2375", "localhost:2375", "ssh://me@localhost"],
)  # fmt: skip
def test_an_engine_of_this_machine(docker_host):
    assert host.local_engine({"DOCKER_HOST": docker_host})
    host.require_local_engine({"DOCKER_HOST": docker_host})


@pytest.mark.parametrize(
    "docker_host",
    ["tcp://10.0.0.2:2376", "ssh://me@builder", "tcp://builder.example:2375", "10.0.0.2:2375",
     "https://192.0.2.7:2376"],
)  # fmt: skip
def test_an_engine_of_another_machine_is_refused_with_one_line(docker_host, monkeypatch):
    import docker

    assert not host.local_engine({"DOCKER_HOST": docker_host})
    with pytest.raises(host.RemoteEngine) as refused:
        host.require_local_engine({"DOCKER_HOST": docker_host})
    message = str(refused.value)
    assert "\n" not in message and message.startswith(f"DOCKER_HOST={docker_host} is a Docker ")
    assert "hugepages, ports and interfaces" in message and "--daos-system=existing" in message
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    monkeypatch.setattr(docker, "from_env", lambda: pytest.fail("Docker asked"))
    with pytest.raises(host.RemoteEngine):
        host.docker_client()


def test_doctor_checks_git_where_a_remote_context_is_used(tmp_path, monkeypatch):
    write(tmp_path, "proc/meminfo", meminfo(0, 0))
    monkeypatch.setattr(engine_git, "check_git", lambda needed, local: Check("git", OK, "seen"))
    docker = (Check("docker", OK, "answers"), None)

    def names(settings):
        return [check.name for check in doctor.run_checks(
            settings, load_recipe(settings), docker, tmp_path)]  # fmt: skip

    assert names(Settings(recipe="upstream"))[:2] == ["docker", "git"]
    assert "git" not in names(Settings(recipe="sim"))
    (tmp_path / "remote.toml").write_text(REMOTE_RECIPE)
    assert names(Settings(recipe=str(tmp_path / "remote.toml")))[:2] == ["docker", "git"]


REMOTE_RECIPE = """
daos_version = "2.6.5"
[images.daos-base]
context = "https://example.org/daos.git#release/2.6:utils/docker/vcluster/daos-base/el8"
tag = "mine/daos-base:1"
""" + nodes_on("daos-base")


def test_memory_counts_the_scm_and_overhead_of_every_engine():
    two = checks.check_memory(FACTS, 4, 1024, 12, engines=2)
    assert two.status == OK
    assert "2 x 1 GiB engines leaves 8.0 GiB for 8 GiB of SCM" in two.detail
    three = checks.check_memory(FACTS, 4, 1536, 8, engines=3)
    assert three.status == FAIL and three.fix.endswith("or --daos-engines")


def test_cores_one_for_each_engine():
    assert checks.check_cores(FACTS, 3, engines=2).status == OK
    too_many = checks.check_cores(FACTS, 3, engines=3)
    assert (too_many.status, too_many.fix) == (FAIL, "lower --daos-engines to 2")
    assert "2 cores for 3 engines" in too_many.detail


def test_engines_check_names_the_fix():
    assert checks.check_engines(2, 1024, 4, "2.6").status == OK
    short = checks.check_engines(2, 512, 4, "2.6")
    assert (short.status, short.fix) == (FAIL, "use --daos-hugepages=1024")
    assert short.detail.startswith("2 engines need 1024 hugepages at least")
