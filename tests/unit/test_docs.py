"""The generated documentation (`docs/`): README.md's options table and fixture reference,
docs/troubleshooting.md from the error sites; each fails here when it drifts from the code."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from pytest_daos import docs
from pytest_daos.settings import OPTIONS

ROOT = Path(__file__).parents[2]


def test_the_generated_docs_are_what_the_code_says():
    stale = [str(path.relative_to(ROOT)) for path in docs.stale(ROOT)]
    assert stale == [], f"regenerate with `{docs.COMMAND}` (or `tox -e docs`)"


def test_an_option_whose_help_changed_makes_readme_stale(monkeypatch):
    changed = dataclasses.replace(OPTIONS[0], help="a help text nobody wrote into README")
    monkeypatch.setattr(docs.readme, "OPTIONS", (changed, *OPTIONS[1:]))
    readme = (ROOT / docs.README).read_text()
    assert docs.render_readme(readme) != readme
    assert "a help text nobody wrote into README" in docs.render_readme(readme)
    assert docs.stale(ROOT) == [ROOT / docs.README]


def test_every_option_and_fixture_is_in_the_readme():
    readme = (ROOT / docs.README).read_text()
    for option in OPTIONS:
        assert f"`{option.env}`" in readme
    for name in ("daos_cluster", "daos_client", "daos_pool", "daos_pool_factory",
                 "daos_container", "daos_container_factory"):  # fmt: skip
        assert f"| `{name}` |" in readme


def test_a_readme_without_a_generated_block_is_refused():
    with pytest.raises(ValueError, match="has no <!-- generated: options"):
        docs.render_readme("# a README without markers\n")


#: `raise SomeError(f"text...` or `raise SomeError("text...`: the message's first words
RAISE = re.compile(r"raise (\w+)\(\s*f?\"([^\"{]{12,})")


def test_every_raise_site_with_a_message_is_in_the_troubleshooting_page():
    """Found by a plain text search, apart from the generator's own reading of the code."""
    page = " ".join((ROOT / docs.TROUBLESHOOTING).read_text().split())
    errors = docs.error_classes()
    found = 0
    for path in (ROOT / "pytest_daos").rglob("*.py"):
        if "sim" in path.relative_to(ROOT / "pytest_daos").parts[:1]:
            continue
        for cls, start in RAISE.findall(path.read_text()):
            if cls in errors:
                start = " ".join(start.encode().decode("unicode_escape").split())
                found += 1
                assert start in page, f"{path.name}: {cls}({start!r}...) is not in the page"
    assert found > 30


def test_every_error_class_with_a_message_has_a_section_with_its_docstring():
    page = (ROOT / docs.TROUBLESHOOTING).read_text()
    kinds = {site.kind for site in docs.error_sites()}
    for cls, doc in docs.error_classes().items():
        if cls in kinds:
            assert f"### `{cls}`\n\n{doc}\n" in page


def test_a_failing_check_appears_with_its_fix():
    page = (ROOT / docs.TROUBLESHOOTING).read_text()
    assert "| interface | `{iface.cause} (fix: pass --daos-iface=NAME)` |" in page


def test_the_command_works_on_the_source_tree_it_is_run_in(tmp_path, monkeypatch, capsys):
    """Installed from a wheel, the package has no source tree around it: the command
    writes the generated parts of the tree it is run in, from the installed code."""
    (tmp_path / "docs").mkdir()
    (tmp_path / docs.README).write_text((ROOT / docs.README).read_text())
    monkeypatch.chdir(tmp_path)
    assert docs.main(["--check"]) == 1  # no troubleshooting page yet
    assert "docs/troubleshooting.md differs from the code" in capsys.readouterr().out
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
    written = (tmp_path / docs.TROUBLESHOOTING).read_text()
    assert written == (ROOT / docs.TROUBLESHOOTING).read_text()


def test_outside_a_source_tree_the_command_says_where_to_run_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert docs.main(["--check"]) == 2
    assert (
        "holds no README.md: run it at the top of a pytest-daos source tree, or name one "
        "with --root" in capsys.readouterr().err
    )
    (tmp_path / docs.README).write_text("# a README without the generated blocks\n")
    assert docs.main(["--root", str(tmp_path)]) == 2
    assert "has no <!-- generated: options" in capsys.readouterr().err
