"""What pytest needs at the top of the repository, whatever folder or file it is given.

- `collect_ignore_glob`: virtual environments (`.venv`, the `.venv-3.x` of
  `scripts/dev.sh pythons`, `.tox`) and build output (`build`, `dist`) hold installed
  packages and their own test files (mypyc's, for one), never tests of this project; `pytest .`
  or `pytest --collect-in-virtualenv` must not collect them.
- `pytest_plugins = ["pytester"]`: pytest's `pytester` fixture, with which tests/plugin,
  tests/integration and tests/real run pytest inside pytest. Only the tests need it, but
  pytest takes `pytest_plugins` from no conftest below the top one.

Everything else lives next to the tests that use it: shared fixtures and the one skip of
tests marked `root` in tests/conftest.py, importable helpers in tests/helpers (pytest's
`pythonpath`), each tier's fixtures in its folder's conftest.py.
"""

collect_ignore_glob = [".venv*", ".tox", "build", "dist"]

pytest_plugins = ["pytester"]
