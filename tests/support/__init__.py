"""Real parts for tests: a loopback model server, a keyring backend, workspaces."""
