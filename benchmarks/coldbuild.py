"""`pytest-daos ARGS` with Docker's layer cache off, for a cold build.

Other images on this host (older builds, other tags of the same Dockerfiles) keep build
steps Docker would reuse, so removing the recipe's four images does not make a build
cold. This runs the project's own command with every image build asked for `nocache`.

    python -m benchmarks.coldbuild build --daos-rebuild --daos-recipe=sim ...
"""

from __future__ import annotations

import sys
from typing import Any

from docker.api.build import BuildApiMixin

from pytest_daos.cli import main

_build = BuildApiMixin.build


def _build_without_cache(self: Any, *args: Any, **kwargs: Any) -> Any:
    kwargs["nocache"] = True
    return _build(self, *args, **kwargs)


if __name__ == "__main__":
    BuildApiMixin.build = _build_without_cache
    sys.exit(main(sys.argv[1:]))
