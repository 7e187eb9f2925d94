"""The project's own test files: distinct names across every tier (test folders are not
packages, so pytest imports each file by its name: two files of one name cannot be
collected in one run), and each listed in tests/README.md."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parents[1]


def test_no_two_test_files_share_a_name():
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))
    shared = sorted(name for name, count in names.items() if count > 1)
    assert shared == [], f"rename one of each: {shared}"


def test_tests_readme_lists_every_file():
    readme = (TESTS / "README.md").read_text()
    missing = sorted(
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if f"`{path.name}`" not in readme and "__pycache__" not in path.parts
    )
    assert missing == [], f"add these to tests/README.md: {missing}"
