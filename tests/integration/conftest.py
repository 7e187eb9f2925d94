"""Integration tests: a real Docker engine, real images, real containers, real hugepages.
Every test here is marked `docker` (by tests/conftest.py) and uses the sim recipe on the
base image of the `base_image` fixture."""
