"""No error, note or reason carries a value from a source cell (issue #13, finding 2): a damaged export
used to echo the raw row (a caller's name and mobile, a resident ID), cut in the middle of a character."""

import csv
import io
import re

import pytest

from governance.contracts import load_contracts
from ingest.connectors import SourceError, iter_units, source_field_names
from ingest.enforce import enforce
from tests.factories import resident_id

CONTRACTS = load_contracts()

# Personal data planted in the damaged files below: none of it, nor a telling part of it, may be shown.
NAME = "卞楠军"
MOBILE = "15524108479"
RESIDENT_ID = resident_id("31011519900307002")
PLANTED = (NAME, MOBILE, RESIDENT_ID, MOBILE[:7], RESIDENT_ID[:10])


def _headers(name: str) -> list[str]:
    return list(source_field_names(CONTRACTS[name]).values())


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _read(contract_name: str, location):
    (unit,) = iter_units(CONTRACTS[contract_name], location)
    return unit, enforce(CONTRACTS[contract_name], unit)


def _ticket(i: int) -> list[str]:
    return [
        f"GD2026112000000{i}",
        "2026-11-20 06:32:57",
        "交通出行",
        "南汇新城镇",
        "云鹃路",
        NAME,
        MOBILE,
        f"市民{NAME}（身份证{RESIDENT_ID}）来电反映：信号灯故障，联系电话{MOBILE}。",
        "办结",
        "2026-11-21 14:32:25",
    ]


def _tickets_file(tmp_path, body: bytes):
    folder = tmp_path / "hotline_12345"
    folder.mkdir(exist_ok=True)
    (folder / "tickets_2026-11-20.csv").write_bytes(body)


def _ragged_ticket(tmp_path):
    rows = [_ticket(i) for i in range(1, 6)]
    rows[2] = rows[2][:9]
    _tickets_file(tmp_path, _csv_text(_headers("hotline_tickets"), rows).encode("utf-8-sig"))


def _truncated_ticket(tmp_path):
    body = _csv_text(_headers("hotline_tickets"), [_ticket(i) for i in range(1, 4)]).encode("utf-8-sig")
    _tickets_file(tmp_path, body[: body.rindex(MOBILE.encode()) - 2])  # inside the "话" before the mobile


def _personal_data_in_a_time_column(tmp_path):
    rows = [_ticket(i) for i in range(1, 31)]
    for row in rows:  # a changed export: the caller's mobile now where the time was
        row[1] = MOBILE
    _tickets_file(tmp_path, _csv_text(_headers("hotline_tickets"), rows).encode("utf-8-sig"))


def _one_shifted_row(tmp_path):
    rows = [_ticket(i) for i in range(1, 31)]
    rows[4][1], rows[4][9] = RESIDENT_ID, NAME  # same field count, values in the wrong columns
    _tickets_file(tmp_path, _csv_text(_headers("hotline_tickets"), rows).encode("utf-8-sig"))


def _no_header_row(tmp_path):
    rows = [_ticket(i) for i in range(1, 4)]
    _tickets_file(tmp_path, _csv_text(rows[0], rows[1:]).encode("utf-8-sig"))


@pytest.mark.parametrize(
    "damage",
    [_ragged_ticket, _truncated_ticket, _personal_data_in_a_time_column, _one_shifted_row, _no_header_row],
)
def test_no_message_echoes_a_name_mobile_or_resident_id(tmp_path, damage):
    damage(tmp_path)
    texts = []
    try:
        unit, enforced = _read("hotline_tickets", tmp_path)
        texts += [*unit.notes, *enforced.notes, *enforced.rejects.reasons.to_pylist()]
    except SourceError as exc:
        texts.append(str(exc))
    assert texts
    for text in texts:
        for value in PLANTED:
            assert value not in text, f"{value!r} echoed in {text!r}"


def test_a_changed_export_is_still_described_without_its_values(tmp_path):
    _personal_data_in_a_time_column(tmp_path)
    shape = "expected timestamp, found values shaped '99999999999'"
    with pytest.raises(SourceError, match=re.escape(shape)):
        _read("hotline_tickets", tmp_path)


def test_a_sensitive_value_is_not_echoed_in_a_quarantine_reason():
    """Blood pressure (PIPL Art. 28 health data, no identifier class) that fails to parse: the reason names
    the column and the problem, never the reading."""
    import pyarrow as pa

    from ingest.enforce import _reason_for

    column = next(c for c in load_contracts()["kiosk_checks"].columns if c.name == "systolic_mmhg")
    assert column.pii is None and column.sensitive == "health"
    reasons = _reason_for(column, column.name, "not an integer", pa.array(["一百四十", "13x"]))
    texts = [reasons] if isinstance(reasons, str) else reasons.to_pylist()
    assert texts and all("一百四十" not in r and "13x" not in r and "not an integer" in r for r in texts)
