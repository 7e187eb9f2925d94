"""The DAOS releases pytest-daos runs, and what each one needs or refuses.

A release is named by its series ("2.6") or by a full version ("2.6.5"); `series` turns
either into numbers to compare, so no other module parses a version string.
"""

from __future__ import annotations

from collections.abc import Callable

#: The release series `--daos-version` takes.
SUPPORTED_VERSIONS = ("2.0", "2.4", "2.6")
#: Hugepages one engine takes: about 498 on real DAOS 2.6.5, whatever its `-r` says; two
#: engines with 512 in all both die ("could not allocate spdk_bdev_io pool").
HUGEPAGES_PER_ENGINE = 512
#: The least SCM DAOS 2.4+ accepts per engine (fault 730, "lower than the minimum (4.0 GiB)").
SCM_MINIMUM_GIB = 4

#: How a fix is spelled: the name of a setting and the value that works -> the words to use.
Fix = Callable[[str, int], str]


def series(version: str) -> tuple[int, int]:
    """Turn a DAOS version such as "2.6" or "2.6.5" into (2, 6)."""
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def percentage_pool_sizes(version: str) -> bool:
    """Whether DAOS `version` takes a pool size as N% of the free space (2.4 and later)."""
    return series(version) >= (2, 4)


def option_fix(name: str, value: int) -> str:
    """A fix spelled as the command-line option: `--daos-scm-size=4`."""
    return f"--daos-{name.replace('_', '-')}={value}"


def engines_problem(
    engines: int, hugepages: int, scm_size: int, version: str, fix: Fix = option_fix
) -> str | None:
    """Why `engines` engines cannot run with these sizes (one line ending in `: use` and
    its fix, spelled by `fix`), or None."""
    if engines < 2:
        return None
    least = HUGEPAGES_PER_ENGINE * engines
    if hugepages < least:
        return (
            f"{engines} engines need {least} hugepages at least (each takes about 500; with "
            f"fewer the engines die at start), not {hugepages}: use {fix('hugepages', least)}"
        )
    if series(version) >= (2, 4) and scm_size < SCM_MINIMUM_GIB:
        return (
            f"each engine needs {SCM_MINIMUM_GIB} GiB of SCM at least (DAOS {version} refuses "
            f"less with fault 730), not {scm_size}: use {fix('scm_size', SCM_MINIMUM_GIB)}"
        )
    return None
