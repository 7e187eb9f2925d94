"""dfuse against each release: its syntax, a real FUSE mount of type fuse.daos whose files
live in the server's storage, df sizes from the pool, exit codes, DER_BUSY while mounted."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from contract import Samples, series
from simsupport import SimSystem, wait_for

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not os.path.exists("/dev/fuse"), reason="no /dev/fuse on this host"),
]

# the samples of the two-mount run: (mount lines, df, df -h, write/read, unmount)
SAMPLES = {
    "2.6": ("docker_mount_lines.txt", None, "docker_df_fuse_daos.txt",
            "docker_dfuse_write_read.txt", "docker_dfuse_unmount.txt"),
    "2.4": ("mount_lines.txt", "df_fuse_daos.txt", "df_fuse_daos_human.txt",
            "dfuse_write_read.txt", "dfuse_unmount.txt"),
}  # fmt: skip


def mount_args(release: str, mountpoint: Path, pool: str, cont: str) -> list[str]:
    """The release's syntax: 2.0 flags only (a getopt prefix as in DAOS's docs), 2.4+
    positionals."""
    if series(release) == "2.0":
        return ["-m", str(mountpoint), f"--pool={pool}", f"--cont={cont}"]
    return [str(mountpoint), pool, cont]


@pytest.fixture
def posix(system: SimSystem, release: str) -> str:
    """Pool tank (2G, as in the real runs) with the POSIX container c1."""
    assert system.dmg("-j", "pool", "create", "--size=2G", "tank").returncode == 0
    label = ["--label=c1"] if series(release) == "2.0" else ["c1"]
    made = system.daos("-j", "container", "create", "tank", *label, "--type=POSIX")
    assert made.returncode == 0, made.stderr
    return "c1"


def dfuse_pids(mountpoint: Path) -> list[int]:
    found = subprocess.run(["pgrep", "-f", f"dfuse.*{mountpoint}"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_dfuse_mount_share_unmount(
    system: SimSystem, samples: Samples, release: str, posix: str
) -> None:
    a, b = system.tmp / "mnt-a", system.tmp / "mnt-b"
    a.mkdir(exist_ok=True)
    b.mkdir(exist_ok=True)
    first = system.dfuse(*mount_args(release, a, "tank", posix))
    assert (first.returncode, first.stdout, first.stderr) == (0, "", "")
    flags = ["-m", str(b)] if series(release) == "2.0" else [f"--mountpoint={b}"]
    second = system.dfuse(*flags, "--pool=tank", "--container=c1")  # deprecated flags: all
    assert (second.returncode, second.stdout) == (0, "")
    if samples.has("dfuse_mount_flags.txt"):
        assert first.stdout == samples.text("dfuse_mount_positional.txt")
        assert second.stdout == samples.text("dfuse_mount_flags.txt")

    lines = [
        line for line in Path("/proc/mounts").read_text().splitlines() if str(system.tmp) in line
    ]
    lines = [line for line in lines if "fuse" in line]
    assert [line.split()[1] for line in lines] == [str(a), str(b)]
    names = SAMPLES.get(series(release), SAMPLES["2.4"])  # 2.0: no capture; same mount code
    real = Samples("2.4.2" if series(release) == "2.0" else release)
    expected = [line.split() for line in real.text(names[0]).splitlines()]
    for line, sample in zip(lines, expected, strict=True):
        fields = line.split()
        assert (fields[0], fields[2], fields[3]) == (sample[0], sample[2], sample[3])

    df = subprocess.run(["df", "--type=fuse.daos"], capture_output=True, text=True).stdout
    ours = [row.split() for row in df.splitlines()[1:] if str(system.tmp) in row]
    assert len(ours) == 2
    blocks = Samples("2.4.2").text("df_fuse_daos.txt").splitlines()[1].split()[1]
    assert (
        df.splitlines()[0].split()
        == Samples("2.4.2").text("df_fuse_daos.txt").splitlines()[0].split()
    )
    assert [row[:2] for row in ours] == [["dfuse", blocks]] * 2  # the 2 GB pool's total
    human = subprocess.run(["df", "-h", "--type=fuse.daos"], capture_output=True, text=True).stdout
    human_rows = [row.split() for row in human.splitlines()[1:] if str(system.tmp) in row]
    real_human = real.text(names[2]).splitlines()[1].split()
    assert [row[:2] for row in human_rows] == [real_human[:2]] * 2

    (a / "f").write_text("hello\n")
    assert (b / "f").read_text() == real.text(names[3])  # at once, through the other mount
    (a / "dir").mkdir()
    (b / "dir" / "data").write_bytes(os.urandom(300_000))
    assert (a / "dir" / "data").stat().st_size == 300_000
    assert sorted(os.listdir(b)) == ["dir", "f"]

    busy = system.dmg(
        "-j", "pool", "destroy", *(["--recursive"] if series(release) != "2.0" else []), "tank"
    )
    assert busy.returncode == 1
    assert busy.json == {
        "response": None,
        "error": "pool destroy failed: DER_BUSY(-1012): Device or resource busy",
        "status": -1012,
    }

    unmount = subprocess.run(
        ["sh", "-c", f"fusermount3 -u {a} && fusermount3 -u {b} && echo unmounted"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert (unmount.returncode, unmount.stdout) == (0, real.text(names[4]))
    wait_for(lambda: not dfuse_pids(a) and not dfuse_pids(b), 10, "dfuse to exit")
    assert system.fuse_mounts() == []

    again = system.dfuse(*mount_args(release, a, "tank", posix))
    assert again.returncode == 0, again.stdout
    assert (a / "f").read_text() == "hello\n"  # the files stay in the server's storage
    system.unmount_all()


def test_dfuse_unknown_container(
    system: SimSystem, samples: Samples, release: str, posix: str
) -> None:
    mountpoint = system.tmp / "mnt-x"
    mountpoint.mkdir(exist_ok=True)
    result = system.dfuse(*mount_args(release, mountpoint, "tank", "nosuchcont"))
    assert result.returncode == 5
    if series(release) == "2.0":
        failed = "Failed to connect to container (2) No such file or directory"
    else:
        failed = "Failed to connect to container: 2 (No such file or directory)"
    assert result.stdout.splitlines() == [failed, "Exiting -1005 DER_NONEXIST"]
    if samples.has("docker_dfuse_unknown_container.txt"):
        assert (
            result.stdout.splitlines()
            == samples.text("docker_dfuse_unknown_container.txt").splitlines()[1:]
        )
    assert system.fuse_mounts() == []


def test_dfuse_syntax_of_the_release(system: SimSystem, release: str, posix: str) -> None:
    """2.0 has no positionals (getopt leaves them: no mount point); usage errors exit 3."""
    mountpoint = system.tmp / "mnt-y"
    mountpoint.mkdir(exist_ok=True)
    if series(release) == "2.0":
        result = system.dfuse(str(mountpoint), "tank", posix)
        assert result.returncode == 3
        assert result.stdout.startswith("Mountpoint is required\nusage: dfuse -m mountpoint\n")
    else:
        result = system.dfuse(str(mountpoint), "tank", posix, "extra")
        assert result.returncode == 3
        assert result.stdout.startswith("usage: dfuse [OPTIONS] [mountpoint [pool container]]")
    bogus = system.dfuse("--bogus", str(mountpoint))
    assert bogus.returncode == 3
    assert bogus.stderr_lines == ["dfuse: unrecognized option '--bogus'"]
    assert system.fuse_mounts() == []


def test_dfuse_needs_the_agent(system: SimSystem, release: str, posix: str, tmp_path: Path) -> None:
    mountpoint = system.tmp / "mnt-z"
    mountpoint.mkdir(exist_ok=True)
    env = dict(system.env, DAOS_AGENT_DRPC_DIR=str(tmp_path))
    result = system.dfuse(*mount_args(release, mountpoint, "tank", posix), env=env)
    assert result.returncode == 10  # -(-2034 + 1000) as an exit status
    assert result.stdout.splitlines() == ["Exiting -2034 DER_AGENT_COMM"]
