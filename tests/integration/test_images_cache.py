"""The image cache on a real engine: content keys decide what is built."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_daos.cluster.images import ImageBuilder
from pytest_daos.cluster.recipes import ImageSpec, Recipe


@pytest.fixture
def recipe(tmp_path, docker: Any, base_image: str) -> Iterator[Recipe]:
    """Three small images on the sim base image: base <- child, and a lone sibling."""
    tag = uuid.uuid4().hex[:8]
    (tmp_path / "base").mkdir()
    (tmp_path / "base/data.txt").write_text("one\n")
    (tmp_path / "base.Dockerfile").write_text("ARG FROM_IMAGE\nFROM ${FROM_IMAGE}\nCOPY . /ctx/\n")
    (tmp_path / "child.Dockerfile").write_text("ARG PARENT\nFROM ${PARENT}\nRUN cat /ctx/*\n")
    (tmp_path / "lone").mkdir()
    (tmp_path / "lone/x").write_text("x\n")
    base_tag = f"pytest-daos-test/base:{tag}"
    images = (
        ImageSpec("base", base_tag, tmp_path / "base.Dockerfile", tmp_path / "base",
                  {"FROM_IMAGE": base_image}),
        ImageSpec("child", f"pytest-daos-test/child:{tag}", tmp_path / "child.Dockerfile",
                  None, {"PARENT": base_tag}, parent="base"),
        ImageSpec("lone", f"pytest-daos-test/lone:{tag}", tmp_path / "base.Dockerfile",
                  tmp_path / "lone", {"FROM_IMAGE": base_image}),
    )  # fmt: skip
    yield Recipe("test", "2.6.5", "ofi+tcp", images, ())
    for spec in images:
        docker.images.remove(spec.tag, force=True)


def ids(results):
    return {image.name: image.image_id for image in results}


def test_one_changed_byte_rebuilds_that_image_and_its_dependents(recipe, docker, tmp_path):
    builder = ImageBuilder(docker, tmp_path / "state")
    first = builder.ensure(recipe)
    assert [image.built for image in first] == [True, True, True]

    again = builder.ensure(recipe)
    assert [image.built for image in again] == [False, False, False]
    assert ids(again) == ids(first)

    (tmp_path / "base/data.txt").write_text("onf\n")  # one byte
    changed = builder.ensure(recipe)
    assert {image.name for image in changed if image.built} == {"base", "child"}
    assert ids(changed)["lone"] == ids(first)["lone"]
    assert ids(changed)["base"] != ids(first)["base"]
    assert ids(changed)["child"] != ids(first)["child"]
    labels = docker.images.get(recipe.image("child").tag).labels
    assert labels["org.pytest-daos.key"] == changed[1].key


def test_rebuild_builds_everything(recipe, docker, tmp_path):
    builder = ImageBuilder(docker, tmp_path / "state")
    builder.ensure(recipe)
    assert all(image.built for image in builder.ensure(recipe, rebuild=True))
