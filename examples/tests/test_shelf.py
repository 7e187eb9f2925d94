"""Records written and read through a dfuse mount of a DAOS container."""

from __future__ import annotations

import os

import pytest
from daos_shelf import Shelf

from pytest_daos import DaosContainer, DaosNode


def test_a_record_reads_back_byte_for_byte(shelf: Shelf) -> None:
    data = os.urandom(300_000) + b"\x00\n\xff"
    shelf.put("blob.bin", data)
    assert shelf.get("blob.bin") == data
    assert shelf.names() == ["blob.bin"]


def test_records_live_in_the_container_not_in_the_mount(daos_container: DaosContainer) -> None:
    first = Shelf.open(daos_container)
    first.put("kept", b"still here")
    first.close()
    second = Shelf.open(daos_container)
    try:
        assert second.get("kept") == b"still here"
    finally:
        second.close()


def test_the_mount_is_dfuse_on_the_client_node(shelf: Shelf, daos_client: DaosNode) -> None:
    mounts = daos_client.exec(["cat", "/proc/mounts"]).stdout
    assert f" {shelf.mountpoint} fuse.daos " in mounts


def test_a_record_replaced_then_deleted(shelf: Shelf) -> None:
    shelf.put("note", b"one")
    shelf.put("note", b"two")
    assert shelf.get("note") == b"two"
    shelf.delete("note")
    assert shelf.names() == []
    with pytest.raises(KeyError):
        shelf.get("note")
    with pytest.raises(KeyError):
        shelf.delete("note")


@pytest.mark.parametrize("name", ["../escape", ".hidden", "", "a b", "x" * 129])
def test_a_name_that_is_no_record_name_is_refused(shelf: Shelf, name: str) -> None:
    with pytest.raises(ValueError, match="is not a record name"):
        shelf.put(name, b"")
