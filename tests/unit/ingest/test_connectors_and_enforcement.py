"""Connectors read each hand-over shape; enforcement rejects exactly the rows that break the contract."""

import csv
import io
import json
import re
import sqlite3

import openpyxl
import pyarrow as pa
import pytest

from governance.contracts import load_contracts
from ingest.connectors import SourceError, iter_units, source_field_names
from ingest.enforce import enforce, raw_records
from tests.factories import resident_id

CONTRACTS = load_contracts()


def _headers(name):
    return list(source_field_names(CONTRACTS[name]).values())


def _csv_bytes(header, rows, encoding):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


PARK_ROWS = [
    ["P01", "临港科技城", "临港集团", "南汇新城镇", "1,234.5"],
    ["P02", "张江临港园区\n(二期)", "港城集团", "泥城镇", "88"],
    ["P03", "碳之谷低碳示范园区", "临港集团", "书院镇", "—"],
]


def test_gb18030_csv_with_chinese_headers_and_quoted_newlines(tmp_path):
    folder = tmp_path / "development"
    folder.mkdir()
    (folder / "parks.csv").write_bytes(_csv_bytes(_headers("parks"), PARK_ROWS, "gb18030"))
    (unit,) = iter_units(CONTRACTS["parks"], tmp_path)
    enforced = enforce(CONTRACTS["parks"], unit)
    assert enforced.table.num_rows == 3
    assert enforced.table.column("park_name").to_pylist()[1] == "张江临港园区\n(二期)"
    assert enforced.table.column("area_hectares").to_pylist() == [1234.5, 88.0, None]


def test_a_utf8_file_declared_gb18030_is_still_read_and_noted(tmp_path):
    (tmp_path / "development").mkdir()
    (tmp_path / "development" / "parks.csv").write_bytes(_csv_bytes(_headers("parks"), PARK_ROWS, "utf-8"))
    (unit,) = iter_units(CONTRACTS["parks"], tmp_path)
    assert unit.table.num_rows == 3
    assert unit.table.column("园区名称").to_pylist()[0] == "临港科技城"


def test_missing_required_column_names_file_column_and_header(tmp_path):
    (tmp_path / "development").mkdir()
    header = [h for h in _headers("parks") if h != "开发主体"]
    rows = [[r[0], r[1], r[3], r[4]] for r in PARK_ROWS]
    (tmp_path / "development" / "parks.csv").write_bytes(_csv_bytes(header, rows, "gb18030"))
    (unit,) = iter_units(CONTRACTS["parks"], tmp_path)
    with pytest.raises(SourceError, match=re.escape("parks.csv: required columns missing: 开发主体")):
        enforce(CONTRACTS["parks"], unit)


def test_rejects_carry_column_and_reason_and_never_echo_personal_data(tmp_path):
    contract = CONTRACTS["rental_trips"]
    header = _headers("rental_trips")
    good = [
        "T1",
        "bike",
        "13812345678",
        "滴水湖地铁站",
        "天文馆",
        "2026-11-01 08:00:00",
        "2026-11-01 08:20:00",
        "3.2",
    ]
    bad_time = ["T2", "bike", "13812345679", "滴水湖地铁站", "", "2026-13-01 08:00", "", "1"]
    bad_mobile = ["T3", "ev", "12345", "申港大道", "", "2026-11-01 09:00", "", "2"]
    dup_early = ["T4", "bike", "13812345670", "申港大道", "", "2026-11-01 10:00", "", "2"]
    dup_late = ["T4", "ebike", "13812345670", "申港大道", "", "2026-11-01 10:05", "", "2"]
    (tmp_path / "rental").mkdir()
    (tmp_path / "rental" / "trips_2026-11-01.csv").write_bytes(
        _csv_bytes(header, [good, bad_time, bad_mobile, dup_early, dup_late], "utf-8")
    )
    (unit,) = iter_units(contract, tmp_path)
    enforced = enforce(contract, unit)
    assert enforced.table.column("trip_id").to_pylist() == ["T1", "T4"]
    assert enforced.table.column("vehicle_type").to_pylist()[1] == "ebike"
    reasons = dict(zip(enforced.rejects.rows.to_pylist(), enforced.rejects.reasons.to_pylist(), strict=True))
    columns = dict(zip(enforced.rejects.rows.to_pylist(), enforced.rejects.columns.to_pylist(), strict=True))
    assert columns == {1: "started_at", 2: "user_mobile", 3: "trip_id"}
    assert "'2026-13-01 08:00' cannot be read as timestamp" in reasons[1]
    assert "12345" not in reasons[2] and "手机号" in reasons[2]
    assert "row 6 was kept" in reasons[3]


def test_xlsx_header_found_below_title_rows(tmp_path):
    contract = CONTRACTS["kiosk_checks"]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["健康小屋自助检测数据导出 2026-11-01"])
    sheet.append([])
    sheet.append(_headers("kiosk_checks"))
    sheet.append(["C1", "K01", resident_id("31011519900307002"), "2026-11-01 09:00", 120, 80, 5.4])
    (tmp_path / "health").mkdir()
    workbook.save(tmp_path / "health" / "kiosk_checks_2026-11-01.xlsx")
    (unit,) = iter_units(contract, tmp_path)
    assert unit.locators.to_pylist() == ["sheet Sheet row 4"]
    enforced = enforce(contract, unit)
    assert enforced.table.column("systolic_mmhg").to_pylist() == [120]


def test_an_id_number_a_spreadsheet_stored_as_a_number_is_quarantined_saying_so(tmp_path):
    contract = CONTRACTS["kiosk_checks"]
    ids = [resident_id("31011519900307002"), resident_id("31011519850101123")]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(_headers("kiosk_checks"))
    sheet.append(["C1", "K01", float(ids[0]), "2026-11-01 09:00", 120, 80, 5.4])  # digits past the 15th lost
    sheet.append(["C2", "K01", ids[1][:-1] + "0", "2026-11-01 09:05", 121, 81, 5.5])  # a wrong check digit
    (tmp_path / "health").mkdir()
    workbook.save(tmp_path / "health" / "kiosk_checks_2026-11-01.xlsx")
    (unit,) = iter_units(contract, tmp_path)
    reasons = enforce(contract, unit).rejects.reasons.to_pylist()
    assert reasons[0].startswith("身份证号: stored as a number in the export (scientific notation)")
    assert "ask the provider to export this column as text" in reasons[0]
    assert reasons[1].startswith("身份证号: 不是有效的身份证号")
    assert not any(ids[0][:10] in r or ids[1][:10] in r for r in reasons)  # never the value


def test_json_pages_become_one_unit(tmp_path):
    contract = CONTRACTS["parking_lots"]
    folder = tmp_path / "parking" / "lots"
    folder.mkdir(parents=True)
    for page in (1, 2):
        items = [
            {"lotId": f"L{page}{i}", "lotName": "滴水湖地铁站P+R", "town": "南汇新城镇", "totalSpaces": 100}
            for i in range(3)
        ]
        document = {"code": 0, "data": {"page": page, "items": items}}
        (folder / f"page-{page:04d}.json").write_text(
            json.dumps(document, ensure_ascii=False), encoding="utf-8"
        )
    (unit,) = iter_units(contract, tmp_path)
    assert unit.num_rows == 6
    assert unit.locators.to_pylist()[3] == "page-0002.json item 1"
    assert enforce(contract, unit).table.column("capacity").to_pylist() == [100] * 6


def test_sqlite_reads_incrementally_after_the_watermark(tmp_path):
    contract = CONTRACTS["approval_steps"]
    db = tmp_path / "online_service_hall.db"
    with sqlite3.connect(db) as connection:
        connection.execute(
            "create table approval_steps (step_id integer, application_id text, step_name text, "
            "handler_department text, started_at text, finished_at text, outcome text)"
        )
        connection.executemany(
            "insert into approval_steps values (?, ?, 'prereview', 'gov_services', '2026-11-01 09:00:00', null, 'pending')",
            [(i, f"A{i}") for i in range(1, 11)],
        )
    (everything,) = iter_units(contract, tmp_path)
    (later,) = iter_units(contract, tmp_path, watermark_after="7")
    assert everything.num_rows == 10 and everything.watermark == "10"
    assert later.table.column("step_id").to_pylist() == ["8", "9", "10"]
    assert enforce(contract, later).table.column("step_id").type == pa.int64()


def test_a_database_without_the_table_says_what_it_holds_instead(tmp_path):
    contract = CONTRACTS["approval_steps"]
    db = tmp_path / "online_service_hall.db"
    db.touch()  # an export that never got written: SQLite reads an empty file as an empty database
    with pytest.raises(SourceError, match="no table 'approval_steps'; it holds no table at all"):
        list(iter_units(contract, tmp_path))
    with sqlite3.connect(db) as connection:
        connection.execute("create table approval_step (step_id integer)")
    with pytest.raises(SourceError, match=r"it holds 1 other table\(s\): approval_step$"):
        list(iter_units(contract, tmp_path))


def test_no_matching_files_is_a_clear_error(tmp_path):
    with pytest.raises(SourceError, match=re.escape("no files match 'traffic/flow_*.ndjson'")):
        list(iter_units(CONTRACTS["traffic_flow"], tmp_path))


def _trips_csv(tmp_path, rows, encoding="utf-8"):
    (tmp_path / "rental").mkdir(exist_ok=True)
    path = tmp_path / "rental" / "trips_2026-11-02.csv"
    path.write_bytes(_csv_bytes(_headers("rental_trips"), rows, encoding))
    return path


CLEAN_TRIP = ["T1", "bike", "13812345678", "滴水湖地铁站", "天文馆", "2026-11-02T08:00:00", "", "3.2"]


def _read_and_enforce(tmp_path, rows):
    _trips_csv(tmp_path, rows)
    (unit,) = iter_units(CONTRACTS["rental_trips"], tmp_path)
    return unit, enforce(CONTRACTS["rental_trips"], unit)


def test_clean_csv_is_read_typed_at_once_and_quarantine_still_shows_values_as_written(tmp_path):
    bad_mobile = ["T2", "ev", "12345", "申港大道", "", "2026-11-02T09:00:00", "2026-11-02 09:30", "1e1"]
    unit, enforced = _read_and_enforce(tmp_path, [CLEAN_TRIP, bad_mobile])
    assert unit.table.schema.field("started_at").type == pa.timestamp("us")
    assert enforced.table.column("distance_km").to_pylist() == [3.2]
    assert enforced.table.column("ended_at").to_pylist() == [None]
    (record,) = raw_records(unit, enforced.rejects.rows)
    assert "2026-11-02T09:00:00" in record and "1e1" in record  # as the department wrote them


@pytest.mark.parametrize(
    ("cell", "column"),
    [("2026年11月2日 8时", 5), ("inf", 7), (" 2026-11-02 08:00:00", 5)],
)
def test_a_cell_arrow_would_not_read_as_enforcement_does_sends_the_file_to_the_text_path(
    tmp_path, cell, column
):
    odd = list(CLEAN_TRIP)
    odd[0], odd[column] = "T2", cell
    unit, enforced = _read_and_enforce(tmp_path, [CLEAN_TRIP, odd])
    assert all(pa.types.is_string(t) for t in unit.table.schema.types)
    assert enforced.table.num_rows + len(enforced.rejects) == 2
    if cell == "inf":
        assert enforced.rejects.columns.to_pylist() == ["distance_km"]


def test_gbk_bytes_in_a_file_declared_utf8_are_transcoded(tmp_path):
    _trips_csv(tmp_path, [CLEAN_TRIP], encoding="gb18030")
    (unit,) = iter_units(CONTRACTS["rental_trips"], tmp_path)
    assert unit.table.column(3).to_pylist() == ["滴水湖地铁站"]
    assert any("read as gb18030" in note for note in unit.notes)


def test_null_tokens_in_typed_columns_are_absent_values_on_the_typed_path(tmp_path):
    no_time = ["T2", "bike", "13812345679", "滴水湖地铁站", "", "—", "无", "N/A"]
    unit, enforced = _read_and_enforce(tmp_path, [CLEAN_TRIP, no_time])
    assert unit.table.schema.field("started_at").type == pa.timestamp("us")
    assert enforced.rejects.columns.to_pylist() == ["started_at"]
    assert "required value is missing" in enforced.rejects.reasons[0].as_py()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("trips_empty.csv", b"", "trips_empty.csv: empty file (no header row)"),
        ("trips_bad.parquet", b"PAR1 this is not parquet", "trips_bad.parquet: not a readable Parquet file"),
    ],
)
def test_unreadable_files_fail_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(message)):
        list(iter_units(CONTRACTS["rental_trips"], path))
