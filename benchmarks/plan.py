"""What is measured, per recipe and mode: the recipes' pytest options and the sizes and
repetitions of each measurement (full mode fits 10 minutes on a 2-core host; quick mode
takes one repetition of the smallest set)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SIM_BASE_IMAGE = "localhost/pytest-daos/sim-base:bookworm"
LOCAL_PREFIX = Path("/opt/daos")


@dataclass(frozen=True)
class Recipe:
    """A recipe as the benchmark runs it."""

    name: str
    title: str
    args: tuple[str, ...]
    pool_per_test: str  # size of the pool a test of the pool kind makes
    hugepages: tuple[int, ...]  # the --daos-hugepages values started with
    local: bool = False
    #: the example fault drill is measured (the sim: seconds; on real DAOS it takes
    #: minutes and tests/real runs it)
    drill: bool = False

    def missing(self) -> str | None:
        """Why this recipe cannot run here, or None."""
        if self.local and not LOCAL_PREFIX.exists():
            return f"no DAOS install tree at {LOCAL_PREFIX}"
        return None


RECIPES = {
    "sim": Recipe(
        name="sim",
        title="sim (the DAOS stand-in, imitating 2.6.5)",
        args=("--daos-recipe=sim", f"--daos-sim-base-image={SIM_BASE_IMAGE}"),
        pool_per_test="1.2G",
        hugepages=(512, 1024),
        drill=True,
    ),
    "local": Recipe(
        name="local",
        title=f"local (real DAOS 2.6.5 from {LOCAL_PREFIX})",
        args=("--daos-recipe=local", f"--daos-prefix={LOCAL_PREFIX}"),
        pool_per_test="1.2G",
        hugepages=(1024,),  # real DAOS 2.6 needs at least 1024 for one engine
        local=True,
    ),
}

DEFAULT_HUGEPAGES = 1024
DEFAULT_SCM = 4


#: The sim's join delay the drill's target holds with, as tests/integration runs the drill.
DRILL_JOIN_DELAY = 0.2

#: Seconds after the `--daos-keep` run over which the nodes' cores are sampled (quick mode:
#: enough to see the sampling work).
IDLE_WINDOW_S = 30.0
QUICK_IDLE_WINDOW_S = 6.0

#: pytest-xdist workers each make their own session pool. With the defaults (4 GiB SCM,
#: an 8 GiB bdev, 2G pools) real DAOS 2.6.5 refuses the third or fourth with DER_NOSPACE
#: (a 1.2G pool takes about a quarter of that SCM and, in 1 GiB clusters, of that bdev), so
#: the suites run with room for four pools.
SUITE_ARGS = ("--daos-pool-size=1.2G", "--daos-scm-size=8", "--daos-bdev-size=16")


@dataclass(frozen=True)
class Plan:
    """Sizes and repetitions of one run.

    `repeat` samples are taken of each start, attach, reference and cached build; the
    settings (`scm_sizes`, the recipe's hugepages) and `pool_sizes` get `sweep_repeat`
    samples beside their defaults (whose samples are the warm starts). `suite` is the
    pytest-xdist suite (tests, worker counts). The large suite (`big_suite` tests under
    `big_workers`) runs last, each recipe's cut to what fits in its share of the time left
    before `budget` seconds (None: no limit).
    """

    mode: str
    repeat: int
    per_kind: int  # tests of each kind in the per-test session
    suite: tuple[int, tuple[int, ...]] | None
    big_suite: int
    big_workers: tuple[int, ...]
    sweep_repeat: int
    scm_sizes: tuple[int, ...]
    pool_sizes: tuple[str, ...]
    round_trips: int  # floor: `exec true` and container create+destroy samples (first run)
    budget: float | None
    #: the example drill's `--daos-sim-join-delay` values (None: the default), `repeat` runs each
    drill_join_delays: tuple[float | None, ...] = (DRILL_JOIN_DELAY, None)
    #: seconds after the `--daos-keep` run over which the nodes' cores are sampled
    idle_window_s: float = IDLE_WINDOW_S


def plan(mode: str, repeat: int | None, budget: float | None) -> Plan:
    if mode == "quick":
        return Plan(
            mode="quick",
            repeat=repeat or 1,
            per_kind=2,
            suite=None,
            big_suite=20,
            big_workers=(1, 4),
            sweep_repeat=1,
            scm_sizes=(4, 8),
            pool_sizes=("1.2G", "2G"),
            round_trips=3,
            budget=budget,
            drill_join_delays=(DRILL_JOIN_DELAY,),  # one run: about 20 s
            idle_window_s=QUICK_IDLE_WINDOW_S,
        )
    return Plan(
        mode="full",
        repeat=repeat or 2,  # two, so that the 200-test suites fit in the 10 minutes
        per_kind=6,
        suite=(40, (1, 2, 4)),
        big_suite=200,
        big_workers=(1, 4),
        sweep_repeat=1,
        scm_sizes=(4, 8),
        pool_sizes=("1.2G", "2G", "4G"),
        round_trips=10,
        budget=budget,
    )
