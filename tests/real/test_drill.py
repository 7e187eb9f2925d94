"""The example fault drill (examples/tests/test_drill.py) on real DAOS 2.6.5 with two
engines: it passes, and after it every rank is joined and the drill's pool is healthy again;
the run leaves no container, no hugepage file and `vm.nr_hugepages` as it was. One drill
only: on real DAOS it takes minutes (real-2.6/two-engines.md)."""

from __future__ import annotations

import pytest
from drill_suite import make_suite
from real_trees import FOUND


@pytest.mark.skipif("2.6.5" not in FOUND, reason="needs a DAOS 2.6.5 tree (/opt/daos)")
def test_the_example_drill_on_two_real_engines(pytester, real_args, leaves_nothing_behind):
    make_suite(pytester)
    result = pytester.runpytest_subprocess(*real_args("2.6.5"), "--daos-engines=2", timeout=1500)
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["DAOS 2.6.5, recipe local, *"])
