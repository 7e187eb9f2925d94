"""daos_shelf: records kept as files in DAOS POSIX containers, read and written through a
dfuse mount on a DAOS client node; each tenant a pool, each shelf a container.

An example of a project built on DAOS, tested with pytest-daos (see tests/).
"""

from __future__ import annotations

from .admin import add_shelf, create_tenant, free_bytes, list_shelves, remove_tenant
from .shelf import Shelf

__all__ = ["Shelf", "add_shelf", "create_tenant", "free_bytes", "list_shelves", "remove_tenant"]
