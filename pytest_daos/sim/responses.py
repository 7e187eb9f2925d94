"""The `-j` response objects, one builder per command, shaped like the imitated release's.

Every builder takes the release first and branches on it: key for key, in order, with types as
in the real 2.6.5 and 2.4.2 output, and for 2.0.3 as its Go response types' json tags give
them (tests/data/2.0/SOURCES.md names each struct). The inputs are the sim's own
release-neutral records (see mgmt.py): a pool record, a member record...
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
    """HostStorage; `mem_info` exists from 2.4."""
    storage: dict[str, Any] = {
        "nvme_devices": nvme_devices,
        "scm_modules": None,
        "scm_namespaces": None,
        "scm_mount_points": scm_mount_points,
        "smd_info": None,
        "reboot_required": False,
    }
    if rel.series >= (2, 4):
        storage["mem_info"] = memory
    return storage


def _controller(
    rel: Release, info: str, pci_addr: str, smd: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """NvmeController; 2.6 adds vendor_id, pci_type, dev_state and led_state."""
    ctrlr: dict[str, Any] = {
        "info": info,
        "model": "",
        "serial": "",
        "pci_addr": pci_addr,
        "fw_rev": "",
    }
    if rel.series >= (2, 6):
        ctrlr.update(vendor_id="", pci_type="")
    ctrlr.update(socket_id=0, health_stats=None, namespaces=None, smd_devices=smd)
    if rel.series >= (2, 6):
        ctrlr.update(dev_state="UNKNOWN", led_state="NA")
    return ctrlr


def formatted_bdev(rel: Release, info: str, pci_addr: str, rank: int) -> dict[str, Any]:
    """An NVMe format result for a `file` bdev (2.6: with its SMD device)."""
    if rel.series < (2, 6):
        return _controller(rel, info, pci_addr, None)
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
    """ScmMountPoint; `rank` and `usable_bytes` exist from 2.4."""
    if rel.series < (2, 4):
        return {
            "class": "",
            "device_list": None,
            "info": info,
            "path": path,
            "total_bytes": 0,
            "avail_bytes": 0,
        }
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
    """system.Member; 2.6 adds the secondary fabric keys."""
    out: dict[str, Any] = {
        "addr": m["addr"],
        "state": m["state"],
        "fault_domain": m["fault_domain"],
        "rank": m["rank"],
        "incarnation": m["incarnation"],
        "uuid": m["uuid"],
        "fabric_uri": m["fabric_uri"],
    }
    if rel.series >= (2, 6):
        out["secondary_fabric_uris"] = None
    out["fabric_contexts"] = m["fabric_contexts"]
    if rel.series >= (2, 6):
        out["secondary_fabric_contexts"] = None
    out.update(info=m["info"], last_update=m["last_update"])
    return out


def system_query(
    rel: Release, members: list[dict[str, Any]] | None, providers: list[str] | None
) -> dict[str, Any]:
    """SystemQueryResp; `providers` exists from 2.6."""
    response: dict[str, Any] = {"members": [member(rel, m) for m in members] if members else None}
    if rel.series >= (2, 6):
        response["providers"] = providers or None
    return response


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
    """PoolCreateResp; `svc_ldr` exists from 2.4."""
    response: dict[str, Any] = {"uuid": pool["uuid"]}
    if rel.series >= (2, 4):
        response["svc_ldr"] = pool["svc_ldr"]
    response.update(
        svc_reps=pool["svc_reps"], tgt_ranks=pool["ranks"], tier_bytes=pool["tier_bytes"]
    )
    return response


def _tier_stats(total: int, free: int, media: str) -> dict[str, Any]:
    return {
        "total": total,
        "free": free,
        "min": free,
        "max": free,
        "mean": free,
        "media_type": media,
    }


def _tiers(pool: dict[str, Any]) -> tuple[int, int, int, int]:
    """(SCM total, SCM free, NVMe total, NVMe free) of the whole pool."""
    scm, nvme = pool["tier_bytes"]
    nranks = pool.get("active_ranks", len(pool["ranks"]))
    return scm * nranks, pool["scm_free"], nvme * nranks, pool["nvme_free"]


def _usage(pool: dict[str, Any]) -> list[dict[str, Any]]:
    scm_total, scm_free, nvme_total, nvme_free = _tiers(pool)
    return [
        {"tier_name": "SCM", "size": scm_total, "free": scm_free, "imbalance": 0},
        {"tier_name": "NVME", "size": nvme_total, "free": nvme_free, "imbalance": 0},
    ]


def _map(pool: dict[str, Any]) -> tuple[int, int, int, dict[str, Any]]:
    """(active targets, disabled targets, map version, rebuild status) of a pool record."""
    disabled = int(pool.get("disabled_targets", 0))
    rebuild = {
        "status": 0, "state": pool.get("rebuild", "idle"),
        "objects": pool.get("rebuild_objects", 0), "records": pool.get("rebuild_records", 0),
    }  # fmt: skip
    return pool["targets"] - disabled, disabled, int(pool.get("version", 1)), rebuild


def pool_query_resp(
    rel: Release, pool: dict[str, Any] | None, flavour: str, enabled: bool = False,
    disabled: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """PoolQueryResp of 2.0 and 2.4 (dmg and daos pool query alike); `pool` None gives the
    zero-filled object dmg prints with an error. 2.4 renamed total_nodes to total_engines and
    added the rank lists and layout versions (0 through daos, as libdaos reports them). 2.0's
    daos fills tier_stats from libdaos without a media type, so both tiers say "scm"."""
    out: dict[str, Any] = {}
    if rel.series >= (2, 4):
        ranks = (
            [r for r in pool["ranks"] if r not in pool.get("disabled_ranks", ())]
            if (pool and enabled)
            else None
        )
        down = list(pool.get("disabled_ranks", ())) if pool and disabled else None
        out.update(enabled_ranks=ranks, disabled_ranks=down)
    out.update(status=0, uuid=pool["uuid"] if pool else "")
    nodes_key = "total_engines" if rel.series >= (2, 4) else "total_nodes"
    if pool is None:
        out.update(
            {"total_targets": 0, "active_targets": 0, nodes_key: 0, "disabled_targets": 0,
             "version": 0, "leader": 0, "rebuild": None, "tier_stats": None}
        )  # fmt: skip
    else:
        scm_total, scm_free, nvme_total, nvme_free = _tiers(pool)
        nvme_media = "scm" if rel.series < (2, 4) and flavour == "daos" else "nvme"
        active, off, version, rebuild = _map(pool)
        out.update(
            {"total_targets": pool["targets"], "active_targets": active,
             nodes_key: len(pool["ranks"]), "disabled_targets": off, "version": version,
             "leader": pool["svc_ldr"],
             "rebuild": rebuild,
             "tier_stats": [_tier_stats(scm_total, scm_free, "scm"),
                            _tier_stats(nvme_total, nvme_free, nvme_media)]}
        )  # fmt: skip
    if rel.series >= (2, 4):
        layout = 2 if pool is not None and flavour != "daos" else 0
        out.update(pool_layout_ver=layout, upgrade_layout_ver=layout)
    return out


def _pool_list_entry_old(rel: Release, pool: dict[str, Any]) -> dict[str, Any]:
    """A 2.0 / 2.4 `pool list` entry (control.Pool): usage instead of the query fields;
    a pool that could not be queried carries the error text and no usage."""
    queried = pool["available"] and not pool.get("no_query")
    out: dict[str, Any] = {"uuid": pool["uuid"]}
    if pool["label"] or rel.series >= (2, 4):
        out["label"] = pool["label"]
    if rel.series >= (2, 4):
        out["svc_ldr"] = pool["svc_ldr"]
    out["svc_reps"] = pool["svc_reps"]
    if rel.series >= (2, 4):
        out["state"] = pool["state"]
    out.update(
        targets_total=pool["targets"] if queried else 0,
        targets_disabled=int(pool.get("disabled_targets", 0)) if queried else 0,
    )
    if rel.series >= (2, 4):
        layout = 2 if queried else 0
        out.update(upgrade_layout_ver=layout, pool_layout_ver=layout)
    query_error = ""
    if not pool["available"] and not pool.get("no_query"):
        query_error = (
            "rpc error: code = Unknown desc = unable to find any available service ranks "
            f"for pool {pool['uuid']}"
        )
    out.update(
        query_error_msg=query_error,
        query_status_msg="",
        usage=_usage(pool) if queried else None,
    )
    return out


def pool_info(
    rel: Release, pool: dict[str, Any], flavour: str, disabled: bool = False
) -> dict[str, Any]:
    """PoolInfo (2.6), or before 2.6 PoolQueryResp / a pool list entry. `flavour`: "list"
    (dmg pool list entry), "query" (dmg pool query) or "daos" (daos pool query: 2.6 gives no
    label, no svc_reps, no dead_ranks, layout versions 0)."""
    if rel.series < (2, 6):
        if flavour == "list":
            return _pool_list_entry_old(rel, pool)
        return pool_query_resp(rel, pool, flavour)
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
    scm_total, scm_free, nvme_total, nvme_free = _tiers(pool)
    nranks = len(pool["ranks"])
    info: dict[str, Any] = {
        "query_mask": "rebuild,space",
        "state": pool["state"],
        "uuid": pool["uuid"],
    }
    if flavour == "list":
        info["label"] = pool["label"]
    active, off, version, rebuild = _map(pool)
    info.update(
        {
            "total_targets": pool["targets"],
            "active_targets": active,
            "total_engines": nranks,
            "disabled_targets": off,
            "version": version,
            "svc_ldr": pool["svc_ldr"],
        }
    )
    if flavour != "daos":
        info["svc_reps"] = pool["svc_reps"]
    info["rebuild"] = {**rebuild, "total_objects": 0}
    info["tier_stats"] = [
        _tier_stats(scm_total, scm_free, "scm"),
        _tier_stats(nvme_total, nvme_free, "nvme"),
    ]
    if disabled:
        info["disabled_ranks"] = list(pool.get("disabled_ranks", ()))
    if flavour != "daos":
        info["dead_ranks"] = []
    layout = 0 if flavour == "daos" else 3
    info["pool_layout_ver"] = layout
    info["upgrade_layout_ver"] = layout
    info["usage"] = _usage(pool)
    return info


def pool_list(rel: Release, pools: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": 0, "pools": [pool_info(rel, p, "list") for p in pools] or None}


# --- containers ---------------------------------------------------------------------------


def container_info(rel: Release, cont: dict[str, Any]) -> dict[str, Any]:
    """containerInfo of daos container create/query; 2.4 adds the handle count, times and
    the directory/file object classes (2.4: UNKNOWN, 2.6: S1)."""
    info: dict[str, Any] = {
        "pool_uuid": cont["pool_uuid"],
        "container_uuid": cont["uuid"],
    }
    if cont["label"]:
        info["container_label"] = cont["label"]
    info.update(latest_snapshot=0, redundancy_factor=int(cont.get("redundancy_factor") or 0))
    if rel.series >= (2, 4):
        info["num_handles"] = 1 + int(cont.get("handles") or 0)
    info["num_snapshots"] = 0
    if rel.series >= (2, 4):
        info.update(open_time=cont["open_time"], close_modify_time=cont["close_modify_time"])
    info["container_type"] = cont["type"]
    if cont["type"] == "POSIX":  # DFS attributes, only a POSIX container has them
        info["object_class"] = cont.get("oclass") or "UNKNOWN"
        if rel.series >= (2, 4):
            dir_file = "S1" if rel.series >= (2, 6) else "UNKNOWN"
            info.update(
                dir_object_class=cont.get("dir_oclass") or dir_file,
                file_object_class=cont.get("oclass") or dir_file,
            )
        info["chunk_size"] = cont.get("chunk_size") or 1048576
    return info


def container_list(rel: Release, conts: list[dict[str, Any]]) -> list[dict[str, str]] | None:
    """The container ids; 2.0 prints the Go field names (ui.LabelOrUUIDFlag has no tags)."""
    keys = ("UUID", "Label") if rel.series < (2, 4) else ("uuid", "label")
    return [{keys[0]: c["uuid"], keys[1]: c["label"]} for c in conts] or None
