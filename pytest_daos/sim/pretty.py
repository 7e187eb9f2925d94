"""Plain (non `-j`) output of dmg and daos, as the imitated release prints it."""

from __future__ import annotations

from typing import Any

from . import responses
from .output import entity, rank_set, table
from .releases import Release
from .sizes import human_bytes, human_ibytes

_STATE_NAMES = {
    "awaitformat": "AwaitFormat",
    "starting": "Starting",
    "ready": "Ready",
    "joined": "Joined",
    "stopping": "Stopping",
    "stopped": "Stopped",
    "excluded": "Excluded",
    "adminexcluded": "AdminExcluded",
    "errored": "Errored",
    "unresponsive": "Unresponsive",
    "unknown": "Unknown",
    "checkerstarted": "CheckerStarted",
}


def member_state(state: str) -> str:
    return _STATE_NAMES.get(state, state.capitalize())


def system_query(rel: Release, members: list[dict[str, Any]], verbose: bool) -> str:
    if not members:
        return "No members in system\n"
    if verbose:
        rows = [
            {
                "Rank": str(m["rank"]),
                "UUID": m["uuid"],
                "Control Address": m["addr"],
                "Fault Domain": m["fault_domain"],
                "State": member_state(m["state"]),
                "Reason": m["info"],
            }
            for m in members
        ]
        titles = ["Rank", "UUID", "Control Address", "Fault Domain", "State", "Reason"]
        return table(titles, rows) + "\n"
    by_state: dict[str, list[int]] = {}
    for m in members:
        by_state.setdefault(member_state(m["state"]), []).append(m["rank"])
    rows = [{"Rank": rank_set(ranks), "State": state} for state, ranks in by_state.items()]
    return table(["Rank", "State"], rows) + "\n"


def member_results(rel: Release, results: list[dict[str, Any]]) -> str:
    rows = [
        {
            "Rank": str(r["rank"]),
            "Operation": r["action"],
            "Result": "FAIL" if r["errored"] else "OK",
            "Reason": r["msg"] if r["errored"] else "",
        }
        for r in results
    ]
    return table(["Rank", "Operation", "Result"], rows) + "\n"


def storage_scan(rel: Release, hosts: dict[str, dict[str, Any]]) -> str:
    rows = []
    for host, storage in hosts.items():
        mem = storage.get("mem_info") or {}
        rows.append(
            {
                "Hosts": host,
                "SCM Total": "0 B (0 modules)",
                "NVMe Total": "0 B (0 controllers)",
                "Hugepages": f"{mem.get('hugepages_free', 0)}/{mem.get('hugepages_total', 0)} free",
            }
        )
    return table(["Hosts", "SCM Total", "NVMe Total", "Hugepages"], rows)


def storage_format(rel: Release, hosts: dict[str, dict[str, Any]]) -> str:
    rows = [
        {
            "Hosts": host,
            "SCM Devices": str(len(s.get("scm_mount_points") or [])),
            "NVMe Devices": str(len(s.get("nvme_devices") or [])),
        }
        for host, s in hosts.items()
    ]
    body = table(["Hosts", "SCM Devices", "NVMe Devices"], rows)
    return "Format Summary:\n" + "".join("  " + line + "\n" for line in body.splitlines())


def pool_create(rel: Release, pool: dict[str, Any], intro: str) -> str:
    tiers = pool["tier_bytes"]
    nranks = len(pool["ranks"])
    total = sum(tiers)
    ratios = ",".join(f"{100 * t / total:.2f}%" for t in tiers) if total else "0.00%,0.00%"
    title = f"Pool created with {ratios} storage tier ratio"
    pairs = [("UUID", pool["uuid"])]
    if rel.series >= (2, 4):
        pairs.append(("Service Leader", str(pool["svc_ldr"])))
    pairs += [
        ("Service Ranks", rank_set(pool["svc_reps"])),
        ("Storage Ranks", rank_set(pool["ranks"])),
        ("Total Size", human_bytes(total * nranks)),
    ]
    names = ("SCM", "NVMe")
    for i, per_rank in enumerate(tiers):
        pairs.append(
            (
                f"Storage tier {i} ({names[i]})",
                f"{human_bytes(per_rank * nranks)} ({human_bytes(per_rank)} / rank)",
            )
        )
    return intro + entity(title, pairs) + "\n"


def _used_percent(size: int, free: int) -> int:
    return int((size - free) / size * 100) if size else 0


def pool_list(rel: Release, pools: list[dict[str, Any]], verbose: bool) -> str:
    """`dmg pool list [--verbose]` from the sim's pool records: 2.4 adds the State and
    UpgradeNeeded? columns, 2.6 the Rebuild State one; pools that could not be queried
    are left out (2.0/2.4) or shown without usage (2.6)."""
    old = rel.series < (2, 4)
    if not old and rel.series < (2, 6):
        pools = [p for p in pools if p["available"] or p.get("no_query")]
    if not pools:
        return "no pools in system\n" if old else "No pools in system\n"
    rows = []
    for p in pools:
        usage = responses._usage(p) if p["available"] else []
        disabled = f"0/{p['targets'] if p['available'] else 0}"
        if not verbose:
            size = next((u["size"] for u in reversed(usage) if u["size"]), 0)
            used = max([_used_percent(u["size"], u["free"]) for u in usage] or [0])
            rows.append(
                {
                    "Pool": p["label"],
                    "Size": human_bytes(size),
                    "State": p["state"],
                    "Used": f"{used}%",
                    "Imbalance": "0%",
                    "Disabled": disabled,
                }
            )
            continue
        row = {
            "Label": p["label"],
            "UUID": p["uuid"],
            "State": p["state"],
            "SvcReps": rank_set(p["svc_reps"]),
            "Disabled": disabled,
            "UpgradeNeeded?": "None",
            "Rebuild State": "idle",
        }
        for u in usage:
            name = u["tier_name"]
            row[f"{name} Size"] = human_bytes(u["size"])
            row[f"{name} Used"] = human_bytes(u["size"] - u["free"])
            row[f"{name} Imbalance"] = "0%"
        rows.append(row)
    if not verbose:
        titles = ["Pool", "Size", "Used", "Imbalance", "Disabled"]
        if not old:
            titles.insert(2, "State")
        return table(titles, rows) + "\n"
    titles = ["Label", "UUID", *([] if old else ["State"]), "SvcReps"]
    for tier in ("SCM", "NVME"):
        titles += [f"{tier} Size", f"{tier} Used", f"{tier} Imbalance"]
    titles.append("Disabled")
    if not old:
        titles.append("UpgradeNeeded?")
    if rel.series >= (2, 6):
        titles.append("Rebuild State")
    return table(titles, rows) + "\n"


def pool_query(rel: Release, info: dict[str, Any]) -> str:
    """`dmg|daos pool query`: 2.6 adds the state and a health block; before it the rebuild
    line comes last."""
    leader = info.get("svc_ldr", info.get("leader", 0))
    out = (
        f"Pool {info['uuid']}, ntarget={info['total_targets']}, "
        f"disabled={info['disabled_targets']}, leader={leader}, "
        f"version={info['version']}"
    )
    rebuild = "Rebuild idle, 0 objs, 0 recs\n"
    if rel.series >= (2, 6):
        out += f", state={info['state']}\nPool health info:\n- {rebuild}"
    else:
        out += "\n"
    out += f"Pool space info:\n- Target(VOS) count:{info['active_targets']}\n"
    for i, tier in enumerate(info["tier_stats"] or []):
        name = "SCM" if i == 0 else "NVMe"
        free = human_bytes(tier["free"])
        out += (
            f"- Storage tier {i} ({name}):\n  Total size: {human_bytes(tier['total'])}\n"
            f"  Free: {free}, min:{human_bytes(tier['min'])}, "
            f"max:{human_bytes(tier['max'])}, mean:{human_bytes(tier['mean'])}\n"
        )
    return out if rel.series >= (2, 6) else out + rebuild


def container_create(rel: Release, info: dict[str, Any]) -> str:
    pairs = [("Container UUID", info["container_uuid"])]
    if info.get("container_label"):
        pairs.append(("Container Label", info["container_label"]))
    pairs.append(("Container Type", info["container_type"]))
    if rel.series < (2, 4):  # 2.0 prints the container info only
        return entity(None, pairs) + "\n"
    return f"Successfully created container {info['container_uuid']}\n" + entity(None, pairs) + "\n"


def container_query(rel: Release, info: dict[str, Any]) -> str:
    pairs = [("Container UUID", info["container_uuid"])]
    if info.get("container_label"):
        pairs.append(("Container Label", info["container_label"]))
    snapshot = (
        str(info["latest_snapshot"]) if rel.series >= (2, 4) else hex(info["latest_snapshot"])
    )
    pairs += [
        ("Container Type", info["container_type"]),
        ("Pool UUID", info["pool_uuid"]),
        ("Number of snapshots", str(info["num_snapshots"])),
        ("Latest Persistent Snapshot", snapshot),
        ("Container redundancy factor", str(info["redundancy_factor"])),
    ]
    if "chunk_size" in info:
        pairs += [
            ("Object Class", info["object_class"]),
            ("Chunk Size", human_ibytes(info["chunk_size"])),
        ]
    return entity(None, pairs) + "\n"


def container_list(rel: Release, conts: list[dict[str, Any]]) -> str:
    """From the sim's container records."""
    if not conts:
        return "No containers.\n" if rel.series < (2, 4) else ""
    rows = [{"UUID": c["uuid"], "Label": c["label"]} for c in conts]
    return table(["UUID", "Label"], rows) + "\n"
