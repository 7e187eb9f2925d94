"""The cluster side: recipes and images, the nodes as Docker containers, hugepages,
the DAOS configuration files, host checks, and the record and lifecycle of the one cluster
of a host. Knows nothing of pytest."""
