"""The state folder (`<tmp>/pytest-daos-<uid>` or --daos-state-dir): made private, refused
when someone else could have planted files in it, and files in it opened without following
symlinks. Another local user who makes the default folder first must not get the record,
the build logs, the temporary files or the locks of a root run."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fake_docker import FakeClient

from pytest_daos.cluster import record as record_module
from pytest_daos.cluster import statedir
from pytest_daos.cluster.images import ImageBuilder
from pytest_daos.cluster.recipes import ImageSpec, Recipe
from pytest_daos.cluster.record import ClusterRecord, load_record, save_record
from pytest_daos.cluster.statedir import host_lock
from pytest_daos.errors import PytestDaosError

FIX = "remove it or pass --daos-state-dir"


def a_record() -> ClusterRecord:
    return ClusterRecord(
        owner={"session": "aaaaaaaaaaaa", "pid": 1, "boot": "b", "started": 1.0},
        keep=False,
        compat="k",
        containers={},
        recipe="sim",
        daos_version="2.6.5",
        iface="lo",
        ip="127.0.0.1",
        log_files={},
    )


def one_image_recipe(tmp_path: Path) -> Recipe:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM scratch\n")
    spec = ImageSpec("daos-base", "pytest-daos/daos-base:test", dockerfile)
    return Recipe("test", "2.6.5", "ofi+tcp", (spec,), ())


def uses_of_the_folder(folder: Path, tmp_path: Path) -> dict[str, object]:
    """Every entry point that uses the state folder, each as a callable."""

    def lock() -> None:
        with host_lock(folder):
            pass

    return {
        "save_record": lambda: save_record(folder, a_record()),
        "host_lock": lock,
        "image build": lambda: ImageBuilder(FakeClient(), folder).ensure(
            one_image_recipe(tmp_path)
        ),
    }


USES = ["save_record", "host_lock", "image build"]


def test_a_folder_the_plugin_makes_is_private(tmp_path):
    folder = tmp_path / "a" / "state"
    save_record(folder, a_record())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    other = tmp_path / "b"
    with host_lock(other):
        pass
    assert stat.S_IMODE(other.stat().st_mode) == 0o700


@pytest.mark.parametrize("use", USES)
def test_a_symlinked_folder_is_refused(tmp_path, use):
    target = tmp_path / "planted"
    target.mkdir(mode=0o700)
    folder = tmp_path / "state"
    folder.symlink_to(target)
    save_record(target, a_record())  # what the planter left there
    with pytest.raises(PytestDaosError) as error:
        uses_of_the_folder(folder, tmp_path)[use]()  # type: ignore[operator]
    message = str(error.value)
    assert str(folder) in message and "symlink" in message and FIX in message
    assert "\n" not in message
    assert sorted(os.listdir(target)) == ["cluster.json"]  # nothing written through it


@pytest.mark.parametrize("use", USES)
def test_a_folder_others_can_write_is_refused(tmp_path, use):
    folder = tmp_path / "state"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(PytestDaosError) as error:
        uses_of_the_folder(folder, tmp_path)[use]()  # type: ignore[operator]
    message = str(error.value)
    assert str(folder) in message and "writable" in message and FIX in message
    assert os.listdir(folder) == []


@pytest.mark.parametrize("use", USES)
def test_a_folder_of_another_user_is_refused(tmp_path, monkeypatch, use):
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    owner = folder.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 4321)  # we are someone else now
    with pytest.raises(PytestDaosError) as error:
        uses_of_the_folder(folder, tmp_path)[use]()  # type: ignore[operator]
    message = str(error.value)
    assert str(folder) in message and f"owned by uid {owner}" in message and FIX in message
    assert os.listdir(folder) == []


def test_the_record_of_an_unsafe_folder_is_never_read(tmp_path, monkeypatch):
    """What an unsafe folder holds is never trusted: no record (the lock and the writes
    refuse the folder with the fix; reading it for a summary or `status` must not fail)."""
    planted = tmp_path / "planted"
    planted.mkdir(mode=0o700)
    save_record(planted, a_record())
    assert load_record(planted) == a_record()
    link = tmp_path / "state"
    link.symlink_to(planted)
    assert load_record(link) is None
    planted.chmod(0o777)
    assert load_record(planted) is None
    planted.chmod(0o700)
    owner = planted.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 4321)
    assert load_record(planted) is None


def test_an_own_folder_that_others_can_read_is_used(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as older versions left it: readable, not writable by others
    save_record(folder, a_record())
    assert load_record(folder) == a_record()


def test_the_record_is_not_written_through_a_symlink(tmp_path, monkeypatch):
    """A symlink planted at the very name the temporary file of the record is first given
    (the random part made known here) is neither followed nor replaced: another name is
    drawn."""
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    drawn = ["0123456789ab", "cdef01234567"]
    monkeypatch.setattr(statedir.secrets, "token_hex", lambda nbytes: drawn.pop(0))
    planted = folder / ".cluster.json.0123456789ab"
    planted.symlink_to(victim)
    save_record(folder, a_record())
    assert victim.read_text() == "precious\n"
    assert drawn == []  # the planted name was tried first, then another one
    assert planted.is_symlink() and planted.readlink() == victim
    assert load_record(folder) == a_record()
    assert not (folder / "cluster.json").is_symlink()


def test_a_symlinked_record_is_not_read(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    save_record(elsewhere, a_record())
    (folder / record_module.RECORD_FILE).symlink_to(elsewhere / record_module.RECORD_FILE)
    assert load_record(folder) is None


def test_a_build_log_is_not_written_through_a_symlink(tmp_path):
    folder = tmp_path / "state"
    (folder / "logs").mkdir(parents=True, mode=0o700)
    folder.chmod(0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    log = folder / "logs" / "build-daos-base.log"
    log.symlink_to(victim)
    [image] = ImageBuilder(FakeClient(), folder).ensure(one_image_recipe(tmp_path))
    assert image.built
    assert victim.read_text() == "precious\n"
    assert not log.is_symlink()
    assert "Step 1/1 : FROM scratch" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) & 0o077 == 0
