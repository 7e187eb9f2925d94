"""The `local` recipe: the four images made from a DAOS install tree on this host.

A DAOS developer's own build (`scons install PREFIX=<prefix>`) or a tree unpacked from
elsewhere: the images hold the tree at the same absolute path (its programs and libraries
carry run paths there) on a base image that has none of DAOS's libraries. The libraries
the tree loads from outside itself are found with this host's own loader (`ldd`) and
brought along, with the programs the daemons call (`fusermount3` for dfuse, `ipmctl` for
the server's storage scan). The release is read from the tree (`lib64/daos/VERSION`), the
fabric provider from its libfabric (`ofi+tcp` from 1.18 on, `ofi+tcp;ofi_rxm` before).

Deciding that a tree is unchanged stats its files, never reads them: the images' content
key holds a fingerprint of paths, sizes, times and modes (and of the host's loader cache).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .base import Recipe, RecipeError, daemon_nodes, project_images

HERE = Path(__file__).parent / "local"
#: Programs of the host the daemons run (looked up on this host's PATH).
HOST_PROGRAMS = ("fusermount3", "ipmctl")
#: glibc's own libraries: the base image's are used (it must be as new as this host's).
GLIBC = re.compile(
    r"^(ld-linux.*|libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl)\.so[.\d]*$"
)
_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(/\S+)\s+\(0x[0-9a-f]+\)$")
_ELF = b"\x7fELF"
LDD_TIMEOUT = 30
#: Where a system libfabric's pkg-config file lives (Debian and EL layouts).
SYSTEM_PC = ("usr/lib*/pkgconfig/libfabric.pc", "usr/lib/*/pkgconfig/libfabric.pc")
#: The loader's cache changes when the host's libraries do (package installs run ldconfig).
LOADER_CACHE = Path("/etc/ld.so.cache")


class TreeError(RecipeError):
    """The prefix is not a DAOS install tree this recipe can use."""


def tree_version(prefix: Path) -> str:
    """The DAOS release installed under `prefix`, as its `lib64/daos/VERSION` says."""
    path = prefix / "lib64" / "daos" / "VERSION"
    try:
        version = path.read_text().strip()
    except OSError:
        if not (prefix / "bin" / "daos_server").exists():
            raise TreeError(
                f"--daos-prefix={prefix}: no DAOS install tree there (no bin/daos_server): "
                "pass the PREFIX of `scons install PREFIX=...`"
            ) from None
        raise TreeError(
            f"--daos-prefix={prefix}: the tree has no {path.relative_to(prefix)}, so its DAOS "
            "release is unknown: install it with `scons install`, which writes that file"
        ) from None
    if not re.match(r"^\d+\.\d+\.\d+$", version):
        raise TreeError(f"{path}: {version!r} is not a DAOS release such as 2.6.5")
    return version


def libfabric_version(prefix: Path) -> tuple[int, int]:
    """The version of the libfabric the tree was built with (its pkg-config file): the
    tree's own prerequisite first, the system's only where the tree has none."""
    candidates = itertools.chain(
        sorted(prefix.glob("prereq/*/ofi/lib*/pkgconfig/libfabric.pc")),
        (path for pattern in SYSTEM_PC for path in sorted(Path("/").glob(pattern))),
    )
    for pc in candidates:
        match = re.search(r"^Version:\s*(\d+)\.(\d+)", pc.read_text(), re.MULTILINE)
        if match:
            return int(match.group(1)), int(match.group(2))
    raise TreeError(
        f"--daos-prefix={prefix}: no libfabric.pc under {prefix}/prereq or /usr, so the fabric "
        "provider cannot be chosen: build DAOS with its prerequisites (`scons --build-deps=yes "
        "install`) or install libfabric's development package"
    )


def provider_for(libfabric: tuple[int, int]) -> str:
    """`ofi+tcp` works alone from libfabric 1.18 on; older ones need the rxm layer."""
    return "ofi+tcp" if libfabric >= (1, 18) else "ofi+tcp;ofi_rxm"


def _walk(root: Path) -> Iterator[os.DirEntry[str]]:
    """Every entry below `root` (links not followed), in a stable order."""
    with os.scandir(root) as entries:
        ordered = sorted(entries, key=lambda entry: entry.name)
    for entry in ordered:
        yield entry
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))


def _is_elf(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == _ELF
    except OSError:
        return False


def outside_libraries(files: list[str], prefix: Path) -> dict[str, Path]:
    """soname -> file of every library the ELF `files` load from outside `prefix`, as this
    host's loader resolves them (glibc's own left out). Raises TreeError for one missing."""
    found: dict[str, Path] = {}
    missing: dict[str, str] = {}
    for path in files:
        done = subprocess.run(
            ["ldd", path], capture_output=True, text=True, timeout=LDD_TIMEOUT, check=False
        )
        for line in done.stdout.splitlines():
            if "=> not found" in line:
                missing.setdefault(line.split()[0], path)
                continue
            match = _LDD_LINE.match(line)
            if not match or match.group(2).startswith(f"{prefix}/"):
                continue
            name, target = match.groups()
            if not GLIBC.match(name):
                found.setdefault(name, Path(target))
    if missing:
        names = ", ".join(f"{name} (for {path})" for name, path in sorted(missing.items()))
        raise TreeError(
            f"this host's loader cannot find libraries the DAOS tree in {prefix} needs: {names}. "
            "Install the packages that hold them (for the DAOS builds of the pytest-daos "
            "project: runtime-packages.txt beside them)"
        )
    return found


@dataclass(frozen=True)
class LocalTree:
    """The build context of the local recipe's base image: the tree, the libraries it
    loads from this host, and the host programs the daemons run."""

    prefix: Path
    programs: tuple[str, ...] = HOST_PROGRAMS

    def host_programs(self) -> dict[str, Path]:
        """Name -> path on this host of each program the daemons call that it has."""
        found = {}
        for name in self.programs:
            path = shutil.which(name)
            if path is not None:
                found[name] = Path(path).resolve()
        return found

    def fingerprint(self) -> str:
        """Changes when a file of the tree, a brought program or the host's libraries do;
        reads metadata only (a 300 MB tree in milliseconds)."""
        digest = hashlib.sha256(str(self.prefix).encode())
        for entry in _walk(self.prefix):
            info = entry.stat(follow_symlinks=False)
            link = os.readlink(entry.path) if entry.is_symlink() else ""
            digest.update(
                f"{entry.path}\0{info.st_mode}\0{info.st_size}\0{info.st_mtime_ns}\0{link}\n"
                .encode()
            )  # fmt: skip
        for path in [*self.host_programs().values(), LOADER_CACHE]:
            try:
                info = path.stat()
            except OSError:
                continue
            digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
        return digest.hexdigest()

    def loaded(self) -> list[str]:
        """The ELF files DAOS runs or loads: the tree's programs and every library of it and
        of its prerequisites (their own tools, such as PMDK's, are never run)."""
        elves = []
        for entry in _walk(self.prefix):
            relative = Path(entry.path).relative_to(self.prefix).parts
            ours = relative[0] == "bin" or relative[0].startswith("lib")
            prereq_lib = relative[0] == "prereq" and any(p.startswith("lib") for p in relative)
            loadable = (ours or prereq_lib) and entry.is_file(follow_symlinks=False)
            if loadable and _is_elf(entry.path):
                elves.append(entry.path)
        return elves

    def write(self, tar: tarfile.TarFile) -> None:
        """tree/<prefix>/... as it is, libs/<soname> and bin/<program>, links resolved."""
        elves = self.loaded()
        programs = self.host_programs()
        libraries = outside_libraries(elves + [str(p) for p in programs.values()], self.prefix)
        tar.add(str(self.prefix), arcname="tree" + str(self.prefix), filter=_anonymous)
        for soname, path in sorted(libraries.items()):
            tar.add(str(path.resolve()), arcname=f"libs/{soname}", filter=_anonymous)
        for name, path in sorted(programs.items()):
            tar.add(str(path), arcname=f"bin/{name}", filter=_anonymous)


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def local_recipe(prefix: Path | str, base_image: str) -> Recipe:
    """The local recipe of the DAOS tree installed at `prefix`, on `base_image`."""
    prefix = Path(prefix)
    if not prefix.is_absolute():
        raise TreeError(
            f"--daos-prefix={prefix}: give the absolute path the tree was installed to "
            "(its programs carry run paths there)"
        )
    version = tree_version(prefix)
    provider = provider_for(libfabric_version(prefix))
    images = project_images(
        f"local-{version}-{hashlib.sha256(str(prefix).encode()).hexdigest()[:8]}",
        HERE / "daos-base" / "Dockerfile",
        LocalTree(prefix),
        {"BASE_IMAGE": base_image, "DAOS_PREFIX": str(prefix), "DAOS_VERSION": version},
        node_dockerfile=lambda role: HERE / "daos-node" / "Dockerfile",
        node_args=lambda role: {"DAOS_ROLE": role},
        choose_base="name one this host has with --daos-local-base-image (its glibc as new as "
        "this host's; `bash scripts/host-setup.sh` makes localhost/pytest-daos/local-base:bookworm "
        "offline)",
    )
    config_dir = f"{prefix}/etc"
    nodes = daemon_nodes(config_dir)
    return Recipe(
        name="local",
        daos_version=version,
        provider=provider,
        images=images,
        nodes=nodes,
        config_dir=config_dir,
    )
