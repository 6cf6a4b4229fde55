"""A row with the wrong number of fields is quarantined with its file, line and reason, and the rest of
the file loads (issue #13, finding 1): one ragged row used to refuse a whole export."""

import csv
import io

import pyarrow as pa
import pytest

from governance.contracts import load_contracts
from ingest.connectors import iter_units, source_field_names
from ingest.enforce import enforce, raw_records
from tests.factories import uscc

CONTRACTS = load_contracts()


def _headers(name: str) -> list[str]:
    return list(source_field_names(CONTRACTS[name]).values())


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # "\r\n" line ends, as the department exports have
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _enterprise(i: int) -> list[str]:
    return [
        uscc(f"9131011500000{i:04d}"),
        f"上海临港企业{i}有限公司",
        "LGP01",
        f"LGP01-B{i:04d}",
        "商贸服务",
        "260.14",
        "2022-05-24",
        "42",
        "陆想磊",
        "15263696383",
    ]


def _enterprises_file(tmp_path, rows):
    folder = tmp_path / "development"
    folder.mkdir(exist_ok=True)
    path = folder / "enterprises_2026-11-21.csv"
    path.write_bytes(_csv_text(_headers("enterprises"), rows).encode("gb18030"))
    return path


def _read(contract_name: str, location):
    (unit,) = iter_units(CONTRACTS[contract_name], location)
    return unit, enforce(CONTRACTS[contract_name], unit)


def _quarantined(unit, enforced) -> list[tuple[str, str | None, str, str]]:
    rows = enforced.rejects.rows
    return list(
        zip(
            unit.locate(rows).to_pylist(),
            enforced.rejects.columns.to_pylist(),
            enforced.rejects.reasons.to_pylist(),
            raw_records(unit, rows),
            strict=True,
        )
    )


@pytest.mark.parametrize(("cut", "fields"), [(-1, 9), (None, 11)])
def test_a_row_with_too_few_or_too_many_fields_is_quarantined_and_the_rest_loads(tmp_path, cut, fields):
    rows = [_enterprise(i) for i in range(1, 301)]
    rows[3] = rows[3][:cut] if cut else [*rows[3], "多余"]
    path = _enterprises_file(tmp_path, rows)
    unit, enforced = _read("enterprises", tmp_path)
    assert unit.num_rows == 300  # the ragged row counts in rows in
    assert enforced.table.num_rows == 299 and len(enforced.rejects) == 1
    (locator, column, reason, raw) = _quarantined(unit, enforced)[0]
    assert locator == "line 5"  # the header is line 1
    assert column is None
    assert reason == f"row has {fields} fields, header has 10"
    assert raw == path.read_bytes().decode("gb18030").split("\r\n")[4]  # the line as the provider wrote it
    # the rows around it keep their own places
    assert enforced.table.column("uscc").to_pylist()[3] == rows[4][0]
    assert unit.locate(pa.array([4], pa.int64())).to_pylist() == ["row 6"]


def test_the_typed_and_the_text_path_quarantine_a_ragged_row_alike(tmp_path):
    header = _headers("rental_trips")
    clean = ["T1", "bike", "13812345678", "滴水湖地铁站", "天文馆", "2026-11-02 08:00:00", "", "3.2"]
    ragged = ["T2", "bike", "13812345679", "滴水湖地铁站", "2026-11-02 09:00:00", "", "1"]
    later = ["T3", "ev", "13812345670", "申港大道", "", "2026-11-02 10:00:00", "", "2"]
    odd = ["T4", "ev", "13812345671", "申港大道", "", "2026年11月2日 8时", "", "2"]  # only text reads it
    results = {}
    for kind, rows in {"typed": [clean, ragged, later], "text": [clean, ragged, later, odd]}.items():
        folder = tmp_path / kind / "rental"
        folder.mkdir(parents=True)
        (folder / "trips_2026-11-02.csv").write_bytes(_csv_text(header, rows).encode("utf-8"))
        unit, enforced = _read("rental_trips", tmp_path / kind)
        assert pa.types.is_timestamp(unit.table.schema.field("started_at").type) == (kind == "typed")
        results[kind] = (unit.num_rows, enforced.table.num_rows, _quarantined(unit, enforced)[:1])
    assert results["typed"] == (3, 2, [("line 3", None, "row has 7 fields, header has 8", ",".join(ragged))])
    assert results["text"][2] == results["typed"][2]
    assert results["text"][0] == 4


def test_a_quoted_newline_before_a_ragged_row_moves_its_line_not_its_row(tmp_path):
    rows = [_enterprise(i) for i in range(1, 6)]
    rows[0][1] = "上海临港企业\n(一期)有限公司"
    rows[2] = rows[2][:8]
    _enterprises_file(tmp_path, rows)
    unit, enforced = _read("enterprises", tmp_path)
    assert unit.num_rows == 5 and enforced.table.num_rows == 4
    assert [q[:3] for q in _quarantined(unit, enforced)] == [
        ("line 5", None, "row has 8 fields, header has 10")
    ]
    assert unit.locate(pa.array([3], pa.int64())).to_pylist() == ["row 5"]


@pytest.fixture(scope="module")
def traffic_folder(tmp_path_factory):
    from ingest.simulator import simulate

    out = tmp_path_factory.mktemp("sources")
    simulate(out, scale=0.01, days=1)
    return out


def _damaged_flow(traffic_folder, tmp_path, damage):
    (source,) = (traffic_folder / "traffic").glob("flow_*.ndjson")
    lines = source.read_text(encoding="utf-8").splitlines()
    folder = tmp_path / "traffic"
    folder.mkdir()
    (folder / source.name).write_text("\n".join(damage(lines)) + "\n", encoding="utf-8")
    return lines


def test_an_ndjson_line_that_is_not_a_record_is_quarantined_and_the_rest_loads(traffic_folder, tmp_path):
    def damage(lines):
        lines = list(lines)
        lines[2] = lines[2][: len(lines[2]) // 2]  # cut off in the middle of a record
        lines[4] = "[1, 2]"  # JSON, not an object
        return lines

    lines = _damaged_flow(traffic_folder, tmp_path, damage)
    unit, enforced = _read("traffic_flow", tmp_path)
    assert unit.num_rows == len(lines)  # the damaged lines count in rows in
    assert enforced.table.num_rows + len(enforced.rejects) == len(lines)
    quarantined = _quarantined(unit, enforced)
    assert [(q[0], q[1]) for q in quarantined] == [("line 3", None), ("line 5", None)]
    assert quarantined[0][2].startswith("not valid JSON (Unterminated string")
    assert quarantined[1][2].startswith("not a JSON object")
    assert quarantined[0][3] == lines[2][: len(lines[2]) // 2]  # the line as the provider wrote it
    assert unit.locate(pa.array([5], pa.int64())).to_pylist() == ["line 6"]


def test_an_ndjson_line_damaged_in_transfer_is_quarantined_and_the_rest_loads(traffic_folder, tmp_path):
    (source,) = (traffic_folder / "traffic").glob("flow_*.ndjson")
    lines = source.read_bytes().split(b"\n")
    damaged = bytearray(lines[3])
    damaged[10] = 0xFF
    lines[3] = bytes(damaged)
    (tmp_path / "traffic").mkdir()
    (tmp_path / "traffic" / source.name).write_bytes(b"\n".join(lines))
    unit, enforced = _read("traffic_flow", tmp_path)
    assert (
        enforced.table.num_rows + len(enforced.rejects)
        == unit.num_rows
        == len([x for x in lines if x.strip()])
    )
    ((locator, column, reason, raw),) = _quarantined(unit, enforced)
    assert (locator, column) == ("line 4", None)
    assert reason.startswith("holds bytes that are no UTF-8 text") and "\ufffd" in raw


def test_an_ndjson_file_with_no_record_is_refused_whole(traffic_folder, tmp_path):
    from ingest.connectors import SourceError

    _damaged_flow(traffic_folder, tmp_path, lambda lines: ["not json", "{oops"])
    with pytest.raises(SourceError, match="no line is a JSON object"):
        list(iter_units(CONTRACTS["traffic_flow"], tmp_path))


def _spoil_line(path, number: int, at: int = 20) -> None:
    """A byte that is no character in UTF-8 or GB18030, put into line ``number`` (1-based)."""
    lines = path.read_bytes().split(b"\n")
    line = bytearray(lines[number - 1])
    line[at] = 0xFF
    lines[number - 1] = bytes(line)
    path.write_bytes(b"\n".join(lines))


def test_a_line_damaged_in_transfer_is_quarantined_and_the_rest_loads(tmp_path):
    rows = [_enterprise(i) for i in range(1, 301)]
    rows[2][1] = "上海临港企业\n(一期)有限公司"  # a quoted newline before it moves lines, not rows
    rows[9] = rows[9][:8]  # and a ragged row keeps its own reason
    rows[5][1] = "上海临港企业6有限公司,二期"  # quoted: the damaged row is kept as written, quotes and all
    path = _enterprises_file(tmp_path, rows)
    _spoil_line(path, 8)  # record 6 (the header is line 1, record 3 spans lines 4 and 5)
    _spoil_line(path, 40)
    unit, enforced = _read("enterprises", tmp_path)
    assert unit.num_rows == 300
    assert enforced.table.num_rows == 297 and len(enforced.rejects) == 3
    quarantined = {q[0]: q for q in _quarantined(unit, enforced)}
    assert set(quarantined) == {"line 8", "line 12", "line 40"}
    assert quarantined["line 12"][2] == "row has 8 fields, header has 10"
    for line in ("line 8", "line 40"):
        assert quarantined[line][2].startswith("holds bytes that are no text in gb18030")
        assert "\ufffd" in quarantined[line][3]  # the row as read, the damaged byte shown as such
    written = path.read_bytes().split(b"\n")[7].decode("gb18030", errors="replace").rstrip("\r")
    assert quarantined["line 8"][3] == written  # as the file has it: delimiters and quotes kept
    assert rows[5][0] not in enforced.table.column("uscc").to_pylist()
    assert rows[6][0] in enforced.table.column("uscc").to_pylist()
    assert any("2 line(s) hold bytes that are no text in gb18030 (line 8, 40)" in n for n in unit.notes)


def test_a_file_with_many_damaged_lines_is_still_refused_as_another_encoding(tmp_path):
    from ingest.connectors import SourceError

    path = _enterprises_file(tmp_path, [_enterprise(i) for i in range(1, 41)])
    for number in range(2, 12):
        _spoil_line(path, number)
    # A quarter of its lines: the encoding is wrong, not a few rows. Read in the encoding detection chose,
    # no header matches, and the message says the encoding may be why.
    with pytest.raises(SourceError, match=r"or the file not in \S+ \(the encoding it was read in\)"):
        _read("enterprises", tmp_path)


def test_an_api_page_item_that_is_not_a_record_is_quarantined_and_the_rest_loads(traffic_folder, tmp_path):
    import json

    pages = sorted((traffic_folder / "parking" / "sessions").glob("page-*.json"))
    folder = tmp_path / "parking" / "sessions"
    folder.mkdir(parents=True)
    total = 0
    for number, page in enumerate(pages):
        document = json.loads(page.read_text(encoding="utf-8"))
        if number == 0:
            document["data"]["items"][1] = None
            document["data"]["items"][3] = "garbled"
        total += len(document["data"]["items"])
        (folder / page.name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    unit, enforced = _read("parking_sessions", tmp_path)
    assert unit.num_rows == total == enforced.table.num_rows + len(enforced.rejects)
    quarantined = _quarantined(unit, enforced)
    assert [q[0] for q in quarantined] == [f"{pages[0].name} item 2", f"{pages[0].name} item 4"]
    assert all(q[2].startswith("not a JSON object") for q in quarantined)


def test_a_document_with_no_record_in_it_is_refused():
    from ingest.connectors import SourceError
    from ingest.connectors.base import object_records

    with pytest.raises(SourceError, match="page 1: no item is a JSON object"):
        object_records([None, "x"], ["item 1", "item 2"], "page 1")


def test_a_header_row_repeated_inside_the_file_is_quarantined_as_such(tmp_path):
    rows = [_enterprise(i) for i in range(1, 21)]
    header = _headers("enterprises")
    # Two exports joined, the second one's header cells padded.
    text = _csv_text(header, rows[:10]) + _csv_text([f" {h}" for h in header], rows[10:])
    folder = tmp_path / "development"
    folder.mkdir()
    (folder / "enterprises_2026-11-21.csv").write_bytes(text.encode("gb18030"))
    unit, enforced = _read("enterprises", tmp_path)
    assert unit.num_rows == 21 and enforced.table.num_rows == 20
    assert _quarantined(unit, enforced)[0][:3] == (
        "row 12",
        None,
        "the header row again, not a record (two exports joined into one file?)",
    )


def test_lines_ending_in_a_carriage_return_alone_are_read_as_lines(tmp_path):
    rows = [_enterprise(i) for i in range(1, 21)]
    rows[4] = rows[4][:8]  # a ragged row keeps its own line
    path = _enterprises_file(tmp_path, rows)
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\r"))  # Excel for Mac's "CSV (Macintosh)"
    unit, enforced = _read("enterprises", tmp_path)
    assert unit.num_rows == 20 and enforced.table.num_rows == 19
    assert _quarantined(unit, enforced)[0][:3] == ("line 6", None, "row has 8 fields, header has 10")


def test_ndjson_records_delivered_as_one_json_array_are_read_item_by_item(traffic_folder, tmp_path):
    import json

    def as_array(lines):
        items = [json.loads(line) for line in lines]
        items[2] = None  # an item that is no record is still its record's fault
        return [json.dumps(items, ensure_ascii=False, indent=1)]

    lines = _damaged_flow(traffic_folder, tmp_path, as_array)
    unit, enforced = _read("traffic_flow", tmp_path)
    assert unit.num_rows == len(lines) == enforced.table.num_rows + 1
    assert _quarantined(unit, enforced)[0][:2] == ("item 3", None)
    assert any("one JSON array, not one record per line" in note for note in unit.notes)


def test_an_empty_json_page_is_refused_saying_so(traffic_folder, tmp_path):
    from ingest.connectors import SourceError

    folder = tmp_path / "parking" / "sessions"
    folder.mkdir(parents=True)
    for page in sorted((traffic_folder / "parking" / "sessions").glob("page-*.json")):
        (folder / page.name).write_bytes(page.read_bytes())
    (folder / "page-0001.json").write_bytes(b"")
    with pytest.raises(SourceError, match=r"page-0001\.json: empty file, no JSON page"):
        _read("parking_sessions", tmp_path)


def test_a_header_below_title_lines_is_found_and_rows_keep_the_files_numbers(tmp_path):
    """A workbook saved as CSV keeps its title rows: the header is found below them, and every locator
    still names the file's own line or row."""
    rows = [_enterprise(i) for i in range(1, 41)]
    rows[5] = rows[5][:8]  # ragged, on line 10: the header is on line 4, the first row on line 5
    rows[9][0] = "X" + rows[9][0][1:]  # an invalid USCC, on row 14 as a spreadsheet numbers it
    title = "临港企业名录导出（2026-11-21）,,,,,,,,,\r\n,,,,,,,,,\r\n导出人：系统\r\n"
    path = _enterprises_file(tmp_path, rows)
    path.write_bytes(title.encode("gb18030") + path.read_bytes())
    _spoil_line(path, 24)  # a byte that is no text, in the row on line 24
    unit, enforced = _read("enterprises", tmp_path)
    assert unit.num_rows == 40 and enforced.table.num_rows == 37
    reasons = {q[0]: q[2] for q in _quarantined(unit, enforced)}
    assert sorted(reasons) == ["line 10", "line 24", "row 14"]
    assert reasons["line 10"] == "row has 8 fields, header has 10"
    assert reasons["row 14"].startswith("统一社会信用代码: 不是有效的统一社会信用代码")
    assert reasons["line 24"].startswith("holds bytes that are no text in gb18030")
    assert any("the header is on line 4, below title lines" in note for note in unit.notes)


def test_a_totals_row_is_quarantined_as_such(tmp_path):
    rows = [_enterprise(i) for i in range(1, 11)]
    rows.append(["合计：", "", "", "", "", "2601.40", "", "420", "", ""])  # a spreadsheet's sum line
    _enterprises_file(tmp_path, rows)
    unit, enforced = _read("enterprises", tmp_path)
    assert unit.num_rows == 11 and enforced.table.num_rows == 10
    assert _quarantined(unit, enforced)[0][:2] == ("row 12", None)
    assert _quarantined(unit, enforced)[0][2].startswith("a totals row (合计, 总计 …), not a record")
