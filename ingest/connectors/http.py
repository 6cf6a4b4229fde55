"""HTTP JSON APIs with paging (``page`` / ``pageSize``) and retries on transient failures.

Each page is one source unit, fingerprinted by its content, so a page served twice is loaded once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pyarrow as pa

from ingest.connectors.base import SourceError, SourceUnit, fingerprint_bytes, object_records, text_columns

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


def _get(client: httpx.Client, url: str, params: dict, attempts: int, backoff: float) -> bytes:
    for attempt in range(1, attempts + 1):
        try:
            response = client.get(url, params=params)
        except httpx.TransportError as exc:
            problem = f"{exc.__class__.__name__}: {exc}"
        else:
            if response.status_code < 400:
                return response.content
            if response.status_code not in RETRY_STATUS:
                raise SourceError(
                    f"{url} page {params['page']}: HTTP {response.status_code}; check the URL and credentials"
                )
            problem = f"HTTP {response.status_code}"
        if attempt < attempts:
            time.sleep(backoff * 2 ** (attempt - 1))
    raise SourceError(f"{url} page {params['page']}: gave up after {attempts} attempts ({problem})")


def _items(body: bytes, records_path: str | None, where: str) -> tuple[list[dict], int | None]:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{where}: the response is not JSON ({exc})") from exc
    node, parent = document, None
    for key in (records_path or "").split(".") if records_path else []:
        if not isinstance(node, dict) or key not in node:
            raise SourceError(f"{where}: no '{records_path}' in the response (missing '{key}')")
        parent, node = node, node[key]
    if not isinstance(node, list):
        raise SourceError(f"{where}: '{records_path}' is not a list of records")
    total = parent.get("total") if records_path and isinstance(parent, dict) else None
    return node, total if isinstance(total, int) else None


def iter_pages(
    url: str,
    records_path: str | None,
    page_size: int = 500,
    attempts: int = 5,
    backoff: float = 0.2,
    timeout: float = 30.0,
) -> Iterator[SourceUnit]:
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        page = 1
        seen = 0
        while True:
            params = {"page": page, "pageSize": page_size}
            where = f"{url} page {page}"
            body = _get(client, url, params, attempts, backoff)
            items, total = _items(body, records_path, where)
            if not items:
                return
            labels = [f"page {page} item {i + 1}" for i in range(len(items))]
            records, malformed = object_records(items, labels, where)
            fields = list(dict.fromkeys(k for r in records[:1000] for k in r))
            table = text_columns(records, fields)
            locators = pa.array(labels, pa.string())
            yield SourceUnit(where, fingerprint_bytes(body), table, locators, malformed=malformed)
            seen += len(items)
            if (total is not None and seen >= total) or len(items) < page_size:
                return
            page += 1
