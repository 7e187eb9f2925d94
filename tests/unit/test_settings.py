"""Settings: precedence, parsing, and messages that name the bad source."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_daos.settings import (
    OPTIONS,
    Settings,
    SettingsError,
    apply_overrides,
    derived_settings,
    differences,
    given_settings,
    resolve,
    shown_values,
)
from pytest_daos.sizes import parse_bytes, parse_gib


def getter(values):
    return lambda option: values.get(option.name)


def test_defaults():
    settings = resolve(getter({}), getter({}), environ={})
    assert settings.recipe == "upstream"
    assert settings.build_args == ()
    assert settings.version == "2.6"
    assert (settings.scm_size, settings.bdev_size, settings.hugepages) == (4, 8, 1024)
    assert settings.pool_size == "2G"
    assert settings.rebuild is False
    assert settings.state_dir.name.startswith("pytest-daos-")


def test_command_line_beats_environment_beats_ini():
    env = {"PYTEST_DAOS_SCM_SIZE": "3", "PYTEST_DAOS_BDEV_SIZE": "9", "PYTEST_DAOS_HUGEPAGES": "7"}
    settings = resolve(
        getter({"scm_size": "5G"}),
        getter({"scm_size": "4", "bdev_size": "10GiB", "pool_size": "3G"}),
        environ=env,
    )
    assert settings.scm_size == 5  # the command line over both
    assert settings.bdev_size == 9  # the environment over the ini file
    assert settings.hugepages == 7
    assert settings.pool_size == "3G"  # the ini file over the default


def test_a_tox_set_env_overrides_the_projects_ini_file():
    """A project's ini says `daos_version = 2.4`, tox's `set_env` PYTEST_DAOS_VERSION=2.0."""
    settings = resolve(getter({}), getter({"version": "2.4"}), {"PYTEST_DAOS_VERSION": "2.0"})
    assert settings.version == "2.0"


def test_each_setting_not_left_at_its_default_says_where_it_came_from():
    settings = resolve(
        getter({"recipe": "sim"}),
        getter({"version": "2.4", "scm_size": "5", "keep": False, "build_arg": ["C=3"]}),
        {"PYTEST_DAOS_VERSION": "2.0", "PYTEST_DAOS_BUILD_ARG": "A=1 B=2"},
        ini_source=lambda option: "pyproject.toml",
    )
    assert given_settings(settings) == [
        "daos_version=2.0 from PYTEST_DAOS_VERSION",
        "daos_recipe=sim from --daos-recipe",
        "daos_build_arg=A=1 B=2 from PYTEST_DAOS_BUILD_ARG",
        "daos_scm_size=5 from pyproject.toml",
        "daos_keep=false from pyproject.toml",
    ]
    assert given_settings(resolve(getter({}), getter({}), environ={})) == []


def test_where_a_setting_came_from_changes_neither_equality_nor_hash():
    """Settings are keys (a run's failed starts by settings): equal values are one key."""
    from_cli = resolve(getter({"version": "2.4"}), getter({}), environ={})
    from_env = resolve(getter({}), getter({}), {"PYTEST_DAOS_VERSION": "2.4"})
    assert from_cli.sources != from_env.sources
    assert from_cli == from_env and hash(from_cli) == hash(from_env)
    assert {from_cli: "failed"}[from_env] == "failed"
    assert repr(from_cli) == repr(from_env)  # (the settings key of a record is its hash)
    with pytest.raises(TypeError):
        from_cli.sources["version"] = "elsewhere"  # type: ignore[index]


@pytest.mark.parametrize(
    ("ini", "env", "keep"),
    [(True, None, True), (False, "yes", True), (True, "no", False), (None, "yes", True),
     ([], "1", True), (None, None, False)],
)  # fmt: skip
def test_an_ini_boolean_is_below_the_environment_and_an_unset_one_falls_through(ini, env, keep):
    """pytest's getini gives an ini boolean as a bool, and an unset one as None (pytest 9)
    or [] (pytest 8)."""
    environ = {} if env is None else {"PYTEST_DAOS_KEEP": env}
    assert resolve(getter({}), getter({"keep": ini}), environ).keep is keep


def test_a_cluster_fixtures_argument_is_a_source_too():
    settings = resolve(getter({}), getter({}), {"PYTEST_DAOS_ENGINES": "1"})
    both = apply_overrides(settings, {"engines": 2})
    assert given_settings(both) == ["daos_engines=2 from a cluster fixture"]
    assert given_settings(settings) == ["daos_engines=1 from PYTEST_DAOS_ENGINES"]


def test_what_differs_leaves_out_how_a_run_uses_the_cluster():
    started = shown_values(Settings(version="2.6", engines=1, pool_size="2G", keep=True))
    here = Settings(version="2.4", engines=1, pool_size="5G", build_args=(("A", "1"),))
    assert differences(started, here) == [
        "daos_version: 2.6 in the cluster, 2.4 here",
        "daos_build_arg: (none) in the cluster, A=1 here",
    ]
    assert differences(started, Settings(pool_size="9G", reuse=True)) == []
    assert differences({}, here) == []  # a record that does not say its settings


def test_unset_ini_value_falls_through():
    settings = resolve(getter({}), getter({"iface": ""}), environ={"PYTEST_DAOS_IFACE": "eth9"})
    assert settings.iface == "eth9"


def test_switch_from_command_line_and_environment():
    assert resolve(getter({"rebuild": True}), getter({}), environ={}).rebuild is True
    assert resolve(getter({}), getter({}), {"PYTEST_DAOS_REBUILD": "yes"}).rebuild is True


def test_state_dir_is_a_path():
    settings = resolve(getter({"state_dir": "/x/y"}), getter({}), environ={})
    assert settings.state_dir == Path("/x/y")


@pytest.mark.parametrize(
    ("cli", "ini", "env", "source"),
    [
        ({"scm_size": "1.5G"}, {}, {}, "--daos-scm-size=1.5G"),
        ({}, {"version": "3.1"}, {}, "ini key daos_version=3.1"),
        ({}, {}, {"PYTEST_DAOS_POOL_SIZE": "lots"}, "environment variable PYTEST_DAOS_POOL_SIZE"),
        ({"version": "1.2"}, {}, {}, "--daos-version=1.2"),
        ({"start_timeout": "-3"}, {}, {}, "--daos-start-timeout=-3"),
    ],
)
def test_bad_values_name_their_source(cli, ini, env, source):
    with pytest.raises(SettingsError) as caught:
        resolve(getter(cli), getter(ini), environ=env)
    assert str(caught.value).startswith(source)


def test_option_names_derive_from_one_table():
    names = {option.name for option in OPTIONS}
    assert {"iface", "recipe", "scm_size", "pool_size", "start_timeout"} <= names
    scm = next(option for option in OPTIONS if option.name == "scm_size")
    assert scm.cli == "--daos-scm-size"
    assert scm.ini == "daos_scm_size"
    assert scm.env == "PYTEST_DAOS_SCM_SIZE"


@pytest.mark.parametrize(
    ("text", "size"),
    [("2G", 2 * 10**9), ("512MiB", 512 * 2**20), ("10 GB", 10**10), ("10", 10), ("1.5T", 1.5e12)],
)
def test_parse_bytes_follows_dmg(text, size):
    assert parse_bytes(text) == size


@pytest.mark.parametrize("text", ["10%", "G", "2 furlongs", ""])
def test_parse_bytes_refuses(text):
    with pytest.raises(ValueError, match="is not a size"):
        parse_bytes(text)


def test_parse_gib():
    assert parse_gib("4") == parse_gib("4G") == parse_gib("4GiB") == 4
    with pytest.raises(ValueError, match="whole number of GiB"):
        parse_gib("0")


def test_build_args_from_each_source():
    cli = resolve(getter({"build_arg": ["A=1", "B=x=y"]}), getter({}), environ={})
    assert cli.build_args == (("A", "1"), ("B", "x=y"))
    ini = resolve(getter({}), getter({"build_arg": ["C=3"]}), environ={})
    assert ini.build_args == (("C", "3"),)
    env = resolve(getter({}), getter({}), environ={"PYTEST_DAOS_BUILD_ARG": "D=4 E=5"})
    assert env.build_args == (("D", "4"), ("E", "5"))
    with pytest.raises(SettingsError, match="--daos-build-arg=NOVALUE: 'NOVALUE' is not KEY=VALUE"):
        resolve(getter({"build_arg": ["NOVALUE"]}), getter({}), environ={})


def test_remote_shell_is_for_an_existing_system():
    assert resolve(getter({}), getter({}), environ={}).remote_shell == "auto"
    existing = {"system": "existing", "dmg": "ssh a", "remote_shell": "yes"}
    assert resolve(getter(existing), getter({}), environ={}).remote_shell == "yes"
    with pytest.raises(SettingsError, match=r"^--daos-remote-shell says how .* add --daos-system"):
        resolve(getter({"remote_shell": "no"}), getter({}), environ={})


def test_a_percentage_pool_size_names_where_it_came_from_on_2_0():
    settings = resolve(getter({}), getter({"pool_size": " 50% "}), environ={})
    assert settings.pool_size == "50%"
    with pytest.raises(SettingsError) as caught:
        resolve(getter({"version": "2.0"}), getter({"pool_size": "50%"}), environ={})
    assert str(caught.value) == (
        "ini key daos_pool_size=50%: DAOS 2.0 has no percentage pool sizes (2.4 and later "
        "have): use a size such as 2G"
    )


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [("start_timeout", " 12.5 ", 12.5), ("sim_join_delay", "1e-3", 0.001),
     ("hugepages", "0", 0), ("prefetch", " 3 ", 3)],
)  # fmt: skip
def test_numbers_that_are_accepted(name, text, value):
    assert getattr(resolve(getter({name: text}), getter({}), environ={}), name) == value


def test_engines_from_each_source():
    assert resolve(getter({}), getter({}), environ={}).engines == 1
    assert resolve(getter({"engines": "2"}), getter({}), environ={}).engines == 2
    assert resolve(getter({}), getter({"engines": "2"}), environ={}).engines == 2
    env = {"PYTEST_DAOS_ENGINES": "2", "PYTEST_DAOS_HUGEPAGES": "1024"}
    assert resolve(getter({}), getter({}), environ=env).engines == 2


@pytest.mark.parametrize(
    ("cli", "message"),
    [
        ({"engines": "0"}, "--daos-engines=0: '0' is not a whole number of 1 or more"),
        ({"engines": "2", "hugepages": "512"},
         "--daos-engines=2: 2 engines need 1024 hugepages at least (each takes about 500; with "
         "fewer the engines die at start), not 512: use --daos-hugepages=1024"),
        ({"engines": "3"},
         "--daos-engines=3: 3 engines need 1536 hugepages at least (each takes about 500; with "
         "fewer the engines die at start), not 1024: use --daos-hugepages=1536"),
        ({"engines": "2", "scm_size": "3"},
         "--daos-engines=2: each engine needs 4 GiB of SCM at least (DAOS 2.6 refuses less with "
         "fault 730), not 3: use --daos-scm-size=4"),
    ],
)  # fmt: skip
def test_engines_that_cannot_run_say_why_in_one_line(cli, message):
    with pytest.raises(SettingsError) as caught:
        resolve(getter(cli), getter({}), environ={})
    assert str(caught.value) == message


def test_one_engine_keeps_its_small_sizes():
    settings = resolve(getter({"hugepages": "128", "scm_size": "3"}), getter({}), environ={})
    assert (settings.engines, settings.hugepages, settings.scm_size) == (1, 128, 3)


def test_overrides_are_parsed_like_the_options():
    settings = apply_overrides(Settings(), {"scm_size": "8G", "engines": 2, "version": "2.4"})
    assert (settings.scm_size, settings.engines, settings.version) == (8, 2, "2.4")
    assert apply_overrides(settings, {}) == settings


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"colour": "red"}, "unknown cluster setting 'colour' (settings: bdev_size, cmd, "),
        ({"state_dir": "/x"}, "unknown cluster setting 'state_dir' (settings: "),
        ({"engines": "none"}, "engines='none': 'none' is not a whole number (0 or more)"),
        ({"version": 2.2}, "version=2.2: '2.2' is not one of 2.0, 2.4, 2.6"),
    ],
)
def test_overrides_that_are_bad_alone_name_the_argument(overrides, message):
    with pytest.raises(SettingsError) as caught:
        apply_overrides(Settings(), overrides)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("settings", "overrides", "message"),
    [
        (Settings(), {"engines": 3},
         "engines=3: 3 engines need 1536 hugepages at least (each takes about 500; with fewer "
         "the engines die at start), not 1024: use hugepages=1536"),
        (Settings(engines=2), {"hugepages": 512},
         "hugepages=512: 2 engines need 1024 hugepages at least (each takes about 500; with "
         "fewer the engines die at start), not 512: use hugepages=1024"),
        (Settings(), {"engines": 2, "scm_size": "3G"},
         "engines=2: each engine needs 4 GiB of SCM at least (DAOS 2.6 refuses less with fault "
         "730), not 3: use scm_size=4"),
        (Settings(), {"pool_size": "50%", "version": "2.0"},
         "pool_size='50%': DAOS 2.0 has no percentage pool sizes (2.4 and later have): use a "
         "size such as 2G"),
        (Settings(pool_size="50%"), {"version": "2.0"},
         "version='2.0': DAOS 2.0 has no percentage pool sizes (2.4 and later have): use a size "
         "such as 2G"),
        (Settings(), {"dmg": "ssh admin01"},
         "--daos-dmg and --daos-cmd reach an existing DAOS system: add --daos-system=existing"),
    ],
)  # fmt: skip
def test_overrides_are_checked_together_with_the_settings(settings, overrides, message):
    with pytest.raises(SettingsError) as caught:
        apply_overrides(settings, overrides)
    assert str(caught.value) == message


@pytest.mark.parametrize(("engines", "size"), [("1", "2G"), ("2", "4G"), ("3", "6G")])
def test_the_default_pool_size_follows_the_engines(engines, size):
    """DAOS wants 1 GiB of NVMe on each target of every rank a pool spans: 2G on two
    ranks is refused ("requested NVMe capacity too small (min 1.0 GiB per target)")."""
    hugepages = str(512 * max(2, int(engines)))
    settings = resolve(getter({"engines": engines, "hugepages": hugepages}), getter({}), {})
    assert settings.pool_size == size
    assert "pool_size" not in settings.sources
    assert derived_settings(settings) == [f"daos_pool_size={size} (2G per engine)"]


def test_a_given_pool_size_is_kept_whatever_the_engines():
    settings = resolve(getter({"engines": "2", "pool_size": "3G"}), getter({}), {})
    assert settings.pool_size == "3G"
    assert derived_settings(settings) == []
    assert apply_overrides(settings, {"engines": 1}).pool_size == "3G"


def test_a_cluster_fixtures_engines_bring_their_default_pool_size():
    settings = resolve(getter({}), getter({}), {})
    two = apply_overrides(settings, {"engines": 2})
    assert (settings.pool_size, two.pool_size) == ("2G", "4G")
    assert apply_overrides(settings, {"engines": 2, "pool_size": "5G"}).pool_size == "5G"
    assert Settings(engines=2).pool_size == "4G"
    assert Settings(engines=2, pool_size="1%").pool_size == "1%"
