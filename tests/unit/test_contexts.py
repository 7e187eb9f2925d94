"""Build contexts and content keys (without Docker)."""

from __future__ import annotations

import io
import tarfile

from pytest_daos.cluster.contexts import build_context, content_key, context_identity
from pytest_daos.cluster.recipes import ImageSpec


def spec_in(tmp_path, **overrides):
    context = tmp_path / "ctx"
    (context / "pkg/__pycache__").mkdir(parents=True, exist_ok=True)
    (context / "pkg/a.py").write_text("print('a')\n")
    (context / "pkg/__pycache__/a.cpython-311.pyc").write_bytes(b"junk")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /x\n")
    values = dict(name="img", tag="t:1", dockerfile=tmp_path / "Dockerfile", context=context,
                  build_args={"A": "1"})  # fmt: skip
    values.update(overrides)
    return ImageSpec(**values)


def names(tar_bytes):
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        return sorted(tar.getnames())


def test_context_holds_files_dockerfile_and_ignore_but_no_caches(tmp_path):
    assert names(build_context(spec_in(tmp_path))) == [
        ".dockerfile.pytest-daos", ".dockerignore", "pkg/a.py",
    ]  # fmt: skip


def test_equal_content_gives_equal_key(tmp_path):
    spec = spec_in(tmp_path)
    first = content_key(spec, context_identity(spec), "sha256:p")
    (spec.context / "pkg/a.py").touch()  # a new mtime is no change
    assert content_key(spec, context_identity(spec), "sha256:p") == first


def test_every_input_changes_the_key(tmp_path):
    spec = spec_in(tmp_path)
    key = content_key(spec, context_identity(spec), "sha256:p")
    assert content_key(spec, context_identity(spec), "sha256:q") != key
    other_args = spec_in(tmp_path, build_args={"A": "2"})
    assert content_key(other_args, context_identity(other_args), "sha256:p") != key
    (spec.context / "pkg/a.py").write_text("print('b')\n")
    assert content_key(spec, context_identity(spec), "sha256:p") != key


def test_dockerfile_only_image(tmp_path):
    spec = spec_in(tmp_path, context=None)
    assert names(build_context(spec)) == [".dockerfile.pytest-daos", ".dockerignore"]


def test_the_contexts_own_dockerignore_is_kept_and_extended(tmp_path):
    spec = spec_in(tmp_path)
    (spec.context / ".dockerignore").write_text("secret.txt\n")
    with tarfile.open(fileobj=io.BytesIO(build_context(spec))) as tar:
        assert tar.getnames().count(".dockerignore") == 1
        rules = tar.extractfile(".dockerignore").read().decode().split()
    assert rules == ["secret.txt", ".dockerfile.pytest-daos", ".dockerignore"]
