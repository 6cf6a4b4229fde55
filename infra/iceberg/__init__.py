"""Iceberg table I/O shared by every layer: create, append, merge by key, overwrite, load state."""
