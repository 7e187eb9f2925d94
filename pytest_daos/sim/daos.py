"""daos, the DAOS client tool: pool query and container create/list/query/destroy, talking
only to the daos_agent socket in $DAOS_AGENT_DRPC_DIR (default /var/run/daos_agent).

Per release: 2.0 names the pool with a positional or the deprecated `-p/--pool`, takes the
container label as `-l/--label` (a second positional is refused) and lists containers with
the keys `UUID`/`Label`; 2.4+ take `<pool> [<label>]` positionals and `-p` is `--path`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from . import flags, pretty, responses, tool
from .errors import SimError, der, der_log_text, go_quote
from .host import daos_log_prefix
from .mgmt import CONTAINER_TYPES, valid_label
from .output import write_stderr_lines
from .protocol import Unreachable, call_unix
from .releases import Release
from .sizes import SizeError, parse_bytes
from .tool import Outcome

PROGRAM = "daos"
AGENT_DIR = "/var/run/daos_agent"
SOCKET_NAME = "daos_agent.sock"
TYPE_ALIASES = {"DB": "DATABASE", "RNTUPLE": "ROOT", "DSG": "SEISMIC", "FDB": "METEO"}


def parse_container_type(value: str) -> str:
    name = value.strip().upper()
    name = TYPE_ALIASES.get(name, name)
    if name not in CONTAINER_TYPES:
        raise ValueError(f"unknown container type {go_quote(value)}")
    return name


def parse_chunk_size(value: str) -> int:
    try:
        return parse_bytes(value)
    except SizeError as exc:
        raise ValueError(str(exc)) from None


Opt, Arg, Cmd = flags.Opt, flags.Arg, flags.Cmd


def command_tree(rel: Release) -> flags.Cmd:
    """daos's commands and flags as the release has them."""
    old = rel.series < (2, 4)
    pool = Arg("pool label or UUID", "pool", required=not old)
    cont = Arg("container label or UUID", "cont", required=not old)
    # 2.0: the pool and container also as deprecated flags
    pool_flag = (Opt("pool", "p", arg="POOL", help="pool UUID (deprecated)"),) if old else ()
    cont_flag = (Opt("cont", "c", arg="CONT", help="container UUID (deprecated)"),) if old else ()
    type_opt = Opt(
        "type",
        "t",
        arg="TYPE",
        convert=parse_container_type,
        gotype="main.ContTypeFlag",
        help="container type",
    )
    chunk = Opt(
        "chunk-size",
        "z",
        arg="SIZE",
        convert=parse_chunk_size,
        gotype="main.ChunkSizeFlag",
        help="container chunk size",
    )
    owner = (
        Opt("acl-file", "A", arg="PATH", help="input file containing ACL"),
        Opt("group", "g", arg="GROUP", help="group who will own the container"),
        Opt("user", "u", arg="USER", help="user who will own the container"),
    )
    if old:
        create_opts: tuple[flags.Opt, ...] = (
            *pool_flag,
            type_opt,
            Opt("path", "d", arg="PATH", help="container namespace path"),
            chunk,
            Opt("oclass", "o", arg="CLASS", help="default object class"),
            Opt("properties", arg="PROPS", help="container properties"),
            Opt("label", "l", arg="LABEL", help="container label"),
            Opt("mode", "M", arg="MODE", help="DFS consistency mode"),
            *owner,
            *cont_flag,
        )
        create_args: tuple[flags.Arg, ...] = (pool,)
    else:
        create_opts = (
            type_opt,
            Opt("path", "p", arg="PATH", help="container namespace path"),
            chunk,
            Opt("oclass", "o", arg="CLASS", help="default object class"),
            Opt("dir-oclass", "d", arg="CLASS", help="default directory class"),
            Opt("file-oclass", "f", arg="CLASS", help="default file class"),
            Opt("hints", "H", arg="HINTS", help="container type-specific hints"),
            Opt("properties", arg="PROPS", help="container properties"),
            Opt("mode", "M", arg="MODE", help="DFS consistency mode"),
            *owner,
        )
        create_args = (pool, Arg("container label", "label"))
    path = Opt("path", "d" if old else None, arg="PATH", help="container namespace path")
    return Cmd(
        PROGRAM,
        options=(
            Opt("debug", help="enable debug output"),
            Opt("verbose", help="enable verbose output (when applicable)"),
            Opt("json", "j", help="enable JSON output"),
            Opt("sys-name", "G", arg="NAME", help="DAOS system name"),
        ),
        commands=(
            Cmd(
                "pool",
                help="perform tasks related to DAOS pools",
                commands=(
                    Cmd(
                        "query",
                        help="query pool info",
                        args=(pool,),
                        options=(
                            *pool_flag,
                            *(
                                ()
                                if old
                                else (
                                    Opt("show-enabled", "e", help="show enabled ranks"),
                                    Opt("show-disabled", "b", help="show disabled ranks"),
                                )
                            ),
                            *(
                                (Opt("health-only", "t", help="only health queries"),)
                                if rel.series >= (2, 6)
                                else ()
                            ),
                        ),
                    ),
                ),
            ),
            Cmd(
                "container",
                aliases=("cont",),
                help="perform tasks related to DAOS containers",
                commands=(
                    Cmd("create", help="create a container", args=create_args, options=create_opts),
                    Cmd(
                        "list",
                        aliases=("ls",),
                        help="list all containers in pool",
                        args=(pool,),
                        options=(*pool_flag, Opt("verbose", "v", help="show more details")),
                    ),
                    *(
                        Cmd(
                            name,
                            help=f"{name} a container",
                            args=(pool, cont),
                            options=(*pool_flag, *cont_flag, path, option),
                        )
                        for name, option in (
                            ("query", Opt("verbose", "v", help="show more details")),
                            ("destroy", Opt("force", "f", help="force destroy container")),
                        )
                    ),
                ),
            ),
            Cmd("version", help="print daos version"),
        ),
    )


class Client:
    """libdaos as far as the sim goes: it needs the agent, and the agent the servers. dfuse
    uses it too."""

    def __init__(self, rel: Release) -> None:
        self.rel = rel
        directory = os.environ.get("DAOS_AGENT_DRPC_DIR") or AGENT_DIR
        self.socket = os.path.join(directory, SOCKET_NAME)
        self.log_lines: list[str] = []

    def init(self) -> None:
        """daos_init(): get the attach info from the agent."""
        try:
            call_unix(self.socket, "attach_info", {})
        except Unreachable:
            self.log_lines.append(
                f"{daos_log_prefix('mgmt', 'ERR', 'src/mgmt/cli_mgmt.c:317')} get_attach_info() "
                f"failed to connect to {self.socket} {der_log_text('DER_NONEXIST')}"
            )
            raise der("DER_AGENT_COMM", "failed to initialize DAOS API") from None
        except SimError as exc:
            if exc.status == -1011:
                self.log_lines.append(
                    f"{daos_log_prefix('client', 'ERR', 'src/client/api/rpc.c:214')} "
                    f"daos_rpc_proto_query() crt_proto_query()failed: "
                    f"{der_log_text('DER_TIMEDOUT')}"
                )
            raise exc.wrap("failed to initialize DAOS API") from None

    def call(self, method: str, params: dict[str, Any]) -> Any:
        try:
            return call_unix(self.socket, method, params)
        except Unreachable:
            raise der("DER_AGENT_COMM") from None

    def connect(self, pool: str) -> dict[str, Any]:
        """daos_pool_connect(): the pool's record (DER_NONEXIST for an unknown pool)."""
        if not pool:
            raise SimError("no pool UUID or label supplied")
        record: dict[str, Any] = self.call("client_pool_query", {"pool": pool})
        return record


def _pool_id(parsed: flags.Parsed) -> str:
    return str(parsed.get("pool") or parsed.args.get("pool", ""))


def _cont_id(parsed: flags.Parsed) -> str:
    cont = str(parsed.get("cont") or parsed.args.get("cont", ""))
    if not cont:
        raise SimError("pool and container ID must be specified if --path not used")
    return cont


def _connect(client: Client, pool: str) -> dict[str, Any]:
    try:
        return client.connect(pool)
    except SimError as exc:
        raise exc.wrap(f"failed to connect to pool {pool}") from None


def pool_query(client: Client, parsed: flags.Parsed) -> Outcome:
    pool = _connect(client, _pool_id(parsed))
    if client.rel.series < (2, 6):
        enabled = bool(parsed.get("show_enabled"))
        info = responses.pool_query_resp(client.rel, pool, "daos", enabled)
    else:
        info = responses.pool_info(client.rel, pool, "daos")
    return Outcome(info, text=pretty.pool_query(client.rel, info))


def container_create(client: Client, parsed: flags.Parsed) -> Outcome:
    label = parsed.get("label") or parsed.args.get("label", "")
    if parsed.get("path"):
        raise SimError(
            "container namespace paths (--path) are not supported by the pytest-daos sim"
        )
    if label and not valid_label(label):
        raise SimError(f"invalid label {go_quote(label)}")
    ctype = parsed.get("type") or "unknown"
    pool = _pool_id(parsed)
    if not pool:
        raise SimError("no pool ID or dfs path supplied")
    client.connect(pool)
    params = {
        "pool": pool,
        "label": label,
        "type": ctype,
        "properties": parsed.get("properties"),
        "oclass": parsed.get("oclass"),
        "dir_oclass": parsed.get("dir_oclass"),
        "chunk_size": parsed.get("chunk_size") or (1048576 if ctype == "POSIX" else 0),
    }
    try:
        cont = client.call("cont_create", params)
    except SimError as exc:
        if exc.status == -1004 and ctype == "POSIX":
            where = (
                "src/client/dfs/cont.c:321"
                if client.rel.series >= (2, 6)
                else ("src/client/dfs/dfs.c:1871")
            )
            client.log_lines.append(
                f"{daos_log_prefix('dfs ', 'ERR', where)} "
                f"dfs_cont_create() daos_cont_create() failed {der_log_text('DER_EXIST')}"
            )
        raise exc.wrap("failed to create container") from None
    info = responses.container_info(client.rel, cont)
    return Outcome(info, text=pretty.container_create(client.rel, info))


def container_list(client: Client, parsed: flags.Parsed) -> Outcome:
    pool = _pool_id(parsed)
    _connect(client, pool)
    conts = client.call("cont_list", {"pool": pool})
    listed = responses.container_list(client.rel, conts)
    return Outcome(listed, text=pretty.container_list(client.rel, conts))


def container_query(client: Client, parsed: flags.Parsed) -> Outcome:
    pool = _pool_id(parsed)
    cont_id = _cont_id(parsed)
    _connect(client, pool)
    cont = client.call("cont_query", {"pool": pool, "cont": cont_id})
    info = responses.container_info(client.rel, cont)
    return Outcome(info, text=pretty.container_query(client.rel, info))


def container_destroy(client: Client, parsed: flags.Parsed) -> Outcome:
    pool = _pool_id(parsed)
    cont = _cont_id(parsed)
    client.connect(pool)
    params = {"pool": pool, "cont": cont, "force": bool(parsed.get("force"))}
    try:
        client.call("cont_destroy", params)
    except SimError as exc:
        raise exc.wrap(f"failed to destroy container {cont}") from None
    return Outcome(None, text=f"Successfully destroyed container {cont}\n")


HANDLERS: dict[str, Callable[[Client, flags.Parsed], Outcome]] = {
    "pool query": pool_query,
    "container create": container_create,
    "container list": container_list,
    "container query": container_query,
    "container destroy": container_destroy,
}


def _execute(rel: Release, parsed: flags.Parsed) -> Outcome:
    client = Client(rel)
    try:
        client.init()
        return HANDLERS[parsed.command](client, parsed)
    finally:
        write_stderr_lines(client.log_lines)  # libdaos logs before the tool's ERROR line


def main(argv: Sequence[str]) -> int:
    return tool.run(PROGRAM, command_tree, argv, _execute)
