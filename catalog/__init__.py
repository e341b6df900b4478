"""The SQLite catalog: registries, captures, documents, reports, deadline rules and status."""
