"""dmg, the DAOS admin tool: storage scan/format, system query/stop/start/erase,
pool create/list/query/destroy. One handler per command; JSON shapes in responses.py,
plain output in pretty.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from . import flags, pretty, responses, tool
from .config import ConfigError, ControlConfig, load_control
from .ctl import Ctl, expand_hosts
from .errors import SimError, go_quote
from .mgmt import valid_label
from .output import rank_set
from .releases import Release
from .security import max_key_perm, preload_cert_data
from .sizes import SizeError, human_bytes, parse_bytes
from .tool import Outcome

PROGRAM = "dmg"
POOL_CREATE_TIMEOUT = 600.0


# --- flag value types (go-flags shows their Go type names in errors) -------------------------


def parse_size(value: str) -> int:
    if value == "":
        raise ValueError("no size specified")
    try:
        return parse_bytes(value)
    except SizeError:
        raise ValueError(f"invalid size {go_quote(value)}") from None


def parse_pool_size(value: str) -> tuple[str, int]:
    """poolSizeFlag: `N%` of the free space (1..100), or an absolute size."""
    trimmed = value.strip()
    if trimmed.endswith("%"):
        number = trimmed[:-1].strip()
        if not number.isdigit():
            raise ValueError(
                f"invalid pool size ratio {go_quote(value)}: strconv.ParseUint: "
                f"parsing {go_quote(number)}: invalid syntax"
            )
        ratio = int(number)
        if not 0 < ratio <= 100:
            raise ValueError(
                f"Creating DAOS pool with invalid full size ratio {value}: "
                "allowed range 0 < ratio <= 100"
            )
        return ("percent", ratio)
    return ("bytes", parse_size(value))


def parse_tier_ratio(value: str) -> list[float]:
    if value == "":
        raise ValueError("no tier ratio specified")
    ratios = []
    for part in value.split(","):
        try:
            ratio = float(part.strip("%").strip())
        except ValueError:
            raise ValueError(f"invalid tier ratio {go_quote(part)}") from None
        ratios.append(round(ratio, 2) / 100)
    if len(ratios) == 1:
        ratios.append(1 - ratios[0] if ratios[0] < 1 else 0.0)
    if any(r < 0 or r > 1 for r in ratios):
        raise ValueError("Storage tier ratio must be a value between 0-100")
    if abs(sum(ratios) - 1) > 0.01:
        raise ValueError(f"Storage tier ratios must add up to 100 (got {sum(ratios) * 100:f})")
    return ratios


def parse_ranks(value: str) -> list[int]:
    """A rank set: `0`, `0,2`, `0-3`, `[0-3,5]`."""
    text = value.strip().strip("[]")
    ranks: list[int] = []
    try:
        for item in filter(None, (p.strip() for p in text.split(","))):
            lo, _, hi = item.partition("-")
            ranks += range(int(lo), int(hi or lo) + 1)
    except ValueError:
        raise ValueError(f"unexpected rank set {go_quote(value)}") from None
    return sorted(set(ranks))


def parse_uint(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"strconv.ParseUint: parsing {go_quote(value)}: invalid syntax")
    return int(value)


# --- the command tree ------------------------------------------------------------------------

Opt, Arg, Cmd = flags.Opt, flags.Arg, flags.Cmd
HOST_LIST = Opt(
    "host-list",
    "l",
    arg="HOSTS",
    help="A comma separated list of addresses <ipv4addr/hostname:port> to connect to",
)
RANKS = Opt(
    "ranks",
    "r",
    arg="RANKS",
    convert=parse_ranks,
    gotype="ui.RankSetFlag",
    help="Comma separated ranges or individual system ranks to operate on",
)
RANK_HOSTS = Opt("rank-hosts", arg="HOSTS", help="Hostlist representing hosts of ranks")
POOL_ID = Arg("<pool label or UUID>", "pool", required=True)

POOL_ID_20 = Arg("<pool name or UUID>", "pool")


def _since(rel: Release, series: tuple[int, int], *items: flags.Opt) -> tuple[flags.Opt, ...]:
    """`items` if the release is `series` or newer, else nothing."""
    return items if rel.series >= series else ()


def command_tree(rel: Release) -> flags.Cmd:
    """dmg's commands and flags as the release has them (CONTRACT.md §0, §2)."""
    old = rel.series < (2, 4)
    local_hosts = _since(rel, (2, 4), HOST_LIST)  # 2.0: --host-list is global only
    if old:
        size = Opt("size", "z", arg="SIZE", help="Total size of DAOS pool (auto)")
        ratio = Opt(
            "tier-ratio", "t", arg="RATIO", help="Percentage of storage tiers for pool storage"
        )
        scm_size = Opt("scm-size", "s", arg="SIZE", help="Per-server SCM allocation (manual)")
        nvme_size = Opt("nvme-size", "n", arg="SIZE", help="Per-server NVMe allocation (manual)")
        label: tuple[flags.Opt, ...] = (
            Opt("label", "p", arg="LABEL", help="Unique label for pool (deprecated)"),
        )
        ranks = Opt("ranks", "r", arg="RANKS", help="Storage server unique identifiers (ranks)")
    else:
        size = Opt(
            "size",
            "z",
            arg="SIZE",
            convert=parse_pool_size,
            gotype="main.poolSizeFlag",
            help="Total size of DAOS pool or its percentage ratio (auto)",
        )
        ratio = Opt(
            "tier-ratio",
            "t",
            arg="RATIO",
            convert=parse_tier_ratio,
            gotype="main.tierRatioFlag",
            help="Percentage of storage tiers for pool storage (auto; default: 6,94)",
        )
        scm_size = Opt(
            "scm-size",
            "s",
            arg="SIZE",
            convert=parse_size,
            gotype="ui.ByteSizeFlag",
            help="Per-engine SCM allocation for DAOS pool (manual)",
        )
        nvme_size = Opt(
            "nvme-size",
            "n",
            arg="SIZE",
            convert=parse_size,
            gotype="ui.ByteSizeFlag",
            help="Per-engine NVMe allocation for DAOS pool (manual)",
        )
        label = ()
        ranks = RANKS
    return Cmd(
        PROGRAM,
        options=(
            Opt("allow-proxy", help="Allow proxy configuration via environment"),
            HOST_LIST,
            Opt("insecure", "i", help="Have dmg attempt to connect without certificates"),
            Opt("debug", "d", help="Enable debug output"),
            *_since(rel, (2, 4), Opt("log-file", arg="PATH", help="Log command output to a file")),
            Opt("json", "j", help="Enable JSON output"),
            Opt("json-logging", "J", help="Enable JSON-formatted log output"),
            Opt("config-path", "o", arg="PATH", help="Client config file path"),
        ),
        commands=(
            Cmd(
                "storage",
                aliases=("sto",),
                help="Perform tasks related to storage attached to remote servers",
                commands=(
                    Cmd(
                        "scan",
                        help="Scan SCM and NVMe storage attached to remote servers",
                        options=(
                            Opt("verbose", "v", help="List SCM & NVMe device details"),
                            Opt("nvme-health", "n", help="Display NVMe device health"),
                            *(
                                ()
                                if rel.series >= (2, 6)
                                else (Opt("nvme-meta", "m", help="Display server meta data"),)
                            ),
                            *local_hosts,
                        ),
                    ),
                    Cmd(
                        "format",
                        help="Format SCM and NVMe storage attached to remote servers",
                        options=(
                            Opt("verbose", "v", help="Show results of each SCM & NVMe device"),
                            Opt("force", help="Force storage format on a host"),
                            *(
                                (Opt("reformat", help="Reformat storage (alias of --force)"),)
                                if old
                                else ()
                            ),
                            *_since(rel, (2, 6), Opt("replace", help="Replace a rank")),
                            *local_hosts,
                        ),
                    ),
                ),
            ),
            Cmd(
                "system",
                aliases=("sys",),
                help="Perform distributed tasks related to DAOS system",
                commands=(
                    Cmd(
                        "query",
                        help="Query DAOS system status",
                        options=(
                            Opt("verbose", "v", help="Display more member details"),
                            RANKS,
                            RANK_HOSTS,
                            *_since(
                                rel,
                                (2, 6),
                                Opt("not-ok", help="Display components that need attention"),
                                Opt("with-states", arg="STATES", help="Only these states"),
                            ),
                        ),
                    ),
                    Cmd(
                        "stop",
                        help="Perform controlled shutdown of DAOS system",
                        options=(
                            RANKS,
                            RANK_HOSTS,
                            Opt("force", help="Force stop DAOS system members"),
                            *_since(
                                rel,
                                (2, 6),
                                Opt("full", help="Attempt a full-system shutdown"),
                                Opt("ignore-admin-excluded", help="Ignore AdminExcluded ranks"),
                            ),
                        ),
                    ),
                    Cmd(
                        "start",
                        help="Perform start of stopped DAOS system",
                        options=(
                            RANKS,
                            RANK_HOSTS,
                            *_since(
                                rel,
                                (2, 6),
                                Opt("ignore-admin-excluded", help="Ignore AdminExcluded ranks"),
                            ),
                        ),
                    ),
                    Cmd("erase", help="Erase system metadata prior to reformat"),
                ),
            ),
            Cmd(
                "pool",
                help="Perform tasks related to DAOS pools",
                commands=(
                    Cmd(
                        "create",
                        help="Create a DAOS pool",
                        options=(
                            Opt("group", "g", arg="GROUP", help="Owner group of the pool"),
                            Opt("user", "u", arg="USER", help="Owner of the pool"),
                            *label,
                            Opt(
                                "properties",
                                "P",
                                arg="PROPS",
                                repeat=True,
                                gotype="main.PoolSetPropsFlag",
                                help="Pool properties to be set",
                            ),
                            Opt("acl-file", "a", arg="PATH", help="Access Control List file path"),
                            size,
                            ratio,
                            Opt(
                                "nranks",
                                "k",
                                arg="N",
                                convert=parse_uint,
                                gotype="uint32",
                                help="Number of ranks to use (auto)",
                            ),
                            Opt(
                                "nsvc",
                                "v",
                                arg="N",
                                convert=parse_uint,
                                gotype="uint32",
                                help="Number of pool service replicas",
                            ),
                            scm_size,
                            nvme_size,
                            ranks,
                        ),
                        args=(Arg("<pool label>", "label", required=not old),),
                    ),
                    Cmd(
                        "destroy",
                        help="Destroy a DAOS pool",
                        args=(POOL_ID_20 if old else POOL_ID,),
                        options=(
                            Opt("force", "f", help="Forcibly destroy pool with active handles"),
                            *_since(
                                rel,
                                (2, 4),
                                Opt("recursive", "r", help="Remove pool with existing containers"),
                            ),
                        ),
                    ),
                    Cmd(
                        "list",
                        aliases=("ls",),
                        help="List DAOS pools",
                        options=(
                            Opt("verbose", "v", help="Add pool UUIDs and service replicas"),
                            Opt("no-query", "n", help="Disable query of listed pools"),
                            *_since(
                                rel,
                                (2, 6),
                                Opt("rebuild-only", "r", help="List only pools rebuilding"),
                            ),
                        ),
                    ),
                    *pool_rank_commands(rel, POOL_ID_20 if old else POOL_ID),
                    Cmd(
                        "query",
                        help="Query a DAOS pool",
                        args=(POOL_ID_20 if old else POOL_ID,),
                        options=(
                            *_since(
                                rel,
                                (2, 4),
                                Opt("show-enabled", "e", help="Show enabled ranks"),
                                Opt("show-disabled", "b", help="Show disabled ranks"),
                            ),
                            *_since(
                                rel,
                                (2, 6),
                                Opt("health-only", "t", help="Only pool health queries"),
                            ),
                        ),
                    ),
                ),
            ),
            Cmd("version", help="Print dmg version"),
        ),
    )


def pool_rank_commands(rel: Release, pool_id: flags.Arg) -> tuple[flags.Cmd, ...]:
    """`pool exclude` and `pool reintegrate`: `--ranks=` (a rank set) from 2.6, one
    `--rank=` before; `--target-idx` in all; exclude's `--force` from 2.6."""
    if rel.series >= (2, 6):
        rank = Opt("ranks", arg="RANKS", convert=parse_ranks, required=True,
                   help="Comma-separated list of rank-range strings to operate on")  # fmt: skip
    else:
        rank = Opt("rank", arg="N", convert=parse_uint, gotype="uint32", required=True,
                   help="Engine rank of the targets")  # fmt: skip
    target = Opt("target-idx", arg="IDX", help="Comma-separated list of target idx(s)")
    force = _since(rel, (2, 6), Opt("force", "f", help="Force the operation to continue"))
    return (
        Cmd("exclude", help="Exclude targets from a rank", args=(pool_id,),
            options=(rank, target, *force)),
        Cmd("reintegrate", help="Reintegrate targets for a rank", args=(pool_id,),
            options=(rank, target)),
    )  # fmt: skip


# --- running a command -----------------------------------------------------------------------


class Context:
    """One dmg command: its release, its command line and its control configuration, loaded
    and its certificates checked (unless -i or allow_insecure) before the command runs, as
    dmg does for every command but `version`."""

    def __init__(self, rel: Release, parsed: flags.Parsed) -> None:
        self.rel = rel
        self.parsed = parsed
        try:
            cfg = load_control(parsed.get("config_path"), rel)
        except ConfigError as exc:
            raise SimError(f"failed to load control configuration: {exc}") from None
        if parsed.get("insecure"):
            cfg = dataclasses.replace(
                cfg, transport=dataclasses.replace(cfg.transport, allow_insecure=True)
            )
        preload_cert_data(rel, cfg.transport, max_key_perm(rel, group_readable=True))
        self.config: ControlConfig = cfg

    @property
    def ctl(self) -> Ctl:
        cfg = self.config
        host_list = self.parsed.get("host_list")
        hosts = (
            expand_hosts(host_list, cfg.port)
            if host_list
            else [h if ":" in h else f"{h}:{cfg.port}" for h in cfg.hostlist]
        )
        return Ctl(hosts, self.rel)


def _incompatible(key: str, other: str) -> SimError:
    return SimError(f"--{key} may not be mixed with --{other}")


def _host_errors(errors: dict[str, SimError]) -> tuple[dict[str, str], SimError | None]:
    by_text: dict[str, list[str]] = {}
    for host, err in errors.items():
        by_text.setdefault(err.message, []).append(host)
    if not errors:
        return {}, None
    count = len(errors)
    error = SimError(f"{count} host{'s' if count > 1 else ''} had errors")
    return {text: ",".join(hosts) for text, hosts in by_text.items()}, error


def storage_scan(ctx: Context) -> Outcome:
    results, errors = ctx.ctl.fanout("storage_scan", {})
    host_errors, error = _host_errors(errors)
    storages = {host: r["storage"] for host, r in results.items()}
    response = responses.host_storage_map(ctx.rel, host_errors, storages)
    return Outcome(response, error, text=pretty.storage_scan(ctx.rel, storages))


def storage_format(ctx: Context) -> Outcome:
    p = ctx.parsed
    results, errors = ctx.ctl.fanout("storage_format", {"force": bool(p.get("force"))})
    running = f"client: code = {ctx.rel.format_running_code} description"  # fails the call
    for err in errors.values():
        if err.message.startswith(running):
            raise err
    host_errors, error = _host_errors(errors)
    storages = {host: r["storage"] for host, r in results.items()}
    response = responses.host_storage_map(ctx.rel, host_errors, storages)
    return Outcome(response, error, text=pretty.storage_format(ctx.rel, storages))


def _absent(ranks: list[int]) -> SimError:
    return SimError(f"non-existent ranks {rank_set(ranks)}")


def system_query(ctx: Context) -> Outcome:
    p = ctx.parsed
    try:
        result = ctx.ctl.ms("system_query", {"ranks": p.get("ranks")}, "SystemQueryReq")
    except SimError as exc:
        raise exc.wrap("system query failed") from None
    members = result["members"]
    if p.get("not_ok"):
        members = [m for m in members if m["state"] != "joined"]
    if p.get("with_states"):
        wanted = {s.strip().lower() for s in p.get("with_states").split(",")}
        members = [m for m in members if m["state"] in wanted]
    response = responses.system_query(ctx.rel, members, result["providers"] if members else None)
    if result["absent"]:
        error = _absent(result["absent"])
        return Outcome(response, error, error.wrap("system query failed"))
    return Outcome(response, text=pretty.system_query(ctx.rel, members, bool(p.get("verbose"))))


def _system_action(ctx: Context, action: str) -> Outcome:
    request = "SystemStopReq" if action == "stop" else "SystemStartReq"
    params = {"ranks": ctx.parsed.get("ranks"), "force": bool(ctx.parsed.get("force"))}
    try:
        result = ctx.ctl.ms(f"system_{action}", params, request)
    except SimError as exc:
        raise exc.wrap(f"system {action} failed") from None
    response = responses.member_results(ctx.rel, result["results"])
    failed = [r for r in result["results"] if r["errored"]]
    error = None
    if result["absent"]:
        error = _absent(result["absent"])
    elif failed:
        error = SimError(f"{len(failed)} rank{'s' if len(failed) > 1 else ''} failed to {action}")
    return Outcome(
        response,
        error,
        error.wrap(f"system {action} failed") if error else None,
        text=pretty.member_results(ctx.rel, result["results"]),
    )


def system_stop(ctx: Context) -> Outcome:
    return _system_action(ctx, "stop")


def system_start(ctx: Context) -> Outcome:
    return _system_action(ctx, "start")


def system_erase(ctx: Context) -> Outcome:
    try:
        ctx.ctl.ms("system_erase", {}, "SystemEraseReq")
    except SimError as exc:
        raise exc.wrap("system erase failed") from None
    return Outcome(None)


def _parse_20(what: str, value: str) -> int:
    try:
        return parse_bytes(value)
    except SizeError as exc:
        raise SimError(f"failed to parse pool {what}: {exc}") from None


def _sizes_20(ctx: Context, params: dict[str, Any]) -> str:
    """2.0's pool create sizes: --size (no N%) with an integer tier ratio summing to 100, or
    --scm-size [--nvme-size]; the request params are filled in, the intro line returned."""
    p = ctx.parsed
    size, scm, nvme = p.get("size"), p.get("scm_size"), p.get("nvme_size")
    if size and (scm or nvme):
        raise SimError("--size may not be mixed with --scm-size or --nvme-size")
    if not size and not scm:
        raise SimError("either --size or --scm-size must be supplied")
    if size:
        total = _parse_20("size", size)
        if p.get("nranks") and p.get("ranks"):
            raise _incompatible("num-ranks", "ranks")
        ratio_text = p.get("tier_ratio") or "6,94"
        ratios: list[int] = []
        for part in ratio_text.split(","):
            if not part.strip().isdigit():
                raise SimError(
                    "failed to parse tier ratios: strconv.ParseUint: parsing "
                    f"{go_quote(part.strip())}: invalid syntax"
                )
            ratios.append(int(part.strip()))
        if len(ratios) == 1 and ratios[0] < 100:
            ratios.append(100 - ratios[0])
        if any(r > 100 for r in ratios):
            raise SimError("Storage tier ratio must be a value between 0-100")
        if sum(ratios) != 100:
            raise SimError("Storage tier ratios must add up to 100")
        params.update(mode="total", total_bytes=total, tier_ratio=[r / 100 for r in ratios])
        return (
            "Creating DAOS pool with automatic storage allocation: "
            f"{human_bytes(total)} total, {ratio_text} tier ratio\n"
        )
    if p.get("nranks"):
        raise _incompatible("nranks", "scm-size")
    scm_bytes = _parse_20("SCM size", scm)
    nvme_bytes = _parse_20("NVMe size", nvme) if nvme else 0
    params.update(mode="manual", scm_bytes=scm_bytes, nvme_bytes=nvme_bytes)
    percent = 100.0 * scm_bytes / nvme_bytes if nvme_bytes else 100.0
    return (
        "Creating DAOS pool with manual per-engine storage allocation: "
        f"{human_bytes(scm_bytes)} SCM, {human_bytes(nvme_bytes)} NVMe ({percent:0.2f}% ratio)\n"
    )


def _sizes(ctx: Context, params: dict[str, Any]) -> str:
    """2.4+'s pool create sizes (N% of the free space too); see _sizes_20."""
    p = ctx.parsed
    size, scm, nvme = p.get("size"), p.get("scm_size"), p.get("nvme_size")
    nranks, ranks, ratio = p.get("nranks"), p.get("ranks"), p.get("tier_ratio")
    manual = scm is not None or nvme is not None
    if (manual and size) or not (manual or size):
        raise SimError(
            "unsupported option combination, use (--scm-size and --nvme-size) or "
            "(--meta-size and --data-size) or (--size)"
        )
    if size and size[0] == "percent":
        if nranks:
            raise _incompatible("size=%", "nranks")
        if ratio:
            raise _incompatible("size=%", "tier-ratio")
        params.update(mode="percent", percent=size[1])
        return f"Creating DAOS pool with {size[1]}% of all storage\n"
    if size:
        if nranks and ranks:
            raise _incompatible("nranks", "ranks")
        ratio = ratio or [0.06, 0.94]
        params.update(mode="total", total_bytes=size[1], tier_ratio=ratio)
        if ctx.rel.series >= (2, 6):
            shown = f"{100.0 * ratio[0] / ratio[1] if ratio[1] else 100.0:0.2f}% ratio"
        else:
            shown = ",".join(f"{100 * r:0.2f}%" for r in ratio) + " tier ratio"
        intro = (
            "Creating DAOS pool with automatic storage allocation: "
            f"{human_bytes(size[1])} total, {shown}"
        )
        return intro + (f" with {nranks} ranks\n" if nranks else "\n")
    if nranks:
        raise _incompatible("nranks", "scm-size")
    if ratio:
        raise _incompatible("tier-ratio", "scm-size")
    if nvme is not None and scm is None:
        raise SimError("--nvme-size cannot be set without --scm-size")
    scm, nvme = scm or 0, nvme or 0
    params.update(mode="manual", scm_bytes=scm, nvme_bytes=nvme)
    percent = 100.0 * scm / nvme if nvme else 100.0
    return (
        f"Creating DAOS pool with manual per-engine storage allocation: "
        f"{human_bytes(scm)} SCM, {human_bytes(nvme)} NVMe ({percent:0.2f}% ratio)\n"
    )


def pool_create(ctx: Context) -> Outcome:
    p = ctx.parsed
    label = p.get("label") or p.args.get("label", "")  # 2.0: -p/--label wins
    props = [item for value in p.get("properties", []) for item in value.split(",") if item]
    for prop in props:
        name, sep, _ = prop.partition(":")
        if not sep:
            raise SimError(f"invalid property {go_quote(prop)} (must be name:value)")
        if name.strip() == "label":
            if label:
                raise SimError("can't set label property with label argument")
            label = prop.partition(":")[2].strip()  # 2.0: -P label:X
    if label and not valid_label(label):
        raise SimError(f"invalid label {go_quote(label)}")
    if p.get("acl_file"):
        try:
            with open(p.get("acl_file")) as acl:
                acl.read()
        except OSError as exc:
            raise SimError(f"open {p.get('acl_file')}: {(exc.strerror or '').lower()}") from None
    ranks = p.get("ranks")
    if isinstance(ranks, str):  # 2.0 parses the rank list itself
        try:
            ranks = parse_ranks(ranks) if ranks else None
        except ValueError as exc:
            raise SimError(f"parsing rank list: {exc}") from None
    params: dict[str, Any] = {
        "label": label,
        "properties": [x for x in props if x.partition(":")[0].strip() != "label"],
        "ranks": ranks,
        "nranks": p.get("nranks"),
        "nsvc": p.get("nsvc"),
        "user": p.get("user"),
        "group": p.get("group"),
    }
    intro = _sizes_20(ctx, params) if ctx.rel.series < (2, 4) else _sizes(ctx, params)
    try:
        pool = ctx.ctl.ms("pool_create", params, "PoolCreateReq", timeout=POOL_CREATE_TIMEOUT)
    except SimError as exc:
        raise exc.wrap("pool create failed") from None
    return Outcome(
        responses.pool_create(ctx.rel, pool), text=pretty.pool_create(ctx.rel, pool, intro)
    )


def pool_list(ctx: Context) -> Outcome:
    p = ctx.parsed
    try:
        pools = ctx.ctl.ms("pool_list", {}, "ListPoolsReq")
    except SimError as exc:
        raise exc.wrap("list pools failed") from None
    if p.get("no_query"):
        pools = [dict(pool, available=False, no_query=True) for pool in pools]
    if p.get("rebuild_only"):
        pools = []  # the sim never rebuilds
    response = responses.pool_list(ctx.rel, pools)
    return Outcome(response, text=pretty.pool_list(ctx.rel, pools, bool(p.get("verbose"))))


def pool_query(ctx: Context) -> Outcome:
    p = ctx.parsed
    if p.get("show_enabled") and p.get("show_disabled"):
        raise SimError("--show-enabled-ranks may not be mixed with --show-disabled-ranks")
    try:
        pool = ctx.ctl.ms("pool_query", {"pool": p.args.get("pool", "")}, "PoolQueryReq")
    except SimError as exc:
        if ctx.rel.series >= (2, 6) or not exc.remote:
            raise
        # 2.0/2.4 print the zero-filled response with a server's error; 2.0 wraps the
        # error in plain mode only
        shown = exc.wrap("pool query failed") if ctx.rel.series < (2, 4) else exc
        return Outcome(
            responses.pool_query_resp(ctx.rel, None, "query"),
            exc,
            exc if p.get("json") else shown,
        )
    if ctx.rel.series < (2, 6):
        info = responses.pool_query_resp(
            ctx.rel, pool, "query", bool(p.get("show_enabled")), bool(p.get("show_disabled"))
        )
    else:
        info = responses.pool_info(ctx.rel, pool, "query", bool(p.get("show_disabled")))
    return Outcome(info, text=pretty.pool_query(ctx.rel, info))


def _pool_ranks(ctx: Context, action: str) -> Outcome:
    """exclude / reintegrate each rank given; 2.6 answers the results per rank, older
    releases print nothing (`-j`: a null response)."""
    p = ctx.parsed
    pool = p.args.get("pool", "")
    ranks = p.get("ranks") if ctx.rel.series >= (2, 6) else [p.get("rank")]
    results = []
    for rank in ranks:
        try:
            ctx.ctl.ms(f"pool_{action}", {"pool": pool, "rank": rank}, "PoolRanksReq")
        except SimError as exc:
            if ctx.rel.series < (2, 6):
                raise
            results.append({"rank": rank, "errored": True, "msg": exc.message})
        else:
            results.append({"rank": rank, "errored": False, "msg": ""})
    if ctx.rel.series < (2, 6):
        return Outcome(None, text=f"{action.capitalize()} command succeeded\n")
    failed = [r for r in results if r["errored"]]
    error = SimError(f"{action} failed on rank {failed[0]['rank']}") if failed else None
    return Outcome({"id": pool, "results": results}, error, text=f"{action} done\n")


def pool_exclude(ctx: Context) -> Outcome:
    return _pool_ranks(ctx, "exclude")


def pool_reintegrate(ctx: Context) -> Outcome:
    return _pool_ranks(ctx, "reintegrate")


def pool_destroy(ctx: Context) -> Outcome:
    p = ctx.parsed
    params = {
        "pool": p.args.get("pool", ""),
        "force": bool(p.get("force")),
        "recursive": bool(p.get("recursive")),
    }
    try:
        ctx.ctl.ms("pool_destroy", params, "PoolDestroyReq")
    except SimError as exc:
        raise exc.wrap("pool destroy failed") from None
    return Outcome(None, text="Pool-destroy command succeeded\n")


HANDLERS: dict[str, Callable[[Context], Outcome]] = {
    "storage scan": storage_scan,
    "storage format": storage_format,
    "system query": system_query,
    "system stop": system_stop,
    "system start": system_start,
    "system erase": system_erase,
    "pool create": pool_create,
    "pool list": pool_list,
    "pool query": pool_query,
    "pool destroy": pool_destroy,
    "pool exclude": pool_exclude,
    "pool reintegrate": pool_reintegrate,
}


def main(argv: Sequence[str]) -> int:
    return tool.run(
        PROGRAM, command_tree, argv, lambda rel, p: HANDLERS[p.command](Context(rel, p))
    )
