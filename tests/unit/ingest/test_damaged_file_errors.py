"""A damaged file is one clear line naming the file and what to do, never a traceback (issue #13,
finding 3): a 0-byte or corrupt workbook, a binary file named .csv, an export cut inside a character."""

import csv
import io
import re
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner

from governance.contracts import load_contracts
from ingest.connectors import SourceError, iter_units, source_field_names
from tests.factories import uscc

CONTRACTS = load_contracts()


def _headers(name: str) -> list[str]:
    return list(source_field_names(CONTRACTS[name]).values())


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _enterprise(i: int) -> list[str]:
    row = [uscc(f"9131011500000{i:04d}"), f"上海临港企业{i}有限公司", "LGP01", f"LGP01-B{i:04d}", "商贸服务"]
    return [*row, "260.14", "2022-05-24", "42", "陆想磊", "15263696383"]


def _ticket(i: int) -> list[str]:
    row = [f"GD2026112000000{i}", "2026-11-20 06:32:57", "交通出行", "南汇新城镇", "云鹃路", "卞楠军"]
    return [*row, "15524108479", "来电反映：信号灯故障，联系电话15524108479。", "办结", "2026-11-21 14:32:25"]


def _cut_gb18030(tmp_path):
    body = _csv_text(_headers("enterprises"), [_enterprise(i) for i in range(1, 4)]).encode("gb18030")
    start = body.rindex("磊".encode("gb18030"))  # the last name of the last row, 2 bytes in GB18030
    folder = tmp_path / "development"
    folder.mkdir()
    (folder / "enterprises_2026-11-21.csv").write_bytes(body[: start + 1])
    return "enterprises", start, 4


def _cut_utf8(tmp_path):
    body = _csv_text(_headers("hotline_tickets"), [_ticket(i) for i in range(1, 4)]).encode("utf-8-sig")
    start = body.rindex("话".encode())  # 3 bytes in UTF-8; the file keeps 2 of them
    folder = tmp_path / "hotline_12345"
    folder.mkdir()
    (folder / "tickets_2026-11-20.csv").write_bytes(body[: start + 2])
    return "hotline_tickets", start, 4


def _cut_ndjson(tmp_path):
    body = (
        '{"alertId": "A1", "residentName": "卞楠军"}\n{"alertId": "A2", "residentName": "卞楠军"}\n'.encode()
    )
    start = body.rindex("军".encode())
    folder = tmp_path / "health"
    folder.mkdir()
    (folder / "elderly_alerts_2026-11-20.ndjson").write_bytes(body[: start + 1])
    return "elderly_care_alerts", start, 2


@pytest.mark.parametrize("make", [_cut_gb18030, _cut_utf8, _cut_ndjson])
def test_a_file_cut_inside_a_character_is_reported_as_truncated(tmp_path, make):
    contract, byte, line = make(tmp_path)
    expected = (
        f"file ends inside a multi-byte character at byte {byte} (line {line}): the export looks "
        "truncated; ask the provider to resend it"
    )
    with pytest.raises(SourceError, match=re.escape(expected)):
        list(iter_units(CONTRACTS[contract], tmp_path))


def _invoke(*args):
    from orchestration.cli import main

    return CliRunner().invoke(main, list(args))


def _assert_one_clear_line(result, name: str) -> None:
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and name in lines[0], result.output


def _zip_without_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


@pytest.fixture
def damaged(tmp_path):
    good = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(_headers("kiosk_checks"))
    workbook.save(good)
    files = {
        "empty.xlsx": b"",
        "cut.xlsx": good.getvalue()[: len(good.getvalue()) // 2],
        "text.xlsx": "检测编号,小屋编号\nC1,K01\n".encode(),
        "no_workbook.xlsx": _zip_without_a_workbook(),
        "binary.csv": bytes(range(256)) * 40,
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


@pytest.mark.parametrize("name", ["empty.xlsx", "cut.xlsx", "text.xlsx", "no_workbook.xlsx", "binary.csv"])
def test_ingest_of_a_damaged_file_is_one_clear_error(damaged, lakehouse_home, name):
    result = _invoke("ingest", "kiosk_checks", str(damaged / name))
    _assert_one_clear_line(result, name)


@pytest.mark.parametrize("name", ["empty.xlsx", "cut.xlsx", "text.xlsx", "no_workbook.xlsx", "binary.csv"])
def test_scan_pii_of_a_damaged_file_is_one_clear_error(damaged, lakehouse_home, name):
    result = _invoke("scan-pii", str(damaged / name))
    _assert_one_clear_line(result, name)


def test_a_file_that_is_not_text_at_all_is_refused(tmp_path):
    folder = tmp_path / "development"
    folder.mkdir()
    (folder / "enterprises_2026-11-21.csv").write_bytes(bytes(range(256)) * 40)
    with pytest.raises(SourceError, match=r"enterprises_2026-11-21.csv: not a CSV file") as caught:
        list(iter_units(CONTRACTS["enterprises"], tmp_path))
    assert "\n" not in str(caught.value)
