"""Host facts read from /proc and /sys, through fake trees where the real one cannot vary."""

from __future__ import annotations

import pytest

from pytest_daos.cluster.host import (
    HostError,
    default_route_iface,
    host_facts,
    ipv4_address,
    missing_capabilities,
    resolve_iface,
)

ROUTE = """Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask
eth7\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF
eth7\t00000000\t0102000A\t0003\t0\t0\t0\t00000000
"""


def test_loopback_has_an_address():
    assert ipv4_address("lo") == "127.0.0.1"
    assert resolve_iface("lo").ip == "127.0.0.1"


def test_unknown_interface_lists_the_usable_ones():
    with pytest.raises(HostError) as caught:
        resolve_iface("nope0")
    text = str(caught.value)
    assert "'nope0' does not exist" in text
    assert "lo (127.0.0.1)" in text
    assert "--daos-iface" in text


def test_default_route(tmp_path):
    (tmp_path / "proc/net").mkdir(parents=True)
    (tmp_path / "proc/net/route").write_text(ROUTE)
    assert default_route_iface(tmp_path) == "eth7"
    (tmp_path / "proc/net/route").write_text(ROUTE.splitlines()[0] + "\n")
    assert default_route_iface(tmp_path) is None


def test_no_default_route_falls_back_to_loopback(tmp_path):
    (tmp_path / "sys/class/net/lo").mkdir(parents=True)
    assert resolve_iface(None, tmp_path).name == "lo"


def test_missing_capabilities(tmp_path):
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/status").write_text("Name:\tx\nCapBnd:\t000001fffeffffff\n")
    assert missing_capabilities(tmp_path) == ["SYS_RESOURCE"]
    (tmp_path / "proc/self/status").write_text("CapBnd:\t000001ffffffffff\n")
    assert missing_capabilities(tmp_path) == []


def test_host_facts(tmp_path):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/meminfo").write_text(
        "MemTotal:       24684092 kB\nHugePages_Total:    1024\nHugepagesize:       2048 kB\n"
    )
    (tmp_path / "sys/kernel/mm/transparent_hugepage").mkdir(parents=True)
    thp = tmp_path / "sys/kernel/mm/transparent_hugepage/enabled"
    thp.write_text("always [madvise] never\n")
    facts = host_facts(tmp_path)
    assert facts.mem_total_bytes == 24684092 * 1024
    assert facts.hugepage_size_bytes == 2 * 1024 * 1024
    assert facts.thp_enabled is True
    thp.write_text("always madvise [never]\n")
    assert host_facts(tmp_path).thp_enabled is False
