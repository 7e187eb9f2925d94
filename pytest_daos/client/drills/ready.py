"""What makes a cluster, a pool and a container ready for a fault drill (the drill
fixtures make them so)."""

from __future__ import annotations

#: Ranks a drill needs: one to lose, one to keep the data.
DRILL_RANKS = 2
#: A drill-ready pool keeps its service on one rank (with two ranks the default puts it on
#: both, and the pool stops answering while either is down) ...
DRILL_SERVICE_RANKS = 1
#: ... and a drill-ready container keeps two replicas of every file and directory on
#: different ranks, so that its data survives the loss of one (real-2.6/two-engines.md).
DRILL_PROPERTIES = "rd_fac:1,rd_lvl:1"
DRILL_OCLASS = "RP_2G1"
#: The size of a drill pool per rank it spans, unless given: DAOS wants 1 GiB of NVMe per
#: target in each rank (fault 605 "requested NVMe capacity too small" below).
DRILL_POOL_GB_PER_RANK = 2
