"""Superset configuration for the lakehouse stack (loaded by Superset via SUPERSET_CONFIG_PATH).

Static code, no secrets: the values come from a JSON file written by `infra.stack.superset.server` at `up`
(mode 600, under $LAKEHOUSE_HOME/stack/superset/, named by LAKEHOUSE_SUPERSET_SETTINGS). This file runs
inside Superset's own venv, so it imports nothing from the lakehouse.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

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


def _unreadable_dataset(datasource_type: object, datasource_id: object) -> Any:
    """The dataset a chart would be saved on, if the logged-in user may not read it; else None (also for
    an unknown dataset: Superset's own validation answers that, 422)."""
    from superset import security_manager
    from superset.daos.datasource import DatasourceDAO
    from superset.daos.exceptions import (
        DatasourceNotFound,
        DatasourceTypeNotSupportedError,
        DatasourceValueIsIncorrect,
    )

    if datasource_id is None or not datasource_type:
        return None
    try:
        dataset = DatasourceDAO.get_datasource(str(datasource_type), str(datasource_id))
    except (DatasourceNotFound, DatasourceTypeNotSupportedError, DatasourceValueIsIncorrect):
        return None
    return None if security_manager.can_access_datasource(dataset) else dataset


_CHART_API = re.compile(r"^/api/v1/chart(?:/\d+)?/?$")


def _refuse_chart_api_on_unreadable_datasets() -> Any:
    """before_request: 403 for `POST /api/v1/chart/` or `PUT /api/v1/chart/<id>` naming a dataset the user
    may not read. Superset 6.1 checks dataset access when a chart's data is queried, not when a chart is
    created or moved to another dataset, so any analyst could save charts on another department's dataset
    (Explore's Save button uses this API)."""
    from flask import jsonify, request

    if request.method not in ("POST", "PUT") or not _CHART_API.match(request.path):
        return None
    from flask_jwt_extended import verify_jwt_in_request
    from flask_jwt_extended.exceptions import JWTExtendedException
    from jwt.exceptions import PyJWTError

    try:
        # A REST client logs in with a bearer token, which Flask-AppBuilder only resolves inside the view;
        # resolve it now (its user loader sets g.user). A browser session is already in g.user.
        verify_jwt_in_request(optional=True)
    except (JWTExtendedException, PyJWTError):
        return None  # a bad token: the view itself answers 401
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return None  # Superset's own validation refuses a body that is not a JSON object
    datasource_type = body.get("datasource_type", "table")
    if _unreadable_dataset(datasource_type, body.get("datasource_id")) is None:
        return None
    return jsonify({"message": "Forbidden: you may not read this dataset, so you may not chart it"}), 403


def _refuse_charts_on_unreadable_datasets(session: Any, _context: object, _instances: object) -> None:
    """before_flush, the backstop for every other way a chart is stored (the legacy
    `/superset/explore/?action=saveas`, imports): a new chart, or one moved to another dataset, must be on a
    dataset the user may read, or the transaction fails. Changing only other fields is not checked, so an
    owner who later loses a grant can still edit dashboards holding the old chart (its data stays refused
    anyway). Outside a request (the `superset` CLI, run by the operator) nothing is checked."""
    from flask import has_request_context
    from sqlalchemy import inspect
    from superset import security_manager
    from superset.models.slice import Slice

    if not has_request_context():
        return
    touched = [c for c in session.new if isinstance(c, Slice)]
    for chart in session.dirty:
        if isinstance(chart, Slice):
            state = inspect(chart)
            if (
                state.attrs.datasource_id.history.has_changes()
                or state.attrs.datasource_type.history.has_changes()
            ):
                touched.append(chart)
    for chart in touched:
        with session.no_autoflush:
            dataset = _unreadable_dataset(chart.datasource_type, chart.datasource_id)
        if dataset is not None:
            security_manager.raise_for_access(datasource=dataset)


def FLASK_APP_MUTATOR(app: Any) -> None:
    """Superset calls this by name once the app exists; registered here because the models cannot be
    imported while this config loads."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    app.before_request(_refuse_chart_api_on_unreadable_datasets)
    if not event.contains(Session, "before_flush", _refuse_charts_on_unreadable_datasets):
        event.listen(Session, "before_flush", _refuse_charts_on_unreadable_datasets)
