"""Point-in-time backups of an embedded home: catalog, warehouse files and state databases, with a manifest.

What a backup holds and what it leaves out (secrets, rebuildable caches) is in docs/operations.md.
"""
