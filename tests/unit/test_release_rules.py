"""Releases: a version's series, what each release takes, and what several engines need."""

from __future__ import annotations

import pytest

from pytest_daos.releases import (
    HUGEPAGES_PER_ENGINE,
    SCM_MINIMUM_GIB,
    SUPPORTED_VERSIONS,
    engines_problem,
    option_fix,
    percentage_pool_sizes,
    series,
)


def test_release():
    assert series("2.6.5") == (2, 6)
    assert series("2.0") == (2, 0)
    assert series("2.10.1") == (2, 10)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
def test_every_supported_version_is_a_series(version):
    assert "{}.{}".format(*series(version)) == version


@pytest.mark.parametrize(
    ("version", "takes"), [("2.0", False), ("2.0.3", False), ("2.4", True), ("2.6.5", True)]
)
def test_percentage_pool_sizes_from_2_4(version, takes):
    assert percentage_pool_sizes(version) is takes


def test_option_fix_spells_the_command_line_option():
    assert option_fix("scm_size", 4) == "--daos-scm-size=4"


def test_one_engine_has_no_problem_with_small_sizes():
    assert engines_problem(1, 0, 1, "2.6") is None


def test_engines_need_hugepages_each():
    assert engines_problem(2, 2 * HUGEPAGES_PER_ENGINE, SCM_MINIMUM_GIB, "2.6") is None
    assert engines_problem(2, 1000, SCM_MINIMUM_GIB, "2.6") == (
        "2 engines need 1024 hugepages at least (each takes about 500; with fewer the engines "
        "die at start), not 1000: use --daos-hugepages=1024"
    )


def test_engines_need_the_scm_minimum_from_2_4():
    assert engines_problem(2, 1024, 3, "2.0") is None
    assert engines_problem(2, 1024, 3, "2.4.2") == (
        "each engine needs 4 GiB of SCM at least (DAOS 2.4.2 refuses less with fault 730), "
        "not 3: use --daos-scm-size=4"
    )


def test_the_fix_is_spelled_as_asked():
    problem = engines_problem(3, 1024, 4, "2.6", fix=lambda name, value: f"{name}={value}")
    assert problem is not None and problem.endswith(": use hugepages=1536")
