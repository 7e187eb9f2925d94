"""`pytest --fixtures` documents every fixture of pytest-daos with a text of its own that
says what it gives, also the fixtures a conftest makes with the factories."""

from __future__ import annotations

import re

#: The fixtures the plugin gives every test suite.
FIXTURES = {
    "daos_cluster", "daos_client", "daos_pool", "daos_pool_factory", "daos_container",
    "daos_container_factory", "daos_drill_pool", "daos_drill_container",
}  # fmt: skip

CONFTEST = """
from pytest_daos import factories

big_pool = factories.daos_pool(size="6G")
big_drill_pool = factories.daos_drill_pool(size="8G", scope="module")
big_drill_container = factories.daos_drill_container("big_drill_pool")
hdf5_container = factories.daos_container("big_pool", type="HDF5")
"""


def documented(text: str) -> dict[str, str]:
    """Each fixture `pytest --fixtures` lists (name at the start of a line) with its text
    (the indented lines below it)."""
    found: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        head = re.match(r"(\w+)( \[\w+ scope\])? -- ", line)
        if head:
            name = head.group(1)
            found[name] = ""
        elif name is not None and line.startswith("    "):
            found[name] += " " + line.strip()
        else:
            name = None
    return {key: " ".join(value.split()) for key, value in found.items()}


def test_every_fixture_has_a_text_of_its_own(pytester):
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest("--fixtures", "-p", "no:cacheprovider")
    docs = documented(result.stdout.str())
    ours = {name: docs.get(name, "") for name in FIXTURES}
    missing = [name for name, text in ours.items() if not text or "no docstring" in text]
    assert missing == []
    assert len(set(ours.values())) == len(ours), "two fixtures share a text"
    assert "fault drill" in ours["daos_drill_pool"]
    assert "2G per rank" in ours["daos_drill_pool"]
    assert "`--daos-pool-size`" in ours["daos_pool"]
    assert "in `daos_drill_pool`" in ours["daos_drill_container"]
    assert "replica on two ranks" in ours["daos_drill_container"]
    # made by a conftest: the texts say the sizes, pools and types they were given
    assert "`DaosPool` of 6G" in docs["big_pool"]
    assert "of 8G" in docs["big_drill_pool"] and "(module)" in docs["big_drill_pool"]
    assert "in `big_drill_pool`" in docs["big_drill_container"]
    assert "A fresh HDF5 `DaosContainer` in `big_pool`" in docs["hdf5_container"]
