"""The course hub on one machine: JupyterHub, a PostgreSQL gradebook and grading on submission."""
