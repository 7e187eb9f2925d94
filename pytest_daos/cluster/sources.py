"""Whether the hosts a recipe's images are built from answer: those of its remote build
contexts (the upstream recipe's Dockerfiles on GitHub) and of the web addresses in its
build arguments (the DAOS package repository). `pytest-daos doctor` asks each host once,
all at once, so an offline host learns it within `PROBE_TIMEOUT` seconds; a recipe that
names none (sim, local) gets no such check. A build asks again before it fetches a
remote context (`contexts.check_reachable`)."""

from __future__ import annotations

import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable

from .checks import OK, WARN, Check
from .recipes import Recipe

#: Seconds the doctor waits for every host to answer (a name lookup included).
PROBE_TIMEOUT = 3.0
_URL = re.compile(r"https?://[^\s'\"]+")

Endpoint = tuple[str, int]
#: (host, port, timeout) -> None when the host answers, else why not
Probe = Callable[[str, int, float], "str | None"]


def endpoint(url: str) -> Endpoint:
    """The host and port a web or git address (`https://host/repo.git#ref:folder`) is
    fetched from."""
    parsed = urllib.parse.urlsplit(url.split("#", 1)[0])
    return parsed.hostname or "", parsed.port or (80 if parsed.scheme == "http" else 443)


def endpoints(recipe: Recipe) -> list[Endpoint]:
    """Every host (with its port) a build of the recipe's images fetches from, once each,
    in the order the images name them."""
    urls: list[str] = []
    for spec in recipe.images:
        if spec.remote is not None:
            urls.append(spec.remote)
        for value in spec.build_args.values():
            urls += _URL.findall(value)
    return list(dict.fromkeys(endpoint(url) for url in urls))


def probe(host: str, port: int, timeout: float) -> str | None:
    """None when `host` takes a TCP connection on `port` within `timeout` seconds, else
    why not (`Name or service not known`, `timed out`, `Connection refused`)."""
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return exc.strerror or str(exc) or type(exc).__name__
    return None


def probe_all(
    wanted: Iterable[Endpoint], timeout: float = PROBE_TIMEOUT, ask: Probe | None = None
) -> dict[Endpoint, str | None]:
    """Each endpoint's answer (`ask`, by default `probe`), all asked at once; one that has
    not answered when `timeout` is over (a name lookup is not bounded by a socket's
    timeout) gets "no answer within N s". The askers are daemon threads: one still
    waiting never holds the process."""
    ask = ask or probe
    answers: dict[Endpoint, str | None] = {}
    threads = []
    for where in dict.fromkeys(wanted):

        def asker(where: Endpoint = where) -> None:
            answers[where] = ask(where[0], where[1], timeout)

        thread = threading.Thread(target=asker, name=f"probe {where[0]}", daemon=True)
        thread.start()
        threads.append((where, thread))
    deadline = time.monotonic() + timeout
    for _, thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = f"no answer within {timeout:g} s"
    return {where: answers.get(where, late) for where, _ in threads}


def check_sources(recipe: Recipe, ask: Probe | None = None) -> Check | None:
    """The `sources` check: whether this host reaches every host the recipe's images are
    built from (each asked with `ask`, by default `probe`); None for a recipe built from
    nothing remote."""
    wanted = endpoints(recipe)
    if not wanted:
        return None
    answers = probe_all(wanted, ask=ask)
    named = ", ".join(f"{host}:{port}" for host, port in wanted)
    missing = [f"{host}:{port} ({why})" for (host, port), why in answers.items() if why]
    if not missing:
        return Check("sources", OK, f"{named} answer: the recipe's images can be built")
    return Check(
        "sources",
        WARN,
        f"the recipe's images are built from hosts this host cannot reach: {', '.join(missing)}; "
        "images not built here yet cannot be built (those built before still run)",
        "run where they answer, or use a recipe that builds offline: --daos-recipe=sim (the "
        "DAOS stand-in), or --daos-recipe=local --daos-prefix=PATH (a DAOS install tree)",
    )
