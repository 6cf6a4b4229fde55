"""Superset dashboards over Trino, provisioned as code (specs, REST client, provisioning)."""
