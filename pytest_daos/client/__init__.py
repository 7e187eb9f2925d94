"""The client side: how commands reach DAOS nodes, the `dmg` and `daos` command lines and
their JSON, and the handles tests use. Knows nothing of Docker images or pytest."""
