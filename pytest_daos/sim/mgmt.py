"""The control plane's services: storage scan/format, the management service (system,
pools) and the pool/container operations clients reach through the agent.

The sim keeps release-neutral records (plain dicts) and lets responses.py shape them. The
system state machine follows CONTRACT.md §9: format required -> (format) engine starting,
management service not ready (dmg retries) -> rank joined -> stopped <-> joined.
"""

from __future__ import annotations

import os
import subprocess
import threading
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from . import fs, responses, state
from .config import ServerConfig
from .errors import (
    SimError,
    data_plane_not_started,
    der,
    format_running_system,
    instances_not_stopped,
    is_uuid,
    pool_duplicate_label,
    pool_has_containers,
    pool_invalid_num_ranks,
    pool_invalid_ranks,
    pool_invalid_service_reps,
    pool_no_label,
    pool_no_service_ranks,
    pool_not_found,
    pool_tier_too_small,
    raft_unavailable,
    system_uninitialized,
)
from .host import hlc_now, hostname, iface_ip, meminfo, resolve, rfc3339_nano
from .releases import Release
from .sizes import GIB, MIB, human_bytes
from .supervisor import EngineRunner

SCM_MIN_PER_TARGET = 16 * MIB
NVME_MIN_PER_TARGET = 1 * GIB
#: SCM the engine keeps for itself (2.4+: 16 MiB + 1 MiB, CONTRACT.md §3)
SCM_RESERVED = 17 * MIB
#: what a new pool's metadata takes from its own SCM per release series (fitted to the real
#: numbers: a 2G pool of tank shows 67820583 (2.6.5) / 67820967 (2.4.2) of 120000512 SCM
#: bytes free, and 1838051328 of 1880000000 NVMe bytes), and each container's metadata
#: (2.6.5: 67820583 -> 67811719, 2.4.2: 67820967 -> 67682567; 2.0 taken as 2.4)
POOL_SCM_OVERHEAD = {(2, 0): 46179520, (2, 4): 46179520, (2, 6): 46179904}
POOL_SCM_OVERHEAD_SHARE = 20  # plus 1/20 of the pool's SCM
POOL_NVME_OVERHEAD = 41948672
CONTAINER_SCM_BYTES = {(2, 0): 138400, (2, 4): 138400, (2, 6): 8864}
MAX_SVC_REPS = 13

CONTAINER_TYPES = ("POSIX", "HDF5", "PYTHON", "SPARK", "DATABASE", "ROOT", "SEISMIC", "METEO")

LogFn = Callable[[str, str], None]


def _round_up(value: int, unit: int = 4096) -> int:
    return -(-value // unit) * unit


def valid_label(label: str) -> bool:
    """DAOS label rules: 1-127 of [A-Za-z0-9._:-], and not something that parses as a UUID."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-")
    return 0 < len(label) <= 127 and set(label) <= allowed and not is_uuid(label)


class Service:
    def __init__(self, cfg: ServerConfig, rel: Release, log: LogFn, join_delay: float) -> None:
        self.cfg = cfg
        self.rel = rel
        self.log = log
        self.join_delay = join_delay
        self.lock = threading.RLock()
        self.engine = cfg.engines[0] if cfg.engines else None
        self.state: state.SystemState | None = None
        self.member_state = "awaitformat"
        self.member_info = ""
        self.last_update = rfc3339_nano()
        self.incarnation = 0
        self.ms_ready = False
        #: open container handles (dfuse mounts): handle id -> (pool uuid, container uuid)
        self.handles: dict[str, tuple[str, str]] = {}
        self.runner = (
            EngineRunner(cfg, 0, log, self._engine_ready, self._engine_exited)
            if self.engine
            else None
        )
        self.addr = f"{resolve(cfg.access_points[0])}:{cfg.port}"
        if self.engine:
            ip = iface_ip(self.engine.fabric_iface) or resolve(cfg.access_points[0])
            self.fabric_uri = f"{self.engine.provider}://{ip}:{self.engine.fabric_iface_port}"
        self.fault_domain = "/" + hostname()

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def scm_mount(self) -> str:
        assert self.engine is not None
        return self.engine.scm.scm_mount

    def startup(self) -> None:
        if self.engine is None:
            self.log("INFO", "no engines configured")
            return
        loaded = state.load(self.scm_mount) if os.path.ismount(self.scm_mount) else None
        if loaded is None:
            self.log("INFO", "SCM format required on instance 0")
            return
        with self.lock:
            self.state = loaded
            self.log(
                "INFO",
                f"instance 0: SCM at {self.scm_mount} already formatted "
                f"(system {loaded.name} {loaded.uuid}); starting the engine",
            )
            self._start_engine()

    def shutdown(self) -> None:
        if self.runner is not None:
            self.runner.stop()

    def _touch(self, member_state: str, info: str = "") -> None:
        self.member_state = member_state
        self.member_info = info
        self.last_update = rfc3339_nano()

    def _rank(self) -> int:
        return self.state.members[0].rank if self.state and self.state.members else 0

    def _start_engine(self) -> int:
        assert self.runner is not None
        self._touch("starting")
        pid = self.runner.start(self._rank())
        self.log("INFO", f"instance 0: DAOS I/O Engine starting (pid {pid})")
        return pid

    def _engine_ready(self, pid: int) -> None:
        timer = threading.Timer(self.join_delay, self._join, args=(pid,))
        timer.daemon = True
        timer.start()

    def _join(self, pid: int) -> None:
        with self.lock:
            runner = self.runner
            if runner is None or runner.pid != pid or not runner.running:
                return
            if self.member_state not in ("starting", "ready"):
                return
            self.incarnation = hlc_now()
            self._touch("joined")
            self.ms_ready = True
            self.log(
                "INFO", f"rank {self._rank()} joined system {self.cfg.name}; MS leader running"
            )

    def _engine_exited(self, pid: int, how: str) -> None:
        with self.lock:
            self.log("ERROR", f"instance 0 exited: {how}")
            if self.runner is None or self.runner.pid != pid:
                return  # an engine replaced since
            if self.ms_ready and self.member_state in ("joined", "ready", "starting"):
                self._touch("errored", f"DAOS engine 0 exited unexpectedly: {how}")

    # --- dispatch -------------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> Any:
        handler = getattr(self, "rpc_" + method, None)
        if handler is None:
            raise SimError(f"unknown request {method!r}")
        return handler(params)

    def _require_ms(self) -> state.SystemState:
        if self.state is None:
            raise system_uninitialized()
        if not self.ms_ready:
            raise raft_unavailable()
        return self.state

    def _save(self) -> None:
        assert self.state is not None
        state.save(self.scm_mount, self.state)

    # --- storage --------------------------------------------------------------------------

    def rpc_storage_scan(self, params: dict[str, Any]) -> dict[str, Any]:
        memory = responses.mem_info(self.rel, meminfo())
        return {"storage": responses.host_storage(self.rel, memory=memory)}

    def rpc_storage_format(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.engine is None:
            raise SimError("no engines configured: nothing to format")
        with self.lock:
            if self.state is not None:
                raise format_running_system(self.rel)
            scm_info, nvme_info = "CTL_SUCCESS", "CTL_SUCCESS"
            if os.path.ismount(self.scm_mount):
                scm_info = "SCM is already formatted"
                nvme_info = "NVMe format skipped on instance 0, SCM was not formatted"
            else:
                self._mount_scm()
            self._create_bdevs()
            fs.remove_tree(fs.data_root(self.scm_mount))  # a format leaves no old files
            self.state = state.SystemState.new(self.cfg.name)
            self._save()
            rank = self._rank()
            self.log("INFO", f"instance 0: storage formatted ({self.scm_mount}: {scm_info})")
            self._start_engine()
        nvme = [
            responses.formatted_bdev(
                self.rel, nvme_info, path if nvme_info == "CTL_SUCCESS" else "<nil>", rank
            )
            for path in self.engine.bdev_files
        ]
        scm = [responses.formatted_scm(self.rel, scm_info, self.scm_mount, rank)]
        return {
            "storage": responses.host_storage(
                self.rel, nvme_devices=nvme or None, scm_mount_points=scm
            )
        }

    def _mount_scm(self) -> None:
        assert self.engine is not None
        size = self.engine.scm.scm_size
        try:
            os.makedirs(self.scm_mount, exist_ok=True)
        except OSError as exc:
            raise SimError(f"format failed: create {self.scm_mount}: {exc.strerror}") from None
        command = ["mount", "-t", "tmpfs", "-o", f"size={size}g", "tmpfs", self.scm_mount]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SimError(f"format failed: {' '.join(command)}: {exc}") from None
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip() or f"exit {result.returncode}"
            self.log("ERROR", f"instance 0: mount of {self.scm_mount} failed: {detail}")
            raise SimError(f"format failed: mount tmpfs at {self.scm_mount}: {detail}")

    def _create_bdevs(self) -> None:
        assert self.engine is not None
        for tier in self.engine.bdevs:
            size = tier.bdev_size * GIB
            for path in tier.bdev_list:
                try:
                    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
                    try:
                        os.posix_fallocate(fd, 0, size)
                        os.ftruncate(fd, size)
                    finally:
                        os.close(fd)
                except OSError as exc:
                    raise SimError(
                        f"format failed: create bdev file {path} of "
                        f"{tier.bdev_size} GiB: {exc.strerror}"
                    ) from None

    # --- system ---------------------------------------------------------------------------

    def _member(self) -> dict[str, Any]:
        assert self.state is not None and self.engine is not None
        m = self.state.members[0]
        return {
            "addr": self.addr,
            "state": self.member_state,
            "fault_domain": self.fault_domain,
            "rank": m.rank,
            "incarnation": self.incarnation,
            "uuid": m.uuid,
            "fabric_uri": self.fabric_uri,
            "fabric_contexts": self.engine.targets + self.engine.nr_xs_helpers + 2,
            "info": self.member_info,
            "last_update": self.last_update,
        }

    def _select(self, ranks: list[int] | None) -> tuple[list[dict[str, Any]], list[int]]:
        members = [self._member()]
        if ranks is None:
            return members, []
        known = {m["rank"] for m in members}
        return [m for m in members if m["rank"] in ranks], [r for r in ranks if r not in known]

    def rpc_system_query(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._require_ms()
            members, absent = self._select(params.get("ranks"))
            return {"members": members, "providers": [self.cfg.provider], "absent": absent}

    def _action(self, params: dict[str, Any], action: str) -> tuple[dict[str, Any], list[int]]:
        """The selected rank's result of system stop/start (None if not selected), absent ranks."""
        self._require_ms()
        members, absent = self._select(params.get("ranks"))
        result = {
            "addr": self.addr,
            "rank": self._rank(),
            "action": action,
            "errored": False,
            "msg": f"system {action}",
        }
        return (result if members else {}), absent

    def rpc_system_stop(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.runner is not None
        with self.lock:
            result, absent = self._action(params, "stop")
            if not result:
                return {"results": [], "absent": absent}
            self._touch("stopping")
        self.runner.stop()
        with self.lock:
            self._touch("stopped", "system stop")
            self.log("INFO", "instance 0 stopped (system stop)")
        return {"results": [dict(result, state="stopped")], "absent": absent}

    def rpc_system_start(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.runner is not None
        with self.lock:
            result, absent = self._action(params, "start")
            if not result:
                return {"results": [], "absent": absent}
            if self.runner.running:
                return {"results": [dict(result, state=self.member_state)], "absent": absent}
            self._start_engine()
        proc = self.runner.proc
        for _ in range(200):  # the engine's start line, or its exit
            if self.runner.ready.wait(0.05) or (proc is not None and proc.poll() is not None):
                break
        with self.lock:
            if self.runner.ready.is_set() and self.runner.running:
                if self.member_state == "starting":
                    self._touch("ready", "system start")
                return {"results": [dict(result, state=self.member_state)], "absent": absent}
            self._touch("errored", "DAOS engine 0 failed to start")
            return {
                "results": [
                    dict(result, state="errored", errored=True, msg="DAOS engine 0 failed to start")
                ],
                "absent": absent,
            }

    def rpc_system_erase(self, params: dict[str, Any]) -> None:
        with self.lock:
            self._require_ms()
            if self.runner is not None and self.runner.running:
                raise instances_not_stopped(self.rel, "system erase", self._rank())
            state.erase(self.scm_mount)
            fs.remove_tree(fs.data_root(self.scm_mount))
            self.handles.clear()
            self.state = None
            self.ms_ready = False
            self._touch("awaitformat")
            self.log("INFO", "system erased; SCM format required on instance 0")

    # --- pools ----------------------------------------------------------------------------

    def _pool_record(self, pool: state.Pool) -> dict[str, Any]:
        assert self.engine is not None
        scm, nvme = pool.tier_bytes
        nranks = len(pool.ranks)
        scm_total, nvme_total = scm * nranks, nvme * nranks
        overhead = (
            nranks * POOL_SCM_OVERHEAD[self.rel.series]
            + scm_total // POOL_SCM_OVERHEAD_SHARE
            + CONTAINER_SCM_BYTES[self.rel.series] * len(pool.containers)
        )
        stored = fs.bytes_used(fs.data_root(self.scm_mount) / pool.uuid)
        return {
            "uuid": pool.uuid,
            "label": pool.label,
            "ranks": pool.ranks,
            "svc_reps": pool.svc_reps,
            "svc_ldr": pool.svc_reps[0],
            "state": "Ready",
            "tier_bytes": pool.tier_bytes,
            "targets": self.engine.targets * nranks,
            "scm_free": max(0, scm_total - overhead),
            "nvme_free": max(0, nvme_total - nranks * POOL_NVME_OVERHEAD - stored),
            "available": self.member_state == "joined",
            "containers": len(pool.containers),
        }

    def _free(self, st: state.SystemState) -> tuple[int, int]:
        """Free SCM and NVMe bytes of rank 0 (the only rank)."""
        assert self.engine is not None
        scm_cap = max(0, self.engine.scm.scm_size * GIB - SCM_RESERVED)
        nvme_cap = self.engine.bdev_bytes
        used_scm = sum(p.tier_bytes[0] for p in st.pools)
        used_nvme = sum(p.tier_bytes[1] for p in st.pools)
        return max(0, scm_cap - used_scm), max(0, nvme_cap - used_nvme)

    def rpc_pool_create(self, params: dict[str, Any]) -> dict[str, Any]:
        assert self.engine is not None
        with self.lock:
            st = self._require_ms()
            if self.member_state != "joined":
                raise data_plane_not_started(self.rel)
            label = str(params.get("label") or "")
            if not label:
                raise pool_no_label(self.rel)
            if any(pool.label == label for pool in st.pools):
                raise pool_duplicate_label(self.rel, label)
            available = [m.rank for m in st.members]
            ranks = params.get("ranks") or None
            if ranks:
                invalid = [r for r in ranks if r not in available]
                if invalid:
                    raise pool_invalid_ranks(self.rel, invalid)
            nranks = int(params.get("nranks") or 0)
            if nranks > len(available):
                raise pool_invalid_num_ranks(self.rel, nranks, len(available))
            selected = sorted(ranks or available[: nranks or len(available)])
            nsvc = int(params.get("nsvc") or 0)
            if nsvc and (nsvc % 2 == 0 or nsvc > MAX_SVC_REPS):
                raise pool_invalid_service_reps(self.rel, MAX_SVC_REPS)
            scm, nvme = self._tier_bytes(st, params, len(selected))
            self._check_minimums(scm, nvme, len(selected))
            free_scm, free_nvme = self._free(st)
            if scm > free_scm or nvme > free_nvme:
                raise der("DER_NOSPACE")
            pool = state.Pool(
                uuid=str(uuidlib.uuid4()),
                label=label,
                ranks=selected,
                svc_reps=selected[: max(1, min(nsvc or 1, len(selected)))],
                tier_bytes=[scm, nvme],
                properties=list(params.get("properties") or []),
                owner=str(params.get("user") or "root@"),
                group=str(params.get("group") or "root@"),
            )
            st.pools.append(pool)
            self._save()
            self.log(
                "INFO", f"pool {pool.uuid} ({label}) created: SCM {scm}, NVMe {nvme} bytes per rank"
            )
            return self._pool_record(pool)

    def _tier_bytes(
        self, st: state.SystemState, params: dict[str, Any], nranks: int
    ) -> tuple[int, int]:
        assert self.engine is not None
        has_nvme = bool(self.engine.bdev_files)
        mode = params.get("mode")
        if mode == "percent":
            free_scm, free_nvme = self._free(st)
            percent = int(params["percent"])
            scm = free_scm * percent // 100 // 4096 * 4096
            return scm, (free_nvme * percent // 100 if has_nvme else 0)
        if mode == "total":
            total = int(params["total_bytes"])
            if not has_nvme:  # "config has zero bdevs; excluding NVMe from pool create"
                return _round_up(total // nranks), 0
            scm_ratio, nvme_ratio = (float(r) for r in params["tier_ratio"])
            return (_round_up(int(total * scm_ratio) // nranks), int(total * nvme_ratio) // nranks)
        return _round_up(int(params.get("scm_bytes") or 0)), int(params.get("nvme_bytes") or 0)

    def _check_minimums(self, scm: int, nvme: int, nranks: int) -> None:
        assert self.engine is not None
        targets = self.engine.targets
        min_scm = SCM_MIN_PER_TARGET * targets * nranks
        min_nvme = NVME_MIN_PER_TARGET * targets * nranks
        min_total = min_scm + (min_nvme if nvme > 0 else 0)
        if nvme and nvme < NVME_MIN_PER_TARGET * targets and self.rel.series < (2, 4):
            raise pool_tier_too_small(  # 2.0 checks NVMe first
                self.rel, "NVMe", nvme, targets, human_bytes(min_total + MIB),
                human_bytes(min_nvme + MIB),
            )  # fmt: skip
        if scm < SCM_MIN_PER_TARGET * targets:
            raise pool_tier_too_small(
                self.rel, "SCM", scm, targets, human_bytes(min_total + MIB),
                human_bytes(min_scm + MIB),
            )  # fmt: skip
        if nvme and nvme < NVME_MIN_PER_TARGET * targets:
            raise pool_tier_too_small(
                self.rel, "NVMe", nvme, targets, human_bytes(min_total + MIB),
                human_bytes(min_nvme + MIB),
            )  # fmt: skip

    def rpc_pool_list(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            st = self._require_ms()
            return [self._pool_record(p) for p in sorted(st.pools, key=lambda p: p.label)]

    def _pool(self, ident: str) -> state.Pool:
        st = self._require_ms()
        pool = st.find_pool(ident)
        if pool is None:
            raise pool_not_found(self.rel, ident)
        return pool

    def rpc_pool_query(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            pool = self._pool(str(params["pool"]))
            if self.member_state != "joined":
                raise pool_no_service_ranks(pool.uuid)
            return self._pool_record(pool)

    def rpc_pool_destroy(self, params: dict[str, Any]) -> None:
        with self.lock:
            st = self._require_ms()
            pool = self._pool(str(params["pool"]))
            # 2.0 has no container check (and no --recursive)
            if pool.containers and not params.get("recursive") and self.rel.series >= (2, 4):
                raise pool_has_containers(self.rel)
            if self.member_state != "joined":
                raise pool_no_service_ranks(pool.uuid)
            busy = [h for h, (p, _) in self.handles.items() if p == pool.uuid]
            if busy and not params.get("force"):
                raise der("DER_BUSY")  # open handles: the pool evict refuses without --force
            for handle in busy:
                del self.handles[handle]
            st.pools.remove(pool)
            self._save()
            fs.remove_tree(fs.data_root(self.scm_mount) / pool.uuid)
            self.log("INFO", f"pool {pool.uuid} ({pool.label}) destroyed")

    # --- clients (through daos_agent) -----------------------------------------------------

    def rpc_attach_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """What libdaos asks the agent at init; fails as a crt timeout without an engine."""
        with self.lock:
            if self.state is None or self.member_state != "joined":
                raise der("DER_TIMEDOUT")
            return {
                "system": self.state.name,
                "provider": self.cfg.provider,
                "uri": self.fabric_uri,
            }

    def _client_pool(self, ident: str) -> state.Pool:
        if self.state is None or self.member_state != "joined":
            raise der("DER_TIMEDOUT")
        pool = self.state.find_pool(ident)
        if pool is None:
            raise der("DER_NONEXIST")
        return pool

    def rpc_client_pool_query(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return self._pool_record(self._client_pool(str(params["pool"])))

    def _cont_record(self, pool: state.Pool, cont: state.Container) -> dict[str, Any]:
        return {
            "pool_uuid": pool.uuid,
            "uuid": cont.uuid,
            "label": cont.label,
            "type": cont.type,
            "open_time": cont.open_time,
            "close_modify_time": cont.close_modify_time,
            "chunk_size": cont.chunk_size,
            "handles": sum(1 for h in self.handles.values() if h == (pool.uuid, cont.uuid)),
        }

    def _container(self, params: dict[str, Any]) -> tuple[state.Pool, state.Container]:
        pool = self._client_pool(str(params["pool"]))
        cont = pool.find_container(str(params["cont"]))
        if cont is None:
            raise der("DER_NONEXIST")
        return pool, cont

    def rpc_cont_create(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            pool = self._client_pool(str(params["pool"]))
            label = str(params.get("label") or "")
            if label and pool.find_container(label) is not None:
                raise der("DER_EXIST")
            ctype = str(params.get("type") or "unknown")
            now = hlc_now()
            cont = state.Container(
                uuid=str(uuidlib.uuid4()),
                label=label,
                type=ctype,
                open_time=now if ctype == "POSIX" else 0,
                close_modify_time=now + (1 << 20 if ctype == "POSIX" else 0),
                properties=str(params.get("properties") or ""),
                chunk_size=int(params.get("chunk_size") or 0),
            )
            pool.containers.append(cont)
            self._save()
            return self._cont_record(pool, cont)

    def rpc_cont_list(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self.lock:
            pool = self._client_pool(str(params["pool"]))
            ordered = sorted(pool.containers, key=lambda c: (c.label, c.uuid))
            return [self._cont_record(pool, c) for c in ordered]

    def rpc_cont_query(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return self._cont_record(*self._container(params))

    def rpc_cont_destroy(self, params: dict[str, Any]) -> None:
        with self.lock:
            pool, cont = self._container(params)
            busy = [h for h, ids in self.handles.items() if ids == (pool.uuid, cont.uuid)]
            if busy and not params.get("force"):
                raise der("DER_BUSY")
            for handle in busy:
                del self.handles[handle]
            pool.containers.remove(cont)
            self._save()
            fs.remove_tree(fs.container_dir(self.scm_mount, pool.uuid, cont.uuid))

    # --- dfuse: container handles and the container's files ---------------------------------

    def rpc_cont_open(self, params: dict[str, Any]) -> dict[str, Any]:
        """Open a POSIX container for dfuse: a handle that keeps the pool busy until closed."""
        with self.lock:
            pool = self._client_pool(str(params["pool"]))
            cont = pool.find_container(str(params["cont"]))
            if cont is None:
                raise der("DER_NONEXIST")
            if cont.type != "POSIX":
                raise der("DER_INVAL")
            handle = str(uuidlib.uuid4())
            self.handles[handle] = (pool.uuid, cont.uuid)
            fs.container_dir(self.scm_mount, pool.uuid, cont.uuid).mkdir(
                parents=True, exist_ok=True
            )
            self.log("INFO", f"container {cont.uuid} of pool {pool.uuid} opened ({handle})")
            return {"handle": handle, "pool_uuid": pool.uuid, "cont_uuid": cont.uuid}

    def rpc_cont_close(self, params: dict[str, Any]) -> None:
        with self.lock:
            self.handles.pop(str(params.get("handle")), None)

    def _handle(self, params: dict[str, Any]) -> tuple[state.Pool, str]:
        ids = self.handles.get(str(params.get("handle")))
        if ids is None or self.state is None:
            raise der("DER_NO_HDL")
        if self.member_state != "joined":
            raise der("DER_TIMEDOUT")
        pool = self.state.find_pool(ids[0])
        if pool is None:
            raise der("DER_NO_HDL")
        return pool, ids[1]

    def rpc_fs(self, params: dict[str, Any]) -> dict[str, Any]:
        """One file-system operation of a dfuse mount (see fs.py)."""
        with self.lock:
            pool, cont_uuid = self._handle(params)
            record = self._pool_record(pool)
            if params.get("op") == "statfs":
                scm_total, nvme_total = (b * len(pool.ranks) for b in pool.tier_bytes)
                return {
                    "total": scm_total + nvme_total,
                    "free": record["scm_free"] + record["nvme_free"],
                }
            root = fs.container_dir(self.scm_mount, pool.uuid, cont_uuid)
            return fs.serve(root, params, record["nvme_free"] + record["scm_free"])
