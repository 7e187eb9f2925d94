"""dmg pool create/list/query/destroy against the shared system (SCM 2 GiB, bdev 4 GiB)."""

from __future__ import annotations

import pytest
from simsupport import SimSystem, assert_shape, real

pytestmark = pytest.mark.root

REAL_TANK = "3611afcc-4714-41c7-8f3d-bf257f15229f"
REAL_T2 = "df46d75e-6f94-4dc9-9906-d76a06877591"


def create(system: SimSystem, *args: str) -> dict:
    result = system.dmg("-j", "pool", "create", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return dict(result.json["response"])


def test_create_list_query_destroy(system: SimSystem) -> None:
    empty = system.dmg("-j", "pool", "list")
    assert empty.json == real("dmg_pool_list_empty.json")

    tank = create(system, "--size=2G", "tank")
    assert_shape(tank, real("dmg_pool_create_tank.json")["response"])
    assert tank["tier_bytes"] == [120000512, 1880000000]  # 6% of 2 GB rounded up to 4 KiB
    assert (tank["svc_ldr"], tank["svc_reps"], tank["tgt_ranks"]) == (0, [0], [0])

    listed = system.dmg("-j", "pool", "list")
    assert listed.returncode == 0
    assert_shape(listed.json, real("dmg_pool_list.json"))
    expected = real("dmg_pool_list.json")["response"]["pools"][0]
    assert listed.json["response"]["pools"][0] == {**expected, "uuid": tank["uuid"]}

    query = system.dmg("-j", "pool", "query", "tank")
    assert query.returncode == 0
    assert_shape(query.json, real("dmg_pool_query_tank.json"))
    assert "label" not in query.json["response"]
    assert query.json["response"] == {
        **real("dmg_pool_query_tank.json")["response"],
        "uuid": tank["uuid"],
    }
    by_uuid = system.dmg("-j", "pool", "query", tank["uuid"])
    assert by_uuid.json == query.json

    no_query = system.dmg("-j", "pool", "list", "--no-query").json["response"]["pools"]
    assert no_query[0]["label"] == "tank"
    assert (no_query[0]["query_mask"], no_query[0]["tier_stats"]) == ("", None)

    destroyed = system.dmg("-j", "pool", "destroy", "tank")
    assert destroyed.returncode == 0
    assert destroyed.json == real("dmg_pool_destroy_tank_recursive.json")
    assert system.dmg("-j", "pool", "list").json == real("dmg_pool_list_empty.json")

    unknown = system.dmg("-j", "pool", "destroy", "tank")
    assert unknown.returncode == 1
    assert unknown.json == real("dmg_pool_destroy_unknown.json")
    assert unknown.stderr_lines == [f"ERROR: dmg: {unknown.json['error']}"]


def test_plain_output_matches_the_real_text(system: SimSystem) -> None:
    created = system.dmg("pool", "create", "--size=2G", "t2")
    assert created.returncode == 0, created.stderr
    t2 = system.dmg("-j", "pool", "query", "t2").json["response"]["uuid"]
    assert created.stdout == real("dmg_pool_create_t2_plain.txt").replace(REAL_T2, t2)
    tank = create(system, "--size=2G", "tank")["uuid"]

    assert system.dmg("pool", "list").stdout == real("dmg_pool_list_plain.txt")
    verbose = real("dmg_pool_list_verbose_plain.txt").replace(REAL_T2, t2).replace(REAL_TANK, tank)
    assert system.dmg("pool", "list", "--verbose").stdout == verbose
    query = system.dmg("pool", "query", "t2")
    assert query.stdout == real("dmg_pool_query_t2_plain.txt").replace(REAL_T2, t2)

    destroyed = system.dmg("pool", "destroy", "t2")
    assert destroyed.stdout == real("dmg_pool_destroy_t2_plain.txt")


def test_duplicate_label(system: SimSystem) -> None:
    create(system, "--size=2G", "tank")
    duplicate = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    assert duplicate.returncode == 1
    assert duplicate.json == real("dmg_pool_create_duplicate_label.json")
    assert duplicate.stderr_lines == [
        'ERROR: dmg: pool create failed: server: code = 609 description = "pool label \\"tank\\" '
        'already exists in the system"',
        'ERROR: dmg: server: code = 609 resolution = "retry the request with a unique pool label"',
    ]
    assert len(system.dmg("-j", "pool", "list").json["response"]["pools"]) == 1


def test_no_space(system: SimSystem) -> None:
    nospace = system.dmg("-j", "pool", "create", "--size=500G", "big")
    assert nospace.returncode == 1
    assert nospace.json == real("dmg_pool_create_nospace.json")
    assert nospace.stderr_lines == [
        "ERROR: dmg: pool create failed: DER_NOSPACE(-1007): No space on storage target"
    ]
    assert system.dmg("-j", "pool", "list").json["response"]["pools"] is None  # none left behind

    # capacity is used up by pools: two 2G pools fit the 4 GiB bdev, a third does not
    create(system, "--size=2G", "a")
    create(system, "--size=2G", "b")
    third = system.dmg("-j", "pool", "create", "--size=2G", "c")
    assert third.json == real("dmg_pool_create_nospace.json")
    manual = system.dmg("-j", "pool", "create", "--scm-size=200M", "--nvme-size=2G", "d")
    assert manual.json == real("docker_dmg_pool_create_scm_nvme.json")
    # destroying a pool frees its space
    assert system.dmg("-j", "pool", "destroy", "b").returncode == 0
    create(system, "--size=2G", "c")


def test_too_small(system: SimSystem) -> None:
    small = system.dmg("-j", "pool", "create", "--size=100M", "small")
    assert small.returncode == 1
    assert small.json == real("dmg_pool_create_too_small.json")
    assert small.stderr_lines == [
        'ERROR: dmg: pool create failed: server: code = 604 description = "requested SCM '
        'capacity is too small (min 16 MiB per target)"',
        'ERROR: dmg: server: code = 604 resolution = "retry the request with a pool size of at '
        'least 1.1 GB, with at least 18 MB SCM"',
    ]
    nvme = system.dmg("-j", "pool", "create", "--scm-size=100M", "--nvme-size=500M", "small")
    assert nvme.returncode == 1
    assert nvme.json["error"] == (
        "pool create failed: server: code = 605 description = "
        '"requested NVMe capacity too small (min 1.0 GiB per target)"'
    )


def test_size_variants(system: SimSystem) -> None:
    def create_and_destroy(*args: str) -> dict:
        pool = create(system, *args)
        assert system.dmg("-j", "pool", "destroy", pool["uuid"]).returncode == 0
        return pool

    ratio = create_and_destroy("--size=2G", "--tier-ratio=10", "p3")
    expected = real("docker_dmg_pool_create_tier_ratio.json")["response"]
    assert ratio == {**expected, "uuid": ratio["uuid"]}

    manual = create_and_destroy("--scm-size=200M", "--nvme-size=2G", "manual")
    assert manual["tier_bytes"] == [200003584, 2000000000]

    # N% is a share of the free space: 1 GiB of the bdev is taken by the first pool
    create(system, "--scm-size=300M", "--nvme-size=1GiB", "first")
    half = create(system, "--size=50%", "p50")
    assert_shape(half, real("docker_dmg_pool_create_size_percent.json")["response"])
    scm, nvme = half["tier_bytes"]
    free_scm = 2 * 1024**3 - 17 * 1024**2 - 300003840
    assert free_scm // 2 - 4096 < scm <= free_scm // 2
    assert nvme == 3 * 1024**3 // 2
    for label in ("first", "p50"):
        assert system.dmg("-j", "pool", "destroy", label).returncode == 0

    nranks = create_and_destroy("--size=2G", "--nranks=1", "one")
    assert nranks["tgt_ranks"] == [0]
    bad = system.dmg("-j", "pool", "create", "--size=2G", "--nranks=2", "two")
    assert "invalid number of ranks (requested: 2, available: 1)" in bad.json["error"]
    ranks = system.dmg("-j", "pool", "create", "--size=2G", "--ranks=3", "three")
    assert "pool request contains invalid rank: 3" in ranks.json["error"]
    mixed = system.dmg("-j", "pool", "create", "--size=10%", "--tier-ratio=10", "x")
    assert mixed.json["error"] == "--size=% may not be mixed with --tier-ratio"


def test_label_rules(system: SimSystem) -> None:
    for label in ("has space", "a" * 128, "3611afcc-4714-41c7-8f3d-bf257f15229f", "slash/x"):
        bad = system.dmg("-j", "pool", "create", "--size=2G", label)
        assert bad.returncode == 1, label
        assert bad.json["error"].startswith("invalid label"), bad.json
    ok = create(system, "--size=2G", "A.b:c-d_e")
    assert ok["uuid"]
    conflict = system.dmg("-j", "pool", "create", "--size=2G", "-P", "label:other", "lbl")
    assert conflict.json["error"] == "can't set label property with label argument"


def test_query_unknown_pool(system: SimSystem) -> None:
    unknown = system.dmg("-j", "pool", "query", "nosuchpool")
    assert unknown.returncode == 1
    assert unknown.json == real("dmg_pool_query_unknown.json")
    assert unknown.stderr_lines == [
        'ERROR: dmg: unable to find pool service with label "nosuchpool"'
    ]
