"""A small Superset REST client: bearer token from /api/v1/security/login, CSRF token + Referer for writes."""

from __future__ import annotations

import json
from typing import Any

import httpx


class SupersetError(RuntimeError):
    """Superset answered with an error; the message has the method, path, status and body."""


def rison(value: Any) -> str:
    """Encode the `q` parameter of Superset's list endpoints (Rison: JSON-like, quotes are ')."""
    if value is None:
        return "!n"
    if value is True:
        return "!t"
    if value is False:
        return "!f"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return "'" + value.replace("!", "!!").replace("'", "!'") + "'"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(rison(v) for v in value) + ")"
    if isinstance(value, dict):
        return "(" + ",".join(f"{k}:{rison(v)}" for k, v in value.items()) + ")"
    raise TypeError(f"cannot encode {type(value).__name__} as rison")


class SupersetClient:
    """One logged-in session (cookies carry the CSRF session; the bearer token authorises the API)."""

    def __init__(self, base_url: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        # trust_env=False: no proxy may see loopback traffic.
        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, trust_env=False)
        self.csrf: str | None = None

    def __enter__(self) -> SupersetClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.http.close()

    def login(self, username: str, password: str) -> SupersetClient:
        response = self.http.post(
            "/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
        )
        _check(response)
        self.http.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        self.csrf = self.get("/api/v1/security/csrf_token/")["result"]
        return self

    def _write_headers(self) -> dict[str, str]:
        # Superset's CSRF protection also checks that the Referer is our own origin.
        return {"X-CSRFToken": self.csrf or "", "Referer": f"{self.base_url}/"}

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(path, params=params or None)
        _check(response)
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.http.post(path, json=body, headers=self._write_headers())
        _check(response)
        return response.json()

    def put(self, path: str, body: dict[str, Any]) -> Any:
        response = self.http.put(path, json=body, headers=self._write_headers())
        _check(response)
        return response.json()

    def delete(self, path: str) -> None:
        _check(self.http.delete(path, headers=self._write_headers()))

    def find(self, resource: str, **equal: Any) -> list[dict[str, Any]]:
        """Rows of /api/v1/<resource>/ whose columns equal the given values (all pages)."""
        filters = [{"col": col, "opr": "eq", "value": value} for col, value in equal.items()]
        rows: list[dict[str, Any]] = []
        page = 0
        while True:
            query = {"filters": filters, "page": page, "page_size": 100}
            result = self.get(f"/api/v1/{resource}/", q=rison(query))
            rows += result["result"]
            if len(rows) >= result.get("count", 0) or not result["result"]:
                return rows
            page += 1

    def find_one(self, resource: str, **equal: Any) -> dict[str, Any] | None:
        rows = self.find(resource, **equal)
        # The API's `eq` on text columns may be case-insensitive: keep exact matches only.
        exact = [r for r in rows if all(r.get(k) == v for k, v in equal.items() if k in r)]
        if len(exact) > 1:
            raise SupersetError(f"{len(exact)} {resource} rows match {equal}: expected at most one")
        return exact[0] if exact else None


def _check(response: httpx.Response) -> None:
    if response.status_code >= 400:
        request = response.request
        raise SupersetError(
            f"{request.method} {request.url.path} -> {response.status_code}: {response.text[:800]}"
        )
