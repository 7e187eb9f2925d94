"""README's limits of the sim ("what the sim imitates and what it does not") against the
sim itself: every `dmg` and `daos` command the sim answers is in its list, and nothing
docs/drills.md shows the sim doing (several engines, their faults, rebuilds) is said to be
missing."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_daos.sim import daos, dmg
from pytest_daos.sim.releases import release

ROOT = Path(__file__).parents[2]


def limits() -> tuple[str, str]:
    """README's list of what the sim imitates, and its paragraph of what it does not (each
    on one line)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Limits: what the sim imitates and what it does not", 1)[1]
    section = section.split("\n## ", 1)[0]
    imitated, missing = section.split("It does not imitate:", 1)
    return " ".join(imitated.split()), " ".join(missing.split())


def listed(text: str, group: str) -> set[str]:
    """The subcommands `text` names after `group`: `pool create | list | query`."""
    found = re.search(rf"`{group} ([a-z-]+(?: \| [a-z-]+)*)`", text)
    return set(found.group(1).split(" | ")) if found else set()


def test_every_command_the_sim_answers_is_in_the_list():
    imitated, _ = limits()
    for program, tree in (("dmg", dmg.command_tree), ("daos", daos.command_tree)):
        for group in tree(release("2.6.5")).commands:
            names = {command.name for command in group.commands}
            said = listed(imitated, group.name) | listed(imitated, f"{program} {group.name}")
            if group.name == "storage":  # `dmg storage scan`, `storage format`
                said = {name for name in names if f"storage {name}`" in imitated}
            assert names <= said, f"{program} {group.name}: {sorted(names - said)} not in README"


def test_what_the_sim_does_for_fault_drills_is_not_said_to_be_missing():
    imitated, missing = limits()
    sim = (ROOT / "docs/drills.md").read_text().split("## The sim", 1)[1]
    assert "imitates several engines" in sim  # what docs/drills.md says of it
    assert "several engines" not in missing and "coming back" not in missing
    assert "rebuild," not in missing
    assert "several engines (`--daos-engines`" in imitated
    assert "`--daos-sim-fault-delay`" in imitated
