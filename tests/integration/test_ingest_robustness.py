"""Ingest that loses nothing: files made by the simulator, then damaged by test code.

Every test asserts exact counts: rows in = rows loaded + rows quarantined (+ duplicates skipped).
"""

import csv
import io
import json
import re
import shutil
import sqlite3
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from governance.contracts import load_contracts
from ingest.audit_tables import read_quarantine
from ingest.connectors import SourceError
from ingest.load import LoadRejected, load_dataset
from ingest.simulator import simulate
from tests.factories import wrong_check

pytestmark = pytest.mark.integration
CONTRACTS = load_contracts()


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sources")
    simulate(out, scale=0.05, days=2, seed=5, start=date(2026, 11, 20))
    return out


@pytest.fixture
def sources(simulated, tmp_path) -> Path:
    copy = tmp_path / "sources"
    shutil.copytree(simulated, copy)
    return copy


def _read_csv(path: Path, encoding: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))
    return rows[0], rows[1:]


def _write_csv(path: Path, header, rows, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _count(catalog, identifier) -> int:
    return catalog.load_table(identifier).scan().to_arrow().num_rows


def test_messy_gb18030_export_is_coerced_and_bad_rows_quarantined(catalog, sources):
    contract = CONTRACTS["enterprises"]
    path = next((sources / "development").glob("enterprises_*.csv"))
    header, rows = _read_csv(path, "gb18030")
    col = {name: header.index(name) for name in header}
    rows[0][col["成立日期"]] = "2019年3月5日"
    rows[1][col["注册资本(万元)"]] = "1,234.5"
    rows[2][col["从业人数"]] = "１２"
    rows[3][col["行业"]] = "—"
    rows[4][col["统一社会信用代码"]] = wrong_check(rows[4][col["统一社会信用代码"]])
    rows[5][col["成立日期"]] = "2019-02-30"
    rows[6][col["企业名称"]] = ""
    rows.append(list(rows[7]))  # the same enterprise twice in one file
    _write_csv(path, header, rows, "gbk")  # declared gb18030, handed over as GBK
    result = load_dataset(contract, sources, catalog)
    assert result.rows_in == len(rows)
    assert (result.rows_loaded, result.rows_quarantined) == (len(rows) - 4, 4)
    assert result.balanced
    table = catalog.load_table(contract.raw_table).scan().to_arrow().to_pylist()
    by_uscc = {r["uscc"]: r for r in table}
    assert by_uscc[rows[0][col["统一社会信用代码"]]]["established_on"] == date(2019, 3, 5)
    assert by_uscc[rows[1][col["统一社会信用代码"]]]["registered_capital_wan"] == 1234.5
    assert by_uscc[rows[2][col["统一社会信用代码"]]]["employees"] == 12
    assert by_uscc[rows[3][col["统一社会信用代码"]]]["industry"] is None
    quarantined, orphaned = read_quarantine(catalog, "enterprises")
    reasons = {r["locator"]: (r["column_name"], r["reason"]) for r in quarantined.to_pylist()}
    assert orphaned == 0
    assert reasons["row 6"][0] == "uscc" and "GB 32100" in reasons["row 6"][1]
    assert reasons["row 7"] == ("established_on", "成立日期: '2019-02-30' cannot be read as date")
    assert reasons["row 8"] == ("enterprise_name", "企业名称: required value is missing")
    assert reasons["row 9"][0] == "uscc" and "duplicate primary key" in reasons["row 9"][1]
    assert all(r["source"] == path.name for r in quarantined.to_pylist())


def test_reject_share_above_threshold_commits_nothing(catalog, sources):
    contract = CONTRACTS["rental_trips"]
    first, *_ = sorted((sources / "rental").glob("trips_*.csv"))
    header, rows = _read_csv(first, "utf-8")
    mobile = header.index("user_mobile")
    for row in rows[: len(rows) // 5 + 1]:
        row[mobile] = "12345"
    _write_csv(first, header, rows, "utf-8")
    with pytest.raises(LoadRejected, match=re.escape("nothing was committed to raw_transport.rental_trips")):
        load_dataset(contract, sources, catalog)
    assert catalog.load_table(contract.raw_table).current_snapshot() is None
    ledger = catalog.load_table("governance.load_ledger").scan().to_arrow().to_pylist()
    assert [e["status"] for e in ledger] == ["rejected"]
    assert ledger[0]["rows_loaded"] == 0


def test_same_files_twice_change_nothing_and_sql_loads_incrementally(catalog, sources):
    steps = CONTRACTS["approval_steps"]
    flow = CONTRACTS["traffic_flow"]
    first = load_dataset(flow, sources, catalog)
    again = load_dataset(flow, sources, catalog)
    assert first.status == "committed" and again.status == "unchanged"
    assert again.units_skipped and again.rows_in == 0
    initial = load_dataset(steps, sources, catalog)
    db = sources / "online_service_hall.db"
    with sqlite3.connect(db) as connection:
        top = connection.execute("select max(step_id) from approval_steps").fetchone()[0]
        template = connection.execute("select * from approval_steps where step_id = ?", (top,)).fetchone()
        for offset in (1, 2, 3):
            connection.execute(
                "insert into approval_steps values (" + ",".join("?" * len(template)) + ")",
                (top + offset, *template[1:]),
            )
    later = load_dataset(steps, sources, catalog)
    assert (later.rows_in, later.rows_loaded) == (3, 3)
    assert _count(catalog, steps.raw_table) == initial.rows_loaded + 3
    assert load_dataset(steps, sources, catalog).status == "unchanged"


def test_event_rows_seen_again_in_a_new_file_append_once(catalog, sources):
    contract = CONTRACTS["traffic_flow"]
    files = sorted((sources / "traffic").glob("flow_*.ndjson"))
    load_dataset(contract, files[0], catalog)
    before = _count(catalog, contract.raw_table)
    overlap = files[0].read_text(encoding="utf-8").splitlines()[:10]
    files[1].write_text("\n".join([*overlap, *files[1].read_text(encoding="utf-8").splitlines()]) + "\n")
    result = load_dataset(contract, files[1], catalog)
    assert result.rows_duplicate == 10
    assert result.balanced
    assert _count(catalog, contract.raw_table) == before + result.rows_loaded


def test_entity_updates_merge_by_key(catalog, sources):
    contract = CONTRACTS["parks"]
    path = sources / "development" / "parks.csv"
    load_dataset(contract, sources, catalog)
    header, rows = _read_csv(path, "gb18030")
    rows[0][header.index("占地面积(公顷)")] = "999.5"
    _write_csv(path, header, rows, "gb18030")
    result = load_dataset(contract, sources, catalog)
    table = catalog.load_table(contract.raw_table).scan().to_arrow().to_pylist()
    assert result.rows_loaded == len(rows) and len(table) == len(rows)
    assert {r["park_id"]: r["area_hectares"] for r in table}[rows[0][0]] == 999.5


def test_schema_drift_is_reported_or_refused(catalog, sources):
    contract = CONTRACTS["traffic_flow"]
    path = sorted((sources / "traffic").glob("flow_*.ndjson"))[0]
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        record["lane"] = 2
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    result = load_dataset(contract, path, catalog)
    assert any("columns not in the contract were not loaded: ['lane']" in n for n in result.notes)
    assert "lane" not in catalog.load_table(contract.raw_table).schema().column_names
    for record in records:
        record["vehicle_count"] = "many"
    other = sorted((sources / "traffic").glob("flow_*.ndjson"))[1]
    other.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    with pytest.raises(
        SourceError,
        match=r"flow_.*column 车流量\(辆\) \(vehicle_count\) expected integer, found values shaped 'aaaa'",
    ):
        load_dataset(contract, other, catalog)


def test_xlsx_workbooks_with_title_rows(catalog, sources):
    contract = CONTRACTS["kiosk_checks"]
    result = load_dataset(contract, sources, catalog)
    assert result.status == "committed" and result.rows_loaded > 0 and result.balanced


class _Pages(BaseHTTPRequestHandler):
    items: ClassVar[list[dict]] = []
    failures: ClassVar[dict[int, int]] = {}

    def do_GET(self):
        query = parse_qs(urlparse(self.path).query)
        page, size = int(query["page"][0]), int(query["pageSize"][0])
        if self.failures.get(page, 0) > 0:
            self.failures[page] -= 1
            self.send_response(503)
            self.end_headers()
            return
        chunk = self.items[(page - 1) * size : page * size]
        body = json.dumps({"code": 0, "data": {"total": len(self.items), "items": chunk}}, ensure_ascii=False)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def test_http_api_paging_with_retries_and_idempotency(catalog, sources):
    contract = CONTRACTS["parking_sessions"]
    items = []
    for page in sorted((sources / "parking" / "sessions").glob("page-*.json")):
        items.extend(json.loads(page.read_text(encoding="utf-8"))["data"]["items"])
    _Pages.items = items
    _Pages.failures = {2: 2}  # the second page fails twice before it is served
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/parking/sessions"
        first = load_dataset(contract, url, catalog)
        again = load_dataset(contract, url, catalog)
    finally:
        server.shutdown()
    assert first.rows_in == len(items) == first.rows_loaded + first.rows_quarantined
    assert len(first.units) == -(-len(items) // 500)
    assert again.status == "unchanged"
    assert _count(catalog, contract.raw_table) == first.rows_loaded


def test_quarantined_rows_keep_the_raw_record(catalog, sources):
    contract = CONTRACTS["traffic_flow"]
    path = sorted((sources / "traffic").glob("flow_*.ndjson"))[0]
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["measured_at"] = "not a time"
    lines[0] = json.dumps(record, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_dataset(contract, path, catalog)
    quarantined, _ = read_quarantine(catalog, "traffic_flow")
    (row,) = quarantined.to_pylist()
    assert result.rows_quarantined == 1 and row["locator"] == "line 1"
    assert json.loads(row["raw_record"])["measured_at"] == "not a time"
    assert row["column_name"] == "measured_at"
