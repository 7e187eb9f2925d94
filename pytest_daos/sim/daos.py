"""daos, the DAOS client tool: pool query and container create/list/query/destroy, talking
only to the daos_agent socket in $DAOS_AGENT_DRPC_DIR (default /var/run/daos_agent)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from . import flags, pretty, responses
from .dmg import Outcome, finish, parse_size
from .errors import SimError, der, der_log_text, go_quote
from .host import daos_log_prefix
from .mgmt import CONTAINER_TYPES, valid_label
from .output import write_stderr_lines
from .protocol import Unreachable, call_unix
from .releases import Release, banner, release

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


Opt, Arg, Cmd = flags.Opt, flags.Arg, flags.Cmd
POOL = Arg("pool label or UUID", "pool", required=True)
CONT = Arg("container label or UUID", "cont", required=True)
SYS_NAME = Opt("sys-name", "G", arg="NAME", help="DAOS system name")

ROOT = Cmd(
    PROGRAM,
    options=(
        Opt("debug", help="enable debug output"),
        Opt("verbose", help="enable verbose output (when applicable)"),
        Opt("json", "j", help="enable JSON output"),
        SYS_NAME,
    ),
    commands=(
        Cmd(
            "pool",
            help="perform tasks related to DAOS pools",
            commands=(
                Cmd(
                    "query",
                    help="query pool info",
                    args=(POOL,),
                    options=(
                        Opt(
                            "show-enabled",
                            "e",
                            help="show engine unique identifiers (ranks) which are enabled",
                        ),
                        Opt(
                            "show-disabled",
                            "b",
                            help="show engine unique identifiers (ranks) which are disabled",
                        ),
                        Opt("health-only", "t", help="only perform pool health related queries"),
                    ),
                ),
            ),
        ),
        Cmd(
            "container",
            aliases=("cont",),
            help="perform tasks related to DAOS containers",
            commands=(
                Cmd(
                    "create",
                    help="create a container",
                    args=(POOL, Arg("container label", "label")),
                    options=(
                        Opt(
                            "type",
                            "t",
                            arg="TYPE",
                            convert=parse_container_type,
                            gotype="main.ContTypeFlag",
                            help="container type",
                        ),
                        Opt("path", "p", arg="PATH", help="container namespace path"),
                        Opt(
                            "chunk-size",
                            "z",
                            arg="SIZE",
                            convert=parse_size,
                            gotype="main.ChunkSizeFlag",
                            help="container chunk size",
                        ),
                        Opt("oclass", "o", arg="CLASS", help="default object class"),
                        Opt("dir-oclass", "d", arg="CLASS", help="default directory class"),
                        Opt("file-oclass", "f", arg="CLASS", help="default file class"),
                        Opt("hints", "H", arg="HINTS", help="container type-specific hints"),
                        Opt("properties", arg="PROPS", help="container properties"),
                        Opt("mode", "M", arg="MODE", help="DFS consistency mode"),
                        Opt("acl-file", "A", arg="PATH", help="input file containing ACL"),
                        Opt("group", "g", arg="GROUP", help="group who will own the container"),
                        Opt("user", "u", arg="USER", help="user who will own the container"),
                    ),
                ),
                Cmd(
                    "list",
                    aliases=("ls",),
                    help="list all containers in pool",
                    args=(POOL,),
                    options=(Opt("verbose", "v", help="show more details"),),
                ),
                Cmd(
                    "query",
                    help="query a container",
                    args=(POOL, CONT),
                    options=(Opt("verbose", "v", help="show more details"),),
                ),
                Cmd(
                    "destroy",
                    help="destroy a container",
                    args=(POOL, CONT),
                    options=(
                        Opt("force", "f", help="force destroy container"),
                        Opt("path", arg="PATH", help="container namespace path"),
                    ),
                ),
            ),
        ),
        Cmd("version", help="print daos version"),
    ),
)


class Client:
    """libdaos as far as the sim goes: it needs the agent, and the agent the servers."""

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


def pool_query(client: Client, parsed: flags.Parsed) -> Outcome:
    pool = client.call("client_pool_query", {"pool": parsed.args["pool"]})
    info = responses.pool_info(client.rel, pool, "daos")
    return Outcome(info, text=pretty.pool_query(client.rel, info))


def container_create(client: Client, parsed: flags.Parsed) -> Outcome:
    label = parsed.args.get("label", "")
    if parsed.get("path"):
        raise SimError(
            "container namespace paths (--path) are not supported by the pytest-daos sim"
        )
    if label and not valid_label(label):
        raise SimError(f"invalid label {go_quote(label)}")
    ctype = parsed.get("type") or "unknown"
    params = {
        "pool": parsed.args["pool"],
        "label": label,
        "type": ctype,
        "properties": parsed.get("properties"),
        "chunk_size": parsed.get("chunk_size") or (1048576 if ctype == "POSIX" else 0),
    }
    try:
        cont = client.call("cont_create", params)
    except SimError as exc:
        if exc.status == -1004 and ctype == "POSIX":
            client.log_lines.append(
                f"{daos_log_prefix('dfs ', 'ERR', 'src/client/dfs/cont.c:321')} "
                f"dfs_cont_create() daos_cont_create() failed {der_log_text('DER_EXIST')}"
            )
        raise
    info = responses.container_info(client.rel, cont)
    return Outcome(info, text=pretty.container_create(client.rel, info))


def container_list(client: Client, parsed: flags.Parsed) -> Outcome:
    conts = client.call("cont_list", {"pool": parsed.args["pool"]})
    listed = responses.container_list(client.rel, conts)
    return Outcome(listed, text=pretty.container_list(client.rel, listed))


def container_query(client: Client, parsed: flags.Parsed) -> Outcome:
    cont = client.call("cont_query", {"pool": parsed.args["pool"], "cont": parsed.args["cont"]})
    info = responses.container_info(client.rel, cont)
    return Outcome(info, text=pretty.container_query(client.rel, info))


def container_destroy(client: Client, parsed: flags.Parsed) -> Outcome:
    client.call(
        "cont_destroy",
        {
            "pool": parsed.args["pool"],
            "cont": parsed.args["cont"],
            "force": bool(parsed.get("force")),
        },
    )
    return Outcome(None, text=f"Successfully destroyed container {parsed.args['cont']}\n")


HANDLERS: dict[str, Callable[[Client, flags.Parsed], Outcome]] = {
    "pool query": pool_query,
    "container create": container_create,
    "container list": container_list,
    "container query": container_query,
    "container destroy": container_destroy,
}


def main(argv: Sequence[str]) -> int:
    rel = release()
    try:
        parsed, _ = flags.parse(PROGRAM, ROOT, argv)
    except flags.FlagError as exc:
        if exc.is_help:
            print(exc.message, end="")
            return 0
        return finish(PROGRAM, Outcome(error=SimError(exc.message)), bool(exc.partial.get("json")))
    as_json = bool(parsed.get("json"))
    if parsed.command == "version":
        return finish(
            PROGRAM, Outcome({"version": rel.version}, text=banner(PROGRAM, rel) + "\n"), as_json
        )
    client = Client(rel)
    try:
        client.init()
        outcome = HANDLERS[parsed.command](client, parsed)
    except SimError as exc:
        outcome = Outcome(error=exc)
    write_stderr_lines(client.log_lines)
    return finish(PROGRAM, outcome, as_json)
