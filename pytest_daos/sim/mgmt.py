"""The control plane's services: storage scan/format, the management service (system,
pools) and the pool/container operations clients reach through the agent.

The sim keeps release-neutral records (plain dicts) and lets responses.py shape them. The
system state machine follows CONTRACT.md §9: format required -> (format) engine starting,
management service not ready (dmg retries) -> rank joined -> stopped <-> joined.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from . import faults, fs, responses, state
from .config import Engine, ServerConfig
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
#: where daos_server finds the engine when no daos_engine is on PATH (a DAOS install)
ENGINE_BINARY = "/usr/bin/daos_engine"
#: pool service replicas without --nsvc (real DAOS 2.6.5 put them on both of two ranks)
DEFAULT_SVC_REPS = 3
#: how long a request waits for a pool service that does not answer (dmg retries; callers
#: give up first)
UNANSWERED_WAIT = 300.0

CONTAINER_TYPES = ("POSIX", "HDF5", "PYTHON", "SPARK", "DATABASE", "ROOT", "SEISMIC", "METEO")

LogFn = Callable[[str, str], None]


def _round_up(value: int, unit: int = 4096) -> int:
    return -(-value // unit) * unit


def valid_label(label: str) -> bool:
    """DAOS label rules: 1-127 of [A-Za-z0-9._:-], and not something that parses as a UUID."""
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-")
    return 0 < len(label) <= 127 and set(label) <= allowed and not is_uuid(label)


@dataclass
class Rank:
    """One engine instance of this server and the rank it serves (instance i, rank i)."""

    index: int
    runner: EngineRunner
    fabric_uri: str
    state: str = "awaitformat"
    info: str = ""
    last_update: str = field(default_factory=rfc3339_nano)
    incarnation: int = 0

    def touch(self, member_state: str, info: str = "") -> None:
        self.state = member_state
        self.info = info
        self.last_update = rfc3339_nano()


class Service:
    def __init__(self, cfg: ServerConfig, rel: Release, log: LogFn, join_delay: float) -> None:
        self.cfg = cfg
        self.rel = rel
        self.log = log
        self.join_delay = join_delay
        self.lock = threading.RLock()
        self.engine = cfg.engines[0] if cfg.engines else None
        self.state: state.SystemState | None = None
        self.ms_ready = False
        #: open container handles (dfuse mounts): handle id -> (pool uuid, container uuid)
        self.handles: dict[str, tuple[str, str]] = {}
        self.addr = f"{resolve(cfg.access_points[0])}:{cfg.port}"
        self.ranks = [
            Rank(index, EngineRunner(cfg, index, log, partial(self._engine_ready, index),
                                     partial(self._engine_exited, index)),
                 self._fabric_uri(engine))
            for index, engine in enumerate(cfg.engines)
        ]  # fmt: skip
        self.fault_domain = "/" + hostname()
        delay = float(os.environ.get(faults.FAULT_DELAY_ENV) or 1.0)
        self.rebuilds = faults.Rebuilds(self.lock, delay, self._save)

    def _fabric_uri(self, engine: Engine) -> str:
        ip = iface_ip(engine.fabric_iface) or resolve(self.cfg.access_points[0])
        return f"{engine.provider}://{ip}:{engine.fabric_iface_port}"

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def scm_mount(self) -> str:
        assert self.engine is not None
        return self.engine.scm.scm_mount

    @property
    def member_state(self) -> str:
        """The state of rank 0, whose SCM holds the system's state: the data plane is up
        while it is joined."""
        return self.ranks[0].state if self.ranks else "awaitformat"

    def down(self) -> set[int]:
        """The ranks whose engine is not joined."""
        return {rank.index for rank in self.ranks if rank.state != "joined"}

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
                f"(system {loaded.name} {loaded.uuid}); starting the engines",
            )
            for rank in self.ranks:
                self._start_engine(rank)

    def shutdown(self) -> None:
        for rank in self.ranks:
            rank.runner.stop()

    def _start_engine(self, rank: Rank) -> int:
        rank.touch("starting")
        pid = rank.runner.start(rank.index)
        self.log("INFO", f"instance {rank.index}: DAOS I/O Engine starting (pid {pid})")
        return pid

    def _engine_ready(self, index: int, pid: int) -> None:
        timer = threading.Timer(self.join_delay, self._join, args=(index, pid))
        timer.daemon = True
        timer.start()

    def _join(self, index: int, pid: int) -> None:
        with self.lock:
            rank = self.ranks[index]
            if rank.runner.pid != pid or not rank.runner.running:
                return
            if rank.state not in ("starting", "ready"):
                return
            rank.incarnation = hlc_now()
            rank.touch("joined")
            self.ms_ready = True
            self.log("INFO", f"rank {index} joined system {self.cfg.name}; MS leader running")

    def _engine_exited(self, index: int, pid: int, how: str) -> None:
        with self.lock:
            self.log("ERROR", f"instance {index} exited: {how}")
            rank = self.ranks[index]
            if rank.runner.pid != pid:
                return  # an engine replaced since
            if self.ms_ready and rank.state in ("joined", "ready", "starting"):
                # as daos_server words it: "<engine binary> exited: signal: killed"
                binary = shutil.which("daos_engine") or ENGINE_BINARY
                rank.touch(
                    "errored", f"DAOS engine {index} exited unexpectedly: {binary} exited: {how}"
                )
                self._declare_dead_later(rank)

    def _declare_dead_later(self, rank: Rank) -> None:
        """SWIM: the other engines declare the rank dead after a while and the system
        excludes it; each pool whose service keeps its majority excludes it a while later
        and rebuilds."""
        incarnation = rank.incarnation

        def dead() -> None:
            if rank.incarnation != incarnation or rank.state not in ("stopped", "errored"):
                return  # started again meanwhile
            if not any(other.state == "joined" for other in self.ranks if other is not rank):
                return  # SWIM runs among the engines: with none left, none declares it dead
            rank.touch("excluded", rank.info)
            self.log("INFO", f"marking rank {rank.index} as Excluded (rank dead event)")
            self.rebuilds.later(1, exclude_from_pools)

        def exclude_from_pools() -> None:
            if rank.incarnation != incarnation or self.state is None:
                return
            for pool in self.state.pools:
                if rank.index in pool.ranks and faults.service_survives(pool, self.down()):
                    self.rebuilds.exclude(pool, rank.index, "death")
            self._save()

        self.rebuilds.later(1, dead)

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
        nvme, scm = [], []
        with self.lock:
            if self.state is not None:
                raise format_running_system(self.rel)
            for rank in self.ranks:
                engine = self.cfg.engines[rank.index]
                scm_info, nvme_info = "CTL_SUCCESS", "CTL_SUCCESS"
                if os.path.ismount(engine.scm.scm_mount):
                    scm_info = "SCM is already formatted"
                    nvme_info = (
                        f"NVMe format skipped on instance {rank.index}, SCM was not formatted"
                    )
                else:
                    self._mount_scm(engine, rank.index)
                self._create_bdevs(engine)
                nvme += [
                    responses.formatted_bdev(
                        self.rel, nvme_info, path if nvme_info == "CTL_SUCCESS" else "<nil>",
                        rank.index,
                    )
                    for path in engine.bdev_files
                ]  # fmt: skip
                scm.append(
                    responses.formatted_scm(self.rel, scm_info, engine.scm.scm_mount, rank.index)
                )
                self.log(
                    "INFO",
                    f"instance {rank.index}: storage formatted ({engine.scm.scm_mount}: "
                    f"{scm_info})",
                )
            fs.remove_tree(fs.data_root(self.scm_mount))  # a format leaves no old files
            self.state = state.SystemState.new(self.cfg.name, len(self.ranks))
            self._save()
            for rank in self.ranks:
                self._start_engine(rank)
        return {
            "storage": responses.host_storage(
                self.rel, nvme_devices=nvme or None, scm_mount_points=scm
            )
        }

    def _mount_scm(self, engine: Engine, index: int) -> None:
        mount, size = engine.scm.scm_mount, engine.scm.scm_size
        try:
            os.makedirs(mount, exist_ok=True)
        except OSError as exc:
            raise SimError(f"format failed: create {mount}: {exc.strerror}") from None
        command = ["mount", "-t", "tmpfs", "-o", f"size={size}g", "tmpfs", mount]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            raise SimError(f"format failed: {' '.join(command)}: {exc}") from None
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip() or f"exit {result.returncode}"
            self.log("ERROR", f"instance {index}: mount of {mount} failed: {detail}")
            raise SimError(f"format failed: mount tmpfs at {mount}: {detail}")

    def _create_bdevs(self, engine: Engine) -> None:
        for tier in engine.bdevs:
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

    def _member(self, rank: Rank) -> dict[str, Any]:
        assert self.state is not None
        engine = self.cfg.engines[rank.index]
        return {
            "addr": self.addr,
            "state": rank.state,
            "fault_domain": self.fault_domain,
            "rank": rank.index,
            "incarnation": rank.incarnation,
            "uuid": self.state.members[rank.index].uuid,
            "fabric_uri": rank.fabric_uri,
            "fabric_contexts": engine.targets + engine.nr_xs_helpers + 2,
            "info": rank.info,
            "last_update": rank.last_update,
        }

    def _select(self, wanted: list[int] | None) -> tuple[list[Rank], list[int]]:
        if wanted is None:
            return list(self.ranks), []
        known = {rank.index for rank in self.ranks}
        chosen = [rank for rank in self.ranks if rank.index in wanted]
        return chosen, [r for r in wanted if r not in known]

    def rpc_system_query(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._require_ms()
            chosen, absent = self._select(params.get("ranks"))
            members = [self._member(rank) for rank in chosen]
            return {"members": members, "providers": [self.cfg.provider], "absent": absent}

    def _result(self, rank: Rank, action: str, **changes: Any) -> dict[str, Any]:
        result = {"addr": self.addr, "rank": rank.index, "action": action, "errored": False,
                  "msg": f"system {action}", "state": rank.state}  # fmt: skip
        return {**result, **changes}

    def rpc_system_stop(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._require_ms()
            chosen, absent = self._select(params.get("ranks"))
            for rank in chosen:
                rank.touch("stopping")
        for rank in chosen:
            rank.runner.stop()
        with self.lock:
            for rank in chosen:
                rank.touch("stopped", "system stop")
                self.log("INFO", f"instance {rank.index} stopped (system stop)")
                self._declare_dead_later(rank)
            return {"results": [self._result(rank, "stop") for rank in chosen], "absent": absent}

    def rpc_system_start(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self._require_ms()
            chosen, absent = self._select(params.get("ranks"))
            starting = [rank for rank in chosen if not rank.runner.running]
            for rank in starting:
                self._start_engine(rank)
        for rank in starting:
            proc = rank.runner.proc
            for _ in range(200):  # the engine's start line, or its exit
                if rank.runner.ready.wait(0.05) or (proc is not None and proc.poll() is not None):
                    break
        with self.lock:
            results = []
            for rank in chosen:
                if rank not in starting:
                    results.append(self._result(rank, "start"))
                elif rank.runner.ready.is_set() and rank.runner.running:
                    if rank.state == "starting":
                        rank.touch("ready", "system start")
                    results.append(self._result(rank, "start"))
                else:
                    failed = f"DAOS engine {rank.index} failed to start"
                    rank.touch("errored", failed)
                    results.append(self._result(rank, "start", errored=True, msg=failed))
            return {"results": results, "absent": absent}

    def rpc_system_erase(self, params: dict[str, Any]) -> None:
        with self.lock:
            self._require_ms()
            for rank in self.ranks:
                if rank.runner.running:
                    raise instances_not_stopped(self.rel, "system erase", rank.index)
            state.erase(self.scm_mount)
            fs.remove_tree(fs.data_root(self.scm_mount))
            self.handles.clear()
            self.state = None
            self.ms_ready = False
            for rank in self.ranks:
                rank.touch("awaitformat")
            self.log("INFO", "system erased; SCM format required on instance 0")

    # --- pools ----------------------------------------------------------------------------

    def _pool_record(self, pool: state.Pool) -> dict[str, Any]:
        assert self.engine is not None
        scm, nvme = pool.tier_bytes
        # the space of the ranks the pool has in: an excluded rank's is not counted
        nranks = len([rank for rank in pool.ranks if rank not in pool.disabled])
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
            "svc_ldr": next((r for r in pool.svc_reps if r not in self.down()), pool.svc_reps[0]),
            "state": "Degraded" if pool.disabled else "Ready",
            "tier_bytes": pool.tier_bytes,
            "targets": self.engine.targets * len(pool.ranks),
            "disabled_targets": self.engine.targets * len(pool.disabled),
            "disabled_ranks": sorted(pool.disabled),
            "active_ranks": nranks,
            "version": pool.version,
            "rebuild": pool.rebuild,
            "rebuild_objects": pool.rebuild_objects,
            "rebuild_records": pool.rebuild_records,
            "scm_free": max(0, scm_total - overhead),
            "nvme_free": max(0, nvme_total - nranks * POOL_NVME_OVERHEAD - stored),
            "available": self.member_state == "joined" and not faults.unanswered(pool, self.down()),
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
                svc_reps=selected[: max(1, min(nsvc or DEFAULT_SVC_REPS, len(selected)))],
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
        self._wait_answer(pool)
        with self.lock:
            return self._pool_record(pool)

    def _wait_answer(self, pool: state.Pool, rank: int | None = None) -> None:
        """Block (not holding the lock) while the pool service cannot answer, or while
        `rank` is not joined, as a real dmg call waits; DER_TIMEDOUT after UNANSWERED_WAIT."""
        deadline = time.monotonic() + UNANSWERED_WAIT
        while time.monotonic() < deadline:
            with self.lock:
                down = self.down()
                if not faults.unanswered(pool, down) and (rank is None or rank not in down):
                    return
            time.sleep(0.05)
        raise der("DER_TIMEDOUT")

    def _pool_rank(self, params: dict[str, Any]) -> tuple[state.Pool, int]:
        with self.lock:
            self._require_ms()
            pool = self._pool(str(params["pool"]))
            rank = int(params["rank"])
            if rank not in pool.ranks:
                raise pool_invalid_ranks(self.rel, [rank])
            return pool, rank

    def rpc_pool_exclude(self, params: dict[str, Any]) -> dict[str, Any]:
        """Exclude the targets of a rank (running or not): the pool degrades at once."""
        pool, rank = self._pool_rank(params)
        self._wait_answer(pool)
        with self.lock:
            self.rebuilds.exclude(pool, rank, "exclude")
            self._save()
            return {"id": params["pool"], "rank": rank}

    def rpc_pool_reintegrate(self, params: dict[str, Any]) -> dict[str, Any]:
        """Reintegrate a rank's targets: no answer while the rank is down (as real 2.6.5)."""
        pool, rank = self._pool_rank(params)
        self._wait_answer(pool, rank)
        with self.lock:
            self.rebuilds.reintegrate(pool, rank)
            self._save()
            return {"id": params["pool"], "rank": rank}

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
                "uri": self.ranks[0].fabric_uri,
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
            "redundancy_factor": cont.redundancy_factor,
            "oclass": cont.oclass,
            "dir_oclass": cont.dir_oclass,
            "handles": sum(1 for h in self.handles.values() if h == (pool.uuid, cont.uuid)),
        }

    def _container(self, params: dict[str, Any]) -> tuple[state.Pool, state.Container]:
        pool = self._client_pool(str(params["pool"]))
        cont = pool.find_container(str(params["cont"]))
        if cont is None:
            raise der("DER_NONEXIST")
        return pool, cont

    def _reachable(self, pool_ident: str) -> None:
        """Wait, as a client's I/O does, while a rank of the pool is down and not excluded."""
        with self.lock:
            pool = self.state.find_pool(pool_ident) if self.state is not None else None
        if pool is not None:
            self._wait_answer(pool)

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
                oclass=str(params.get("oclass") or ""),
                dir_oclass=str(params.get("dir_oclass") or ""),
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
        self._reachable(str(params["pool"]))
        with self.lock:
            pool = self._client_pool(str(params["pool"]))
            cont = pool.find_container(str(params["cont"]))
            if cont is None:
                raise der("DER_NONEXIST")
            if cont.type != "POSIX":
                raise der("DER_INVAL")
            if cont.unclean:
                raise der("DER_RF")
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
        cont = pool.find_container(ids[1])
        if cont is not None and cont.unclean:
            raise der("DER_IO")  # data lost beyond its redundancy: every access fails
        return pool, ids[1]

    def rpc_fs(self, params: dict[str, Any]) -> dict[str, Any]:
        """One file-system operation of a dfuse mount (see fs.py)."""
        ids = self.handles.get(str(params.get("handle")))
        if ids is not None:
            self._reachable(ids[0])
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
