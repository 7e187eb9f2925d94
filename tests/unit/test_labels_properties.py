"""Labels and properties of pools and containers: DAOS's label rule (`daos_label_is_valid`
of src/include/daos_prop.h, the same in 2.0.3, 2.4.2 and 2.6.5) checked before any command,
`--` before the positionals so a label that starts with `-` stays a label, and properties
as DAOS's `key:value,key:value` from a string or a mapping.

Where argv must parse as DAOS parses it, the sim's go-flags parser and command tables of
each release read it (go-flags passes what follows `--` as positionals, as dmg and daos do
with flags.Default)."""

from __future__ import annotations

import pytest
from daos_replay import Replay

from pytest_daos.client.daos import Daos, container_create_argv
from pytest_daos.client.dmg import (
    Dmg,
    LabelError,
    PropertyError,
    check_label,
    format_properties,
    pool_create_argv,
)
from pytest_daos.errors import PytestDaosError
from pytest_daos.sim import daos as sim_daos
from pytest_daos.sim import dmg as sim_dmg
from pytest_daos.sim import flags
from pytest_daos.sim.releases import release

RELEASES = ("2.0.3", "2.4.2", "2.6.5")
RULE = "a label is 1 to 127 letters, digits, '.', '-', '_' or ':', and not a UUID"
UUID = "54f26bfd-628f-4762-a28a-1c42bcb6565b"


@pytest.mark.parametrize(
    "label",
    [
        "a",
        "x" * 127,
        "this:is_a_valid-label.",
        "-starts-with-a-dash",
        "--looks-like-an-option",
        UUID[:-1],  # 35 characters: not a UUID
        UUID.replace("-", ""),  # no dashes: not a UUID
        "Z" + UUID,  # the UUID does not start it
    ],
)
def test_labels_daos_accepts(label):
    assert check_label(label) == label


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("", "it is empty"),
        ("x" * 128, "it is 128 characters long"),
        ("a b", "it holds ' '"),
        ("tank/1", "it holds '/'"),
        ("a,b", "it holds ','"),
        ("caf\u00e9", "it holds '\u00e9'"),
        ("a;touch X", "it holds ';'"),
        (UUID, "DAOS reads it as a UUID"),
        (UUID.upper(), "DAOS reads it as a UUID"),
        (UUID + "_x", "DAOS reads it as a UUID"),  # DAOS reads the first 36 characters
    ],
)
def test_labels_daos_refuses_with_one_message(label, reason):
    with pytest.raises(LabelError) as caught:
        check_label(label)
    assert str(caught.value) == f"{label!r} is not a DAOS label: {reason}; {RULE}"
    assert isinstance(caught.value, PytestDaosError)
    assert isinstance(caught.value, ValueError)


def test_a_label_that_is_no_string():
    with pytest.raises(LabelError) as caught:
        check_label(7)
    assert str(caught.value) == f"a DAOS label is a string, not int: {RULE}"


def test_a_bad_label_stops_pool_create_before_any_command(real_output):
    transport = Replay(real_output("2.6", "dmg_pool_create_tank.json"))
    with pytest.raises(LabelError, match=r"^'my pool' is not a DAOS label: it holds ' '"):
        Dmg(transport, "2.6").pool_create("my pool", "2G")
    assert transport.calls == []


def test_a_bad_label_stops_container_create_before_any_command(real_output):
    transport = Replay(real_output("2.6", "daos_container_create_tank_c1.json"))
    with pytest.raises(LabelError, match=f"^'{UUID}' is not a DAOS label: DAOS reads it as"):
        Daos(transport, "2.6").container_create("tank", UUID)
    assert transport.calls == []


@pytest.mark.parametrize("version", RELEASES)
def test_a_pool_label_that_starts_with_a_dash_stays_the_label(version):
    argv = pool_create_argv(version, "-x", "2G")
    parsed, _ = flags.parse("dmg", sim_dmg.command_tree(release(version)), ["-j", *argv])
    assert parsed.command == "pool create"
    assert parsed.args == {"label": "-x"}


@pytest.mark.parametrize("version", RELEASES)
def test_a_container_label_that_starts_with_a_dash_stays_the_label(version):
    argv = container_create_argv(version, "tank", "-c", "POSIX")
    parsed, _ = flags.parse("daos", sim_daos.command_tree(release(version)), ["-j", *argv])
    assert parsed.command == "container create"
    label = parsed.args.get("label", parsed.values.get("label"))  # 2.0: --label=
    assert (parsed.args["pool"], label) == ("tank", "-c")


@pytest.mark.parametrize(
    ("properties", "formatted"),
    [
        ({"rd_fac": 1}, "rd_fac:1"),
        ({"rd_fac": 1, "space_rb": 5, "reclaim": "lazy"}, "rd_fac:1,space_rb:5,reclaim:lazy"),
        ("rd_fac:1,reclaim:lazy", "rd_fac:1,reclaim:lazy"),  # DAOS's own form, as it is
        ({}, None),
        (None, None),
    ],
)
def test_properties_become_daos_key_value_pairs(properties, formatted):
    assert format_properties(properties) == formatted


@pytest.mark.parametrize("version", RELEASES)
def test_mapping_properties_reach_both_commands_as_daos_reads_them(version):
    tree = sim_dmg.command_tree(release(version))
    argv = pool_create_argv(version, "tank", "2G", properties={"rd_fac": 1, "space_rb": 5})
    assert "--properties=rd_fac:1,space_rb:5" in argv
    parsed, _ = flags.parse("dmg", tree, ["-j", *argv])
    assert parsed.args == {"label": "tank"}
    argv = container_create_argv(version, "tank", "c1", "POSIX", {"rd_fac": 1})
    assert "--properties=rd_fac:1" in argv
    parsed, _ = flags.parse("daos", sim_daos.command_tree(release(version)), ["-j", *argv])
    assert parsed.values["properties"] == "rd_fac:1"


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        (
            {"reclaim": "lazy,time"},
            "property reclaim='lazy,time': DAOS reads --properties as key:value,key:value, so "
            "a value cannot be empty or hold ',' or ':'",
        ),
        (
            {"perf_domain": "a:b"},
            "property perf_domain='a:b': DAOS reads --properties as key:value,key:value, so "
            "a value cannot be empty or hold ',' or ':'",
        ),
        (
            {"reclaim": ""},
            "property reclaim='': DAOS reads --properties as key:value,key:value, so a value "
            "cannot be empty or hold ',' or ':'",
        ),
        (
            {"label": "tank"},
            "property label='tank': the label is an argument of its own, not a property here "
            "(pass label=...)",
        ),
        ({"rd_fac": True}, "property rd_fac=True: a value is a string or a number, not bool"),
        ({"rd_fac": None}, "property rd_fac=None: a value is a string or a number, not NoneType"),
        (
            {"rd fac": 1},
            "property name 'rd fac' is not a DAOS property name such as rd_fac",
        ),
        (
            {"rd:fac": 1},
            "property name 'rd:fac' is not a DAOS property name such as rd_fac",
        ),
        (
            ["rd_fac:1"],
            "properties are DAOS's 'key:value,...' or a mapping such as {'rd_fac': 1}, not list",
        ),
    ],
)
def test_properties_that_cannot_reach_daos_are_refused_clearly(properties, message):
    with pytest.raises(PropertyError) as caught:
        pool_create_argv("2.6", "tank", "2G", properties=properties)
    assert str(caught.value) == message
    assert isinstance(caught.value, PytestDaosError)


def test_a_dict_is_never_passed_as_its_repr(real_output):
    transport = Replay(real_output("2.6", "dmg_pool_create_tank.json"))
    Dmg(transport, "2.6").pool_create("tank", "2G", properties={"rd_fac": 1})
    (argv,) = transport.argvs
    assert "--properties=rd_fac:1" in argv
    assert not any("{" in word for word in argv)
