"""Access control derived from the catalogue and the sharing grants (Trino file-based rules, group file)."""
