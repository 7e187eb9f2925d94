"""Certificates: what DAOS's TransportConfig.PreLoadCertData checks before a program talks to
anyone, when `transport_config` does not set `allow_insecure: true` (the default has
certificates enabled). The sim never speaks TLS: it only refuses as DAOS does when a
certificate file is missing, is not a regular file or is too open.
"""

from __future__ import annotations

import os
import stat

from .config import Transport
from .errors import SimError, missing_cert_file
from .releases import Release

MAX_CERT_PERM = 0o664


def max_key_perm(rel: Release, group_readable: bool) -> int:
    """The most open mode of a private key: 2.0 allows 0700; 2.4+ 0440 for dmg's admin key
    (MaxGroupKeyPerm), 0400 for the agent's and the server's (MaxUserOnlyKeyPerm)."""
    if rel.series < (2, 4):
        return 0o700
    return 0o440 if group_readable else 0o400


def _go_octal(mode: int) -> str:
    """Go's %#o."""
    return f"0{mode:o}" if mode else "0"


def preload_cert_data(rel: Release, transport: Transport, key_perm: int) -> None:
    """Nothing if insecure; else SimError `Unable to load Certificate Data: ...` for the first
    file (CA, certificate, key, in DAOS's order) that cannot be loaded."""
    if transport.allow_insecure:
        return
    files = ((transport.ca_cert, "caRoot", MAX_CERT_PERM), (transport.cert, "cert", MAX_CERT_PERM),
             (transport.key, "key", key_perm))  # fmt: skip
    for path, what, most in files:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise missing_cert_file(rel, path).wrap("Unable to load Certificate Data") from None
        except OSError as exc:
            raise SimError(
                f"Unable to load Certificate Data: could not load {what}: stat {path}: "
                f"{(exc.strerror or str(exc)).lower()}"
            ) from None
        if not stat.S_ISREG(info.st_mode):
            raise SimError(
                f"Unable to load Certificate Data: could not load {what}: "
                f"{path} is not a regular file"
            )
        mode = stat.S_IMODE(info.st_mode) & 0o777
        if mode & ~most & 0o777:
            raise SimError(
                f"Unable to load Certificate Data: could not load {what}: {path} has insecure "
                f"permissions {_go_octal(mode)} (suggested: {_go_octal(most)})"
            )
