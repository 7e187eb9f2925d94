"""The `-j` JSON envelope that `dmg` and `daos` print, and the error it carries.

Every `-j` call prints `{"response": ..., "error": null | "text", "status": 0 | -N}` on stdout
(CONTRACT.md §1). `parse` turns one call's result into the response or a `DaosError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from ..errors import PytestDaosError
from .transport import ExecResult, Transport

#: dmg retries an unavailable management service for minutes (CONTRACT.md §1): every call
#: gets a time limit inside the node.
DEFAULT_CALL_TIMEOUT = 60.0

#: DAOS error numbers by name (src/include/daos_errno.h); JSON `status` is the negative value.
DER_CODES: dict[str, int] = {
    "DER_NO_PERM": -1001, "DER_INVAL": -1003, "DER_EXIST": -1004, "DER_NONEXIST": -1005,
    "DER_UNREACH": -1006, "DER_NOSPACE": -1007, "DER_NOMEM": -1009, "DER_TIMEDOUT": -1011,
    "DER_BUSY": -1012, "DER_AGAIN": -1013, "DER_MISC": -1025, "DER_BADPATH": -1026,
    "DER_EXCLUDED": -1032, "DER_IO": -2001, "DER_NOTLEADER": -2008, "DER_SHUTDOWN": -2017,
    "DER_NOTREPLICA": -2020, "DER_AGENT_COMM": -2034, "DER_NOTSUPPORTED": -2037,
    "DER_NO_SERVICE": -2039,
}  # fmt: skip
DER_NAMES: dict[int, str] = {code: name for name, code in DER_CODES.items()}

_FAULT_RE = re.compile(r"\b(?P<domain>[a-z]+): code = (?P<code>\d+) description = ")
_DER_RE = re.compile(r"\b(?P<name>DER_[A-Z_]+)\((?P<status>-\d+)\)")

#: Control-plane fault codes whose answer waiting cannot change: 700-799 the server's
#: configuration, 900-999 security (901: certificates enabled but not found).
PERMANENT_FAULTS = (range(700, 800), range(900, 1000))
#: Texts of answers that waiting cannot change: the program's configuration is unreadable.
PERMANENT_TEXTS = ("failed to load", "yaml: ", "unknown flag")
#: Exit statuses of a command that is missing (127) or cannot run (126).
MISSING_PROGRAM = (126, 127)

UNINITIALIZED = "system is uninitialized"
RUNNING_SYSTEM = "storage format invoked on a running system"


class DaosError(PytestDaosError, RuntimeError):
    """A DAOS command failed.

    `status` is the JSON status (a negative DER code, -1025 for faults and other errors),
    `name` the DER name where DAOS reported one (`DER_NOSPACE`), `fault` the control-plane
    fault code where there was one (609 for a duplicate pool label), `message` DAOS's text.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        result: ExecResult,
        response: Any = None,
    ) -> None:
        self.message = message
        self.status = status
        self.result = result
        self.response = response
        der = _DER_RE.search(message)
        self.name: str | None = der.group("name") if der else DER_NAMES.get(status)
        fault = _FAULT_RE.search(message)
        self.fault: int | None = int(fault.group("code")) if fault else None
        super().__init__(self._render())

    def _render(self) -> str:
        label = f" [{self.name}]" if self.name and self.name not in self.message else ""
        return (
            f"{self.message}{label} (status {self.status}, exit {self.result.exit_code})\n"
            f"$ {' '.join(self.result.argv)}"
            + (f"\nstderr:\n{self.result.stderr.rstrip()}" if self.result.stderr.strip() else "")
        )


class ProtocolError(PytestDaosError, RuntimeError):
    """The command's output is not the JSON envelope (wrong program, crash, time limit)."""

    def __init__(self, message: str, result: ExecResult | None = None) -> None:
        super().__init__(message)
        self.result = result


def parse(result: ExecResult) -> Any:
    """Return the envelope's `response`, or raise DaosError / ProtocolError.

    A call that was stopped by its time limit, or printed no envelope, is a ProtocolError
    whose text shows the command and both streams.
    """
    if result.timed_out:
        raise ProtocolError(f"no answer in time\n{result.describe()}", result)
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise ProtocolError(f"output is not JSON\n{result.describe()}", result) from None
    if not isinstance(document, dict) or not {"response", "error", "status"} <= document.keys():
        raise ProtocolError(
            f"JSON without the response/error/status envelope\n{result.describe()}", result
        )
    error, status = document["error"], document["status"]
    if error is not None or status != 0 or result.exit_code != 0:
        message = error if isinstance(error, str) else f"status {status}"
        raise DaosError(message, status=int(status), result=result, response=document["response"])
    return document["response"]


def answer_texts(
    item: Mapping[str, Any],
    required: Collection[str],
    optional: Collection[str] = (),
    keys: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The text fields of a record in a `-j` response, by field name: each read under the JSON
    key of its name or `keys[name]`; a `required` one DAOS left out is a KeyError, an
    `optional` one reads as ""."""
    keys = keys or {}
    texts = {name: str(item[keys.get(name, name)]) for name in required}
    texts.update({name: str(item.get(keys.get(name, name), "")) for name in optional})
    return texts


def permanent(error: Exception) -> str | None:
    """Why a failed call will fail again however long one waits, or None when it may not:
    a security or configuration fault, an unreadable configuration, a missing program."""
    if isinstance(error, DaosError):
        if error.fault is not None and any(error.fault in codes for codes in PERMANENT_FAULTS):
            return f"DAOS answered fault {error.fault}"
        text = f"{error.message}\n{error.result.stderr}".lower()
        if any(marker in text for marker in PERMANENT_TEXTS):
            return "DAOS cannot read its configuration"
    result = getattr(error, "result", None)
    if isinstance(result, ExecResult) and result.exit_code in MISSING_PROGRAM:
        return f"`{result.argv[0]}` cannot run in the node (exit status {result.exit_code})"
    return None


class JsonTool:
    """A DAOS command-line tool run with `-j` through a transport, answers parsed."""

    program = ""

    def __init__(
        self,
        transport: Transport,
        version: str,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        options: tuple[str, ...] = (),
    ) -> None:
        self.transport = transport
        self.version = version
        self.timeout = timeout
        self.options = options  # global options of every call (e.g. `-o <config>`)

    def __call__(self, *args: str, timeout: float | None = None) -> Any:
        """Run `PROGRAM -j ARGS`; the parsed response (DaosError or ProtocolError on failure)."""
        argv = [self.program, "-j", *self.options, *args]
        return parse(self.transport.run(argv, timeout=timeout or self.timeout))
