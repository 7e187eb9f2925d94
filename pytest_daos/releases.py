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

#: Targets of each engine (`targets` in daos_server.yml): one, so that an engine fits the
#: cores of a small host.
TARGETS_PER_ENGINE = 1
#: The least NVMe a pool gets on each target: DAOS 2.6.5 refuses less ("requested NVMe
#: capacity too small (min 1.0 GiB per target)").
NVME_PER_TARGET = 2**30
#: The share of `dmg pool create --size` that goes to NVMe (the default tier ratio 6,94).
NVME_SHARE = 0.94
#: The default pool's size per target, in G (10**9 bytes): 94% of 2G is 1.88e9 bytes of
#: NVMe, past DAOS's 1 GiB per target (1.2G is the least); the drill pools take as much.
POOL_GB_PER_TARGET = 2

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


def default_pool_size(engines: int) -> str:
    """The session pool's size when `--daos-pool-size` is not given: POOL_GB_PER_TARGET
    for each target of each engine (a pool spans every rank, and DAOS wants 1 GiB of NVMe
    on each of their targets): 2G for one engine, 4G for two."""
    return f"{POOL_GB_PER_TARGET * TARGETS_PER_ENGINE * engines}G"
