"""dmg pool create|list|query|destroy against each release's samples: sizes, tier ratio,
--nranks, labels, --force/--recursive, the errors, plain output and the release's flags."""

from __future__ import annotations

import pytest
from contract import Samples, assert_like, normalize, series
from contract import check as check_envelope
from simsupport import Result, SimSystem

pytestmark = pytest.mark.root


def check(result: Result, samples: Samples, name: str, system: SimSystem) -> None:
    """The dmg command's JSON, exit status and stderr are those of the sample."""
    check_envelope(result, samples.json(name), "dmg", system.port)


def create(system: SimSystem, *args: str) -> dict:
    result = system.dmg("-j", "pool", "create", *args)
    assert result.returncode == 0, result.stderr
    return dict(result.json["response"])


def test_pool_create(system: SimSystem, samples: Samples) -> None:
    check(system.dmg("-j", "pool", "list"), samples, "dmg_pool_list_empty.json", system)
    result = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    check(result, samples, "dmg_pool_create_tank.json", system)


def test_pool_list_and_query(system: SimSystem, samples: Samples) -> None:
    create(system, "--size=2G", "tank")
    check(system.dmg("-j", "pool", "list"), samples, "dmg_pool_list.json", system)
    check(system.dmg("-j", "pool", "query", "tank"), samples, "dmg_pool_query_tank.json", system)


def test_pool_create_duplicate_label(system: SimSystem, samples: Samples, release: str) -> None:
    create(system, "--size=2G", "tank")
    result = system.dmg("-j", "pool", "create", "--size=2G", "tank")
    check(result, samples, "dmg_pool_create_duplicate_label.json", system)
    code = 608 if series(release) == "2.0" else 609
    assert result.stderr_lines[-1] == (
        f'ERROR: dmg: server: code = {code} resolution = "retry the request with a unique '
        'pool label"'
    )


def test_pool_create_no_space(system: SimSystem, samples: Samples) -> None:
    result = system.dmg("-j", "pool", "create", "--size=500G", "big")
    check(result, samples, "dmg_pool_create_nospace.json", system)
    assert result.json["status"] == -1007
    assert result.stderr_lines == [f"ERROR: dmg: {result.json['error']}"]


def test_pool_create_too_small(system: SimSystem, samples: Samples) -> None:
    result = system.dmg("-j", "pool", "create", "--size=100M", "small")
    check(result, samples, "dmg_pool_create_too_small.json", system)


def test_pool_create_without_label(system: SimSystem, samples: Samples) -> None:
    result = system.dmg("-j", "pool", "create", "--size=2G")
    check(result, samples, "dmg_pool_create_no_label.json", system)


def test_pool_query_unknown(system: SimSystem, samples: Samples) -> None:
    result = system.dmg("-j", "pool", "query", "nosuchpool")
    check(result, samples, "dmg_pool_query_unknown.json", system)
    assert result.stderr_lines == [f"ERROR: dmg: {result.json['error']}"]


def test_pool_destroy_unknown(system: SimSystem, samples: Samples) -> None:
    result = system.dmg("-j", "pool", "destroy", "tank")
    check(result, samples, "dmg_pool_destroy_unknown.json", system)


def test_pool_destroy_with_container(system: SimSystem, samples: Samples, release: str) -> None:
    """2.4+ refuse (fault 618) unless --recursive, even with --force; 2.0 has no such check
    and no --recursive flag."""
    create(system, "--size=2G", "tank")
    label = ["--label=c1"] if series(release) == "2.0" else ["c1"]
    made = system.daos("-j", "container", "create", "tank", *label, "--type=POSIX")
    assert made.returncode == 0, made.stderr
    recursive = system.dmg("-j", "pool", "destroy", "--recursive", "tank")
    check(recursive, samples, "dmg_pool_destroy_tank_recursive.json", system)
    if series(release) == "2.0":
        destroyed = system.dmg("-j", "pool", "destroy", "tank")
        check(destroyed, samples, "dmg_pool_destroy_tank_with_container.json", system)
        return
    create(system, "--size=2G", "tank")
    assert system.daos("-j", "container", "create", "tank", "c1").returncode == 0
    refused = system.dmg("-j", "pool", "destroy", "tank")
    check(refused, samples, "dmg_pool_destroy_tank_with_container.json", system)
    assert len(refused.stderr_lines) == 2  # the fault and its resolution
    if samples.has("docker_dmg_pool_destroy_force_with_containers.json"):
        forced = system.dmg("-j", "pool", "destroy", "--force", "tank")
        check(forced, samples, "docker_dmg_pool_destroy_force_with_containers.json", system)


def test_pool_sizes(system: SimSystem, samples: Samples, release: str) -> None:
    """--tier-ratio, --nranks, --scm-size/--nvme-size; N% only from 2.4."""
    ratio = create(system, "--size=2G", "--tier-ratio=10", "p3")
    assert ratio["tier_bytes"] == [200003584, 1800000000]  # docker_dmg_pool_create_tier_ratio
    if samples.has("docker_dmg_pool_create_tier_ratio.json"):
        expected = samples.json("docker_dmg_pool_create_tier_ratio.json")["response"]
        assert_like(ratio, expected)
    assert system.dmg("-j", "pool", "destroy", "p3").returncode == 0
    ranks = create(system, "--size=2G", "--nranks=1", "p5")
    assert ranks["tgt_ranks"] == [0]
    assert system.dmg("-j", "pool", "destroy", "p5").returncode == 0
    manual = create(system, "--scm-size=200M", "--nvme-size=1GiB", "p4")
    assert manual["tier_bytes"] == [200003584, 1073741824]
    assert system.dmg("-j", "pool", "destroy", "p4").returncode == 0
    percent = system.dmg("-j", "pool", "create", "--size=50%", "p50")
    if series(release) == "2.0":
        assert percent.returncode == 1
        assert percent.json == {
            "response": None,
            "error": "failed to parse pool size: unhandled size name: %",
            "status": -1025,
        }
        return
    assert percent.returncode == 0, percent.stderr
    name = (
        "dmg_pool_create_size_percent.json"
        if samples.has("dmg_pool_create_size_percent.json")
        else "docker_dmg_pool_create_size_percent.json"
    )
    sample = samples.json(name)["response"]
    sample = {**sample, "tier_bytes": percent.json["response"]["tier_bytes"]}
    assert_like(percent.json["response"], sample)


def test_pool_flags_of_the_release(system: SimSystem, release: str) -> None:
    """2.0: the label as -p/--label (deprecated); 2.4+: only the positional."""
    result = system.dmg("-j", "pool", "create", "--size=2G", "--label=tank")
    if series(release) == "2.0":
        assert result.returncode == 0, result.stderr
        assert system.dmg("-j", "pool", "query", "tank").returncode == 0
    else:
        assert result.json == {"response": None, "error": "unknown flag `label'", "status": -1025}
        assert result.stderr_lines == ["ERROR: dmg: unknown flag `label'"]


def test_plain_output(system: SimSystem, samples: Samples, release: str) -> None:
    created = system.dmg("pool", "create", "--size=2G", "t2")
    assert created.returncode == 0, created.stderr
    uuid = system.dmg("-j", "pool", "query", "t2").json["response"]["uuid"]
    assert normalize(created.stdout) == normalize(samples.text("dmg_pool_create_t2_plain.txt"))
    query = system.dmg("pool", "query", "t2")
    assert normalize(query.stdout) == normalize(samples.text("dmg_pool_query_t2_plain.txt"))
    assert uuid in query.stdout
    if series(release) == "2.4":  # its pool list samples show tank only (2.6: t2 and tank)
        assert system.dmg("-j", "pool", "destroy", "t2").returncode == 0
        create(system, "--size=2G", "tank")
        assert system.dmg("pool", "list").stdout == samples.text("dmg_pool_list_plain.txt")
        verbose = system.dmg("pool", "list", "--verbose").stdout
        assert normalize(verbose) == normalize(samples.text("dmg_pool_list_verbose_plain.txt"))
        label = "tank"
    else:
        label = "t2"
    destroyed = system.dmg("pool", "destroy", label)
    assert destroyed.stdout == samples.text("dmg_pool_destroy_t2_plain.txt")


@pytest.mark.parametrize("flags", [("-d",), ("-i",), ("--debug", "--insecure")])
def test_dmg_global_flags(system: SimSystem, flags: tuple[str, ...]) -> None:
    """The flags DAOS's own tools pass (its functional tests' DmgCommand: -o, -d, -i)."""
    result = system.dmg(*flags, "-j", "system", "query")  # system.dmg passes -o
    assert result.returncode == 0, result.stderr
    assert result.json["response"]["members"][0]["state"] == "joined"
