"""Alerts for stewards: a failed run or a failed gate, kept in ``governance.alerts`` and posted to a webhook.

The orchestration layer notices the failure (Dagster sensors) and hands over names only — job, steps,
asset, check, an error's class — from which this module builds the one-line message. Nothing here takes a
free-text description: a check's description or an exception's message may quote a cell, an alert never
does.

Delivery is one POST per alert to ``LAKEHOUSE_ALERT_WEBHOOK`` when it is set, with a short timeout and no
retry: a receiver that is down gets no storm, and the row says it was not delivered. After a transport
failure the rest of the same batch is not attempted (each would wait for the same timeout). Delivery never
raises; only the Iceberg write may (then the caller's tick fails and is evaluated again).

The alert id is derived from kind, run and target, so evaluating the same failure twice (a sensor tick
repeated after a crash) neither adds a row nor posts again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.expressions import In

from infra.clock import CHINA_TIME_DOC, china_naive, china_now, format_china
from infra.iceberg.writer import commit, ensure_table
from infra.zones import ALERTS

WEBHOOK_ENV = "LAKEHOUSE_ALERT_WEBHOOK"
WEBHOOK_TIMEOUT_ENV = "LAKEHOUSE_ALERT_WEBHOOK_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 5.0
MAX_MESSAGE = 300
# Shown after an unreachable webhook for the rest of the batch: one timeout per tick, not one per alert.
NOT_ATTEMPTED = "not attempted: the webhook failed earlier in this batch"

Kind = Literal["run_failure", "gate_failure"]
Severity = Literal["error", "warning"]
DeliveryStatus = Literal["sent", "failed", "not_configured"]
KINDS: tuple[str, ...] = ("run_failure", "gate_failure")
SEVERITIES: tuple[str, ...] = ("error", "warning")

ALERTS_SCHEMA = pa.schema(
    [
        pa.field("alert_id", pa.string(), nullable=False, metadata={"doc": "hash of kind, run and target"}),
        pa.field("raised_at", pa.timestamp("us"), nullable=False, metadata={"doc": CHINA_TIME_DOC}),
        pa.field("kind", pa.string(), nullable=False, metadata={"doc": "run_failure | gate_failure"}),
        pa.field("run_id", pa.string(), nullable=False, metadata={"doc": "the Dagster run"}),
        pa.field("target", pa.string(), metadata={"doc": "asset/check (gate) or the failed steps (run)"}),
        pa.field("severity", pa.string(), nullable=False, metadata={"doc": "error | warning"}),
        pa.field("message", pa.string(), nullable=False, metadata={"doc": "one line, names only"}),
        pa.field("delivered_to", pa.string(), metadata={"doc": "the webhook's scheme://host:port, no path"}),
        pa.field(
            "delivery_status", pa.string(), nullable=False, metadata={"doc": "sent | failed | not_configured"}
        ),
        pa.field("delivery_detail", pa.string(), metadata={"doc": "HTTP status or the transport error"}),
    ]
)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """Collapse whitespace (a newline would break the listing and chat previews) and cap the length."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Alert:
    kind: Kind
    run_id: str
    target: str | None
    severity: Severity
    message: str
    raised_at: datetime = field(default_factory=china_now)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"alert kind {self.kind!r}: one of {', '.join(KINDS)}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"alert severity {self.severity!r}: one of {', '.join(SEVERITIES)}")

    @property
    def alert_id(self) -> str:
        seed = f"{self.kind}\x1f{self.run_id}\x1f{self.target or ''}"
        return hashlib.sha256(seed.encode()).hexdigest()[:24]

    def payload(self) -> dict[str, str | None]:
        """What the webhook receives (JSON): the same fields as the table row, time in China time."""
        return {
            "source": "lingang-lakehouse",
            "alert_id": self.alert_id,
            "raised_at": format_china(self.raised_at),
            "kind": self.kind,
            "run_id": self.run_id,
            "target": self.target,
            "severity": self.severity,
            "message": self.message,
        }


def run_failure(run_id: str, job: str, failed_steps: Sequence[str], error_class: str | None = None) -> Alert:
    """A run that ended in failure: the job, its failed steps (at most three named) and the error's class."""
    steps = list(dict.fromkeys(failed_steps))
    named = ", ".join(steps[:3]) + (f" and {len(steps) - 3} more" if len(steps) > 3 else "")
    where = f": {len(steps)} step(s) failed ({named})" if steps else " before any step failed"
    why = f", {error_class}" if error_class else ""
    return Alert(
        kind="run_failure",
        run_id=run_id,
        target=", ".join(steps) or None,
        severity="error",
        message=one_line(f"run {run_id[:8]} of {job} failed{where}{why}"),
    )


def gate_failure(run_id: str, asset: str, check: str, severity: Severity, blocking: bool) -> Alert:
    """A gate (an asset check) that did not pass: which check on which asset, and whether it blocked."""
    effect = "downstream not published" if blocking else "warning only, nothing blocked"
    return Alert(
        kind="gate_failure",
        run_id=run_id,
        target=f"{asset}:{check}",
        severity=severity,
        message=one_line(f"gate {check} failed on {asset} in run {run_id[:8]} ({effect})"),
    )


@dataclass(frozen=True)
class Delivery:
    status: DeliveryStatus
    delivered_to: str | None = None
    detail: str | None = None


def webhook_origin(url: str) -> str:
    """scheme://host[:port]: where an alert went, without the path (chat webhooks carry their token there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def _timeout(environ: Mapping[str, str]) -> float:
    try:
        return max(0.1, float(environ.get(WEBHOOK_TIMEOUT_ENV, "") or DEFAULT_TIMEOUT_SECONDS))
    except ValueError:
        return DEFAULT_TIMEOUT_SECONDS


def post(alert: Alert, url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> Delivery:
    """One POST of the alert's JSON; any answer but 2xx, a timeout or a refused connection is 'failed'."""
    origin = webhook_origin(url)
    host = urlsplit(url).hostname or ""
    # A proxy from the environment must not see loopback traffic; elsewhere it may be the only way out.
    trust_env = host not in ("127.0.0.1", "localhost", "::1")
    # Imported here: most runs send nothing, and httpx costs ~0.2 s at every start of the definitions.
    import httpx

    try:
        response = httpx.post(url, json=alert.payload(), timeout=timeout, trust_env=trust_env)
    except httpx.TimeoutException:
        return Delivery("failed", origin, f"no answer within {timeout:g} s")
    except (httpx.HTTPError, OSError, ValueError) as exc:
        # The class only: some transport errors repeat the URL, and the URL's path may be a secret.
        return Delivery("failed", origin, f"not delivered ({type(exc).__name__})")
    if 200 <= response.status_code < 300:
        return Delivery("sent", origin, f"HTTP {response.status_code}")
    return Delivery("failed", origin, f"HTTP {response.status_code}")


def deliver_all(
    alerts: Sequence[Alert], environ: Mapping[str, str] | None = None
) -> list[tuple[Alert, Delivery]]:
    """Post each alert once when the webhook is configured; never raises."""
    env = os.environ if environ is None else environ
    url = env.get(WEBHOOK_ENV, "").strip()
    if not url:
        return [(a, Delivery("not_configured")) for a in alerts]
    timeout = _timeout(env)
    done: list[tuple[Alert, Delivery]] = []
    unreachable = False
    for alert in alerts:
        if unreachable:
            done.append((alert, Delivery("failed", webhook_origin(url), NOT_ATTEMPTED)))
            continue
        try:
            delivery = post(alert, url, timeout)
        except Exception as exc:  # an alert must never take down the sensor that raised it
            delivery = Delivery("failed", webhook_origin(url), f"not delivered ({type(exc).__name__})")
        # An HTTP answer means the receiver is up: keep posting. No answer: spare it (and us) the rest.
        unreachable = delivery.status == "failed" and not (delivery.detail or "").startswith("HTTP")
        done.append((alert, delivery))
    return done


def known_ids(catalog: Catalog, ids: Iterable[str]) -> set[str]:
    wanted = set(ids)
    if not wanted or not catalog.table_exists(ALERTS):
        return set()
    rows = catalog.load_table(ALERTS).scan(row_filter=In("alert_id", wanted), selected_fields=("alert_id",))
    return set(rows.to_arrow()["alert_id"].to_pylist())


def _rows(delivered: Sequence[tuple[Alert, Delivery]]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "alert_id": a.alert_id,
                "raised_at": china_naive(a.raised_at),
                "kind": a.kind,
                "run_id": a.run_id,
                "target": a.target,
                "severity": a.severity,
                "message": a.message,
                "delivered_to": d.delivered_to,
                "delivery_status": d.status,
                "delivery_detail": d.detail,
            }
            for a, d in delivered
        ],
        schema=ALERTS_SCHEMA,
    )


def raise_alerts(
    catalog: Catalog, alerts: Sequence[Alert], environ: Mapping[str, str] | None = None
) -> list[tuple[Alert, Delivery]]:
    """Deliver and record the alerts not recorded before; returns what was new, with its delivery."""
    unique = list({a.alert_id: a for a in alerts}.values())
    seen = known_ids(catalog, (a.alert_id for a in unique))
    fresh = [a for a in unique if a.alert_id not in seen]
    if not fresh:
        return []
    delivered = deliver_all(fresh, environ)
    ensure_table(catalog, ALERTS, ALERTS_SCHEMA)
    # Keyed append: a concurrent tick that recorded the same alert first is skipped, not duplicated.
    commit(catalog, ALERTS, _rows(delivered), "append", key=["alert_id"])
    return delivered


def recent_alerts(catalog: Catalog, limit: int = 50) -> list[dict[str, object]]:
    """The newest alerts first (raised_at is naive China time)."""
    if not catalog.table_exists(ALERTS):
        return []
    rows = catalog.load_table(ALERTS).scan().to_arrow().to_pylist()
    rows.sort(key=lambda r: (r["raised_at"], r["alert_id"]), reverse=True)
    return rows[:limit]
