"""The `-j` response objects, one builder per command, shaped like the imitated release's.

Every builder takes the release first; the 2.6 shapes (key for key, in order, with types as in
the real 2.6.5 output) are implemented, and a release that differs branches here. The inputs
are the sim's own release-neutral records (see mgmt.py): a pool record, a member record...
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .releases import Release

# --- storage scan / format ----------------------------------------------------------------


def mem_info(rel: Release, info: dict[str, int]) -> dict[str, int]:
    return {
        "hugepages_total": info.get("HugePages_Total", 0),
        "hugepages_free": info.get("HugePages_Free", 0),
        "hugepages_reserved": info.get("HugePages_Rsvd", 0),
        "hugepages_surplus": info.get("HugePages_Surp", 0),
        "hugepage_size_kb": info.get("Hugepagesize", 0),
        "mem_total_kb": info.get("MemTotal", 0),
        "mem_free_kb": info.get("MemFree", 0),
        "mem_available_kb": info.get("MemAvailable", 0),
    }


def host_storage(
    rel: Release,
    *,
    nvme_devices: list[dict[str, Any]] | None = None,
    scm_mount_points: list[dict[str, Any]] | None = None,
    memory: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "nvme_devices": nvme_devices,
        "scm_modules": None,
        "scm_namespaces": None,
        "scm_mount_points": scm_mount_points,
        "smd_info": None,
        "reboot_required": False,
        "mem_info": memory,
    }


def _controller(
    rel: Release, info: str, pci_addr: str, smd: list[dict[str, Any]] | None
) -> dict[str, Any]:
    return {
        "info": info,
        "model": "",
        "serial": "",
        "pci_addr": pci_addr,
        "fw_rev": "",
        "vendor_id": "",
        "pci_type": "",
        "socket_id": 0,
        "health_stats": None,
        "namespaces": None,
        "smd_devices": smd,
        "dev_state": "UNKNOWN",
        "led_state": "NA",
    }


def formatted_bdev(rel: Release, info: str, pci_addr: str, rank: int) -> dict[str, Any]:
    """An NVMe format result for a `file` bdev (2.6: with its SMD device)."""
    smd = {
        "role_bits": 0,
        "uuid": "",
        "tgt_ids": None,
        "rank": rank,
        "total_bytes": 0,
        "avail_bytes": 0,
        "usable_bytes": 0,
        "cluster_size": 0,
        "meta_size": 0,
        "meta_wal_size": 0,
        "rdb_size": 0,
        "rdb_wal_size": 0,
        "roles": "NA",
        "has_sys_xs": False,
        "ctrlr": _controller(rel, "", "", None),
        "ctrlr_namespace_id": 0,
    }
    return _controller(rel, info, pci_addr, [smd])


def formatted_scm(rel: Release, info: str, path: str, rank: int) -> dict[str, Any]:
    return {
        "class": "",
        "device_list": None,
        "info": info,
        "path": path,
        "rank": rank,
        "total_bytes": 0,
        "avail_bytes": 0,
        "usable_bytes": 0,
    }


def storage_key(storage: dict[str, Any]) -> str:
    """The opaque uint64 key of a HostStorage entry: a hash of its content (not of mem_info)."""
    content = {k: v for k, v in storage.items() if k != "mem_info"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).digest()
    return str(int.from_bytes(digest[:8], "big"))


def host_storage_map(
    rel: Release, host_errors: dict[str, str], storages: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """StorageScanResp / StorageFormatResp: hosts with equal storage share one entry."""
    grouped: dict[str, dict[str, Any]] = {}
    for host, storage in storages.items():
        key = storage_key(storage)
        if key in grouped:
            grouped[key]["hosts"] += "," + host
        else:
            grouped[key] = {"storage": storage, "hosts": host}
    return {"host_errors": host_errors, "HostStorage": grouped or None}


# --- system -------------------------------------------------------------------------------


def member(rel: Release, m: dict[str, Any]) -> dict[str, Any]:
    return {
        "addr": m["addr"],
        "state": m["state"],
        "fault_domain": m["fault_domain"],
        "rank": m["rank"],
        "incarnation": m["incarnation"],
        "uuid": m["uuid"],
        "fabric_uri": m["fabric_uri"],
        "secondary_fabric_uris": None,
        "fabric_contexts": m["fabric_contexts"],
        "secondary_fabric_contexts": None,
        "info": m["info"],
        "last_update": m["last_update"],
    }


def system_query(
    rel: Release, members: list[dict[str, Any]] | None, providers: list[str] | None
) -> dict[str, Any]:
    return {
        "members": [member(rel, m) for m in members] if members else None,
        "providers": providers or None,
    }


def member_results(rel: Release, results: list[dict[str, Any]]) -> dict[str, Any]:
    """dmg system stop / start: {"Results": [...]} with capitalised keys except `state`."""
    return {
        "Results": [
            {
                "state": r["state"],
                "Addr": r["addr"],
                "Rank": r["rank"],
                "Action": r["action"],
                "Errored": r["errored"],
                "Msg": r["msg"],
            }
            for r in results
        ]
    }


# --- pools --------------------------------------------------------------------------------


def pool_create(rel: Release, pool: dict[str, Any]) -> dict[str, Any]:
    return {
        "uuid": pool["uuid"],
        "svc_ldr": pool["svc_ldr"],
        "svc_reps": pool["svc_reps"],
        "tgt_ranks": pool["ranks"],
        "tier_bytes": pool["tier_bytes"],
    }


def _tier_stats(total: int, free: int, media: str) -> dict[str, Any]:
    return {
        "total": total,
        "free": free,
        "min": free,
        "max": free,
        "mean": free,
        "media_type": media,
    }


def pool_info(rel: Release, pool: dict[str, Any], flavour: str) -> dict[str, Any]:
    """PoolInfo. `flavour`: "list" (dmg pool list entry), "query" (dmg pool query) or
    "daos" (daos pool query: no label, no svc_reps, no dead_ranks, layout versions 0)."""
    if not pool["available"] and flavour == "list":
        # engines stopped: pool list still lists every pool, without query data
        return {
            "query_mask": "",
            "state": pool["state"],
            "uuid": pool["uuid"],
            "label": pool["label"],
            "total_targets": 0,
            "active_targets": 0,
            "total_engines": 0,
            "disabled_targets": 0,
            "version": 0,
            "svc_ldr": pool["svc_ldr"],
            "svc_reps": pool["svc_reps"],
            "rebuild": None,
            "tier_stats": None,
            "pool_layout_ver": 0,
            "upgrade_layout_ver": 0,
        }
    scm, nvme = pool["tier_bytes"]
    nranks = len(pool["ranks"])
    scm_total, nvme_total = scm * nranks, nvme * nranks
    scm_free, nvme_free = pool["scm_free"], pool["nvme_free"]
    info: dict[str, Any] = {
        "query_mask": "rebuild,space",
        "state": pool["state"],
        "uuid": pool["uuid"],
    }
    if flavour == "list":
        info["label"] = pool["label"]
    info.update(
        {
            "total_targets": pool["targets"],
            "active_targets": pool["targets"],
            "total_engines": nranks,
            "disabled_targets": 0,
            "version": 1,
            "svc_ldr": pool["svc_ldr"],
        }
    )
    if flavour != "daos":
        info["svc_reps"] = pool["svc_reps"]
    info["rebuild"] = {"status": 0, "state": "idle", "objects": 0, "records": 0, "total_objects": 0}
    info["tier_stats"] = [
        _tier_stats(scm_total, scm_free, "scm"),
        _tier_stats(nvme_total, nvme_free, "nvme"),
    ]
    if flavour != "daos":
        info["dead_ranks"] = []
    layout = 0 if flavour == "daos" else 3
    info["pool_layout_ver"] = layout
    info["upgrade_layout_ver"] = layout
    info["usage"] = [
        {"tier_name": "SCM", "size": scm_total, "free": scm_free, "imbalance": 0},
        {"tier_name": "NVME", "size": nvme_total, "free": nvme_free, "imbalance": 0},
    ]
    return info


def pool_list(rel: Release, pools: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": 0, "pools": [pool_info(rel, p, "list") for p in pools] or None}


# --- containers ---------------------------------------------------------------------------


def container_info(rel: Release, cont: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "pool_uuid": cont["pool_uuid"],
        "container_uuid": cont["uuid"],
    }
    if cont["label"]:
        info["container_label"] = cont["label"]
    info.update(
        {
            "latest_snapshot": 0,
            "redundancy_factor": 0,
            "num_handles": 1,
            "num_snapshots": 0,
            "open_time": cont["open_time"],
            "close_modify_time": cont["close_modify_time"],
            "container_type": cont["type"],
        }
    )
    if cont["type"] == "POSIX":  # DFS attributes, only a POSIX container has them
        info.update(
            {
                "object_class": "UNKNOWN",
                "dir_object_class": "S1",
                "file_object_class": "S1",
                "chunk_size": cont.get("chunk_size") or 1048576,
            }
        )
    return info


def container_list(rel: Release, conts: list[dict[str, Any]]) -> list[dict[str, str]] | None:
    return [{"uuid": c["uuid"], "label": c["label"]} for c in conts] or None
