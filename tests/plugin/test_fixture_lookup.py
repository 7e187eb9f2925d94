"""Which tests need DAOS, and with which cluster settings: read from pytest's fixture
manager (`item.fixturenames` and the fixtures each name resolves to), without Docker."""

from __future__ import annotations

import pytest

#: Reports, for every collected item, whether it uses DAOS and the settings of its cluster.
LOOKUP_CONFTEST = """
import pytest
from pytest_daos import factories, usage

daos_big = factories.daos_cluster(scm_size=5)
big_pool = factories.daos_pool("daos_big")


@pytest.fixture
def tenant(daos_container):
    return daos_container


class Note(pytest.Item):
    def runtest(self):
        pass


class Notes(pytest.File):
    def collect(self):
        yield Note.from_parent(self, name="note")


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".note":
        return Notes.from_parent(parent, path=file_path)


def pytest_collection_finish(session):
    for item in session.items:
        print(f"LOOKUP {item.name} {usage.uses_daos(item)} {usage.cluster_settings(item)}")
"""

LOOKUP_TESTS = '''
"""A module with a doctest.

>>> 1 + 1
2
"""
import pytest


def test_plain():
    pass


def test_pool(daos_pool):
    pass


def test_through_a_fixture_of_its_own(tenant):
    pass


def test_big(daos_big, big_pool):
    pass


@pytest.fixture
def sized(request, daos_pool):
    return request.param


@pytest.mark.parametrize("sized", ["1G"], indirect=True)
def test_a_fixture_of_its_own_given_values(sized):
    pass


@pytest.mark.parametrize("daos_pool", ["given"])
def test_pool_given_by_parametrize(daos_pool):
    pass
'''


def test_every_item_is_looked_up_through_the_fixture_manager(pytester, nowhere):
    pytester.makeconftest(LOOKUP_CONFTEST)
    pytester.makepyfile(test_lookup=LOOKUP_TESTS)
    pytester.path.joinpath("a.note").write_text("")
    result = pytester.runpytest("--collect-only", "-q", "-s", "--doctest-modules")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines_random([
        "LOOKUP test_lookup False {}",  # the doctest: an item that is no test function
        "LOOKUP note False {}",  # an item without fixtures
        "LOOKUP test_plain False {}",
        "LOOKUP test_pool True {}",
        "LOOKUP test_through_a_fixture_of_its_own True {}",
        "LOOKUP test_big True {'scm_size': 5}",
        "LOOKUP test_pool_given_by_parametrize[given] False {}",
        "LOOKUP test_a_fixture_of_its_own_given_values[1G] True {}",
    ])  # fmt: skip


def test_items_that_are_no_test_functions_run_beside_daos_tests(pytester, nowhere):
    pytester.makeconftest(LOOKUP_CONFTEST)
    pytester.makepyfile(test_lookup=LOOKUP_TESTS)
    pytester.path.joinpath("a.note").write_text("")
    result = pytester.runpytest("--doctest-modules", "--daos-iface=lo", "-m", "not daos")
    result.assert_outcomes(passed=4, deselected=4)
