"""Superset configuration for the lakehouse stack (loaded by Superset via SUPERSET_CONFIG_PATH).

Static code, no secrets: the values come from a JSON file written by `infra.stack.superset.server` at `up`
(mode 600, under $LAKEHOUSE_HOME/stack/superset/, named by LAKEHOUSE_SUPERSET_SETTINGS). This file runs
inside Superset's own venv, so it imports nothing from the lakehouse.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

_SETTINGS = json.loads(Path(os.environ["LAKEHOUSE_SUPERSET_SETTINGS"]).read_text(encoding="utf-8"))

SECRET_KEY = _SETTINGS["secret_key"]
SQLALCHEMY_DATABASE_URI = _SETTINGS["metadata_uri"]
DATA_DIR = _SETTINGS["data_dir"]

# Each department's role sees only the dashboards granted to it, on top of dataset permissions.
FEATURE_FLAGS = {
    "DASHBOARD_RBAC": True,
    "ENABLE_TEMPLATE_PROCESSING": False,
    "ALERT_REPORTS": False,
    # Cache keys carry the user: Trino filters rows per analyst, so a cached chart is one analyst's rows
    # (the Trino database also sets `per_user_caching`; this covers a database added by hand).
    "CACHE_QUERY_BY_USER": True,
}
# The roles and users API (/api/v1/security/...) that provisioning uses.
FAB_ADD_SECURITY_API = True

# Chinese UI first (analysts are Chinese speakers); English stays selectable.
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {
    "zh": {"flag": "cn", "name": "Chinese"},
    "en": {"flag": "us", "name": "English"},
}

# Single host, in-process limits: no Redis in this stack.
RATELIMIT_STORAGE_URI = "memory://"
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}

# Telemetry off. Superset's navbar always renders a Scarf tracking pixel; this Content Security Policy
# lists no outside host at all, so browsers refuse to load it (and any other outside resource).
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
CONTENT_SECURITY_POLICY_WARNING = False
# No theme fonts from outside hosts either.
THEME_FONT_URL_ALLOWED_DOMAINS: list[str] = []

# Trino answers in seconds here, but a cold Iceberg scan on 2 cores can take a while.
SUPERSET_WEBSERVER_TIMEOUT = 120
SQLLAB_TIMEOUT = 120
