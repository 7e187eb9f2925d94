"""argv building per DAOS release and the typed dmg/daos wrappers, through a fake transport."""

from __future__ import annotations

import pytest
from daos_replay import Call, Replay

from pytest_daos.client.daos import Daos, container_create_argv, container_ids, dfuse_argv
from pytest_daos.client.dmg import Dmg, pool_create_argv, pool_destroy_argv
from pytest_daos.client.envelope import DaosError


def test_pool_create_argv_puts_the_label_last_after_double_dash():
    assert pool_create_argv("2.6", "tank", "2G") == ["pool", "create", "--size=2G", "--", "tank"]
    assert pool_create_argv("2.4", "t", "50%", tier_ratio="10", nranks=1) == [
        "pool", "create", "--size=50%", "--tier-ratio=10", "--nranks=1", "--", "t",
    ]  # fmt: skip


def test_dmg_pool_create_passes_its_options_and_refuses_unknown_ones(real_output):
    transport = Replay(real_output("2.6", "dmg_pool_create_tank.json"))
    Dmg(transport, "2.6").pool_create("tank", "2G", nsvc=1, tier_ratio="6")
    assert transport.argvs == [
        ("dmg", "-j", "pool", "create", "--size=2G", "--tier-ratio=6", "--nsvc=1", "--", "tank")
    ]
    with pytest.raises(TypeError, match="has no option 'nscv'"):
        Dmg(transport, "2.6").pool_create("tank", "2G", nscv=1)  # type: ignore[call-arg]
    assert len(transport.argvs) == 1


def test_percent_sizes_do_not_exist_in_2_0():
    with pytest.raises(ValueError, match="no percentage pool sizes"):
        pool_create_argv("2.0", "tank", "50%")


def test_pool_destroy_recursive_only_from_2_4():
    assert pool_destroy_argv("2.6", "p", force=True, recursive=True) == [
        "pool", "destroy", "--force", "--recursive", "p",
    ]  # fmt: skip
    assert pool_destroy_argv("2.0", "p", force=True, recursive=True) == [
        "pool", "destroy", "--force", "p",
    ]  # fmt: skip


def test_container_create_label_flag_in_2_0_positional_later():
    assert container_create_argv("2.0", "tank", "c1", "POSIX") == [
        "container", "create", "--label=c1", "--type=POSIX", "--", "tank",
    ]  # fmt: skip
    assert container_create_argv("2.6", "tank", "c1", "hdf5") == [
        "container", "create", "--type=hdf5", "--", "tank", "c1",
    ]  # fmt: skip
    assert container_create_argv("2.4", "tank", None, "POSIX") == [
        "container", "create", "--type=POSIX", "--", "tank",
    ]  # fmt: skip


def test_unknown_container_type_is_refused_before_any_call():
    with pytest.raises(ValueError, match="unknown container type 'bogus'"):
        container_create_argv("2.6", "tank", "c", "bogus")


def test_container_list_keys_per_release():
    assert container_ids("2.0", {"UUID": "u", "Label": "l"}) == ("u", "l")
    assert container_ids("2.6", {"uuid": "u", "label": "l"}) == ("u", "l")


def test_dmg_pool_create_parses_and_bounds_the_call(real_output):
    transport = Replay(real_output("2.6", "dmg_pool_create_tank.json"))
    pool = Dmg(transport, "2.6.5", timeout=42).pool_create("tank", "2G")
    argv = ("dmg", "-j", "pool", "create", "--size=2G", "--", "tank")
    assert transport.calls == [Call(argv, None, 42)]
    assert pool.uuid == "3611afcc-4714-41c7-8f3d-bf257f15229f"
    assert pool.svc_reps == (0,)
    assert pool.tier_bytes == (120000512, 1880000000)
    assert pool.total_bytes == 2000000512


def test_dmg_pool_list_empty_and_full(real_output):
    assert Dmg(Replay(real_output("2.6", "dmg_pool_list_empty.json")), "2.6").pool_list() == []
    pools = Dmg(Replay(real_output("2.6", "dmg_pool_list.json")), "2.6").pool_list()
    assert [pool["label"] for pool in pools] == ["tank"]


def test_dmg_error_raises(real_output):
    dmg = Dmg(Replay(real_output("2.6", "dmg_pool_query_unknown.json"), 1), "2.6")
    with pytest.raises(DaosError, match='unable to find pool service with label "nosuchpool"'):
        dmg.pool_query("nosuchpool")


def test_daos_container_create_and_list(real_output):
    info = Daos(Replay(real_output("2.6", "daos_container_create_tank_c1.json")), "2.6")
    created = info.container_create("tank", "c1")
    assert (created.label, created.type) == ("c1", "POSIX")
    assert created.uuid == "8a81727d-d1fa-4679-bde6-0a4e2945d118"
    listing = Daos(Replay(real_output("2.6", "daos_container_list_tank.json")), "2.6")
    assert listing.container_list("tank") == [("8a81727d-d1fa-4679-bde6-0a4e2945d118", "c1")]
    empty = Daos(Replay(real_output("2.6", "daos_container_list_t2_empty.json")), "2.6")
    assert empty.container_list("t2") == []


def test_daos_duplicate_container(real_output):
    daos = Daos(Replay(real_output("2.6", "daos_container_create_duplicate.json"), 1), "2.6")
    with pytest.raises(DaosError) as caught:
        daos.container_create("tank", "c1")
    assert caught.value.name == "DER_EXIST"


def test_dfuse_argv_per_release():
    assert dfuse_argv("2.0", "/mnt/a", "tank", "c1") == [
        "dfuse", "--mountpoint=/mnt/a", "--pool=tank", "--container=c1",
    ]  # fmt: skip
    assert dfuse_argv("2.4", "/mnt/a", "tank", "c1") == ["dfuse", "/mnt/a", "tank", "c1"]
