"""Quality gates with Great Expectations (GX Core 1.x), derived from the dataset contracts.

Plain library, no Dagster: ``orchestration/defs/quality.py`` wires these functions into blocking asset
checks and the ``lakehouse report quality`` command reads what they record. GX costs seconds to import,
so only ``quality.gx_runtime`` imports it, and only when a suite is actually validated.
"""
