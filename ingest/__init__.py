"""Ingest: read department systems' hand-overs, enforce their contracts, write the raw Iceberg zone.

A plain library: no Dagster here. ``ingest.load.load_dataset`` is the one code path used by the Dagster
assets and by ``lakehouse ingest``.
"""
