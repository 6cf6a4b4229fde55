"""Property: whatever damage a department's CSV export carries, every row is accounted for and no message
carries the personal data in it (issue #13). Hypothesis writes enterprises exports (GB18030 or UTF-8) with
ragged rows, shifted rows, quoted newlines, stray quotes, blank lines, bad dates, null tokens, full-width
digits, duplicate keys, resident IDs typed into the phone column, personal data in a typed column, the
header again and a byte that is no text, between valid rows, below title lines, with lines ending in CRLF,
LF or CR alone; each is loaded into a fresh embedded lakehouse."""

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.contracts import load_contracts
from ingest.audit_tables import read_quarantine
from ingest.connectors import SourceError, source_field_names
from ingest.load import load_dataset
from tests.factories import resident_id, uscc

CONTRACT = load_contracts()["enterprises"]
# Load whatever share is bad: the property is about the balance, not about the reject threshold.
LENIENT = CONTRACT.model_copy(update={"load": CONTRACT.load.model_copy(update={"max_reject_share": 1.0})})
HEADER = list(source_field_names(CONTRACT).values())

NAMES = ("卞楠军", "陆想磊", "段丹丹", "欧阳娜")
MOBILES = ("15524108479", "13041844098", "18621973305", "19796697307")
RESIDENT_IDS = (resident_id("31011519900307002"), resident_id("11010519851224301"))
PLANTED = (*NAMES, *MOBILES, *RESIDENT_IDS, *(m[:7] for m in MOBILES), *(i[:10] for i in RESIDENT_IDS))

DAMAGES = (
    "missing_field",
    "extra_field",
    "shifted",
    "quoted_newline",
    "stray_quote",
    "bad_date",
    "null_token",
    "fullwidth_digits",
    "id_in_phone",
    "personal_in_typed_column",
    "duplicate_key",
    "blank_line",
    "header_again",
    "byte_not_text",
)
# Each example loads into its own lakehouse; in memory where there is /dev/shm (SQLite commits are 3x cheaper).
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _row(i: int, draw) -> list[str]:
    return [
        uscc(f"91310115{i:09d}"),
        f"上海临港{draw(st.sampled_from(('诚安贸易', '恒诚金融', '泰通生物')))}有限公司{i}",
        draw(st.sampled_from(("LGP01", "LGP02"))),
        f"LGP01-B{i:04d}",
        draw(st.sampled_from(("商贸服务", "金融服务", "生物医药"))),
        str(draw(st.decimals(min_value=0, max_value=5000, places=2))),
        f"20{draw(st.integers(10, 25))}-0{draw(st.integers(1, 9))}-{draw(st.integers(10, 28))}",
        str(draw(st.integers(0, 900))),
        draw(st.sampled_from(NAMES)),
        draw(st.sampled_from(MOBILES)),
    ]


def _field(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value


@st.composite
def damaged_exports(draw) -> tuple[bytes, str, int, bool]:
    """The file's bytes, its encoding, how many rows were written, and whether a stray quote may have
    joined rows (then the reader cannot know how many there were)."""
    count = draw(st.integers(1, 25))
    newline = draw(st.sampled_from(("\r\n", "\n", "\r")))  # CR alone: Excel for Mac
    # Title lines above the header, as a workbook saved as CSV keeps them.
    titles = draw(st.sampled_from(([], ["企业名录导出" + "," * 9], ["企业名录导出", "," * 9])))
    lines = [*titles, ",".join(HEADER)]
    written, stray, spoiled = 0, False, False
    for i in range(1, count + 1):
        fields = _row(i, draw)
        damage = draw(st.sampled_from((None, None, *DAMAGES)))
        at = draw(st.integers(0, len(fields) - 1))
        if damage == "missing_field":
            del fields[at]
        elif damage == "extra_field":
            fields.insert(at, draw(st.sampled_from(("多余", "", "x"))))
        elif damage == "shifted":  # a field lost and another added further on: the count is right
            del fields[at]
            fields.insert(draw(st.integers(at, len(fields))), "多余")
        elif damage == "quoted_newline":
            fields[1] = fields[1][:4] + newline + fields[1][4:]
        elif damage == "bad_date":
            fields[6] = draw(st.sampled_from(("2019-02-30", "2019年13月1日", "20191301", "昨天")))
        elif damage == "null_token":
            fields[at] = draw(st.sampled_from(("—", "无", "NULL", "N/A", "")))
        elif damage == "fullwidth_digits":
            fields[7] = fields[7].translate(FULLWIDTH)
        elif damage == "id_in_phone":
            fields[9] = draw(st.sampled_from(RESIDENT_IDS))
        elif damage == "personal_in_typed_column":  # capital, date or employees: what a shift leaves there
            fields[draw(st.integers(5, 7))] = draw(st.sampled_from((*NAMES, *MOBILES, *RESIDENT_IDS)))
        elif damage == "duplicate_key" and i > 1:
            fields[0] = uscc(f"91310115{draw(st.integers(1, i - 1)):09d}")
        line = ",".join(_field(f) for f in fields)
        if damage == "stray_quote":
            cut = draw(st.integers(0, len(line)))
            line, stray = line[:cut] + '"' + line[cut:], True
        if damage == "header_again":  # two exports joined: the second one's header is a row in
            lines.append(",".join(HEADER))
            written += 1
        if damage == "byte_not_text" and not spoiled:  # one byte damaged in transfer: at most 2 lines may be
            line, spoiled = line + "\udcff", True
        lines.append(line)
        written += 1
        if damage == "blank_line":
            lines.append("")
    encoding = draw(st.sampled_from(("gb18030", "utf-8")))
    text = newline.join(lines) + newline
    return text.encode(encoding, errors="surrogateescape"), encoding, written, stray


def _load(body: bytes, home: Path):
    """Load one export into a fresh lakehouse home: the result (or the refusal) and the quarantine."""
    from infra.catalog import open_catalog

    folder = home / "sources" / "development"
    folder.mkdir(parents=True)
    (folder / "enterprises_2026-11-21.csv").write_bytes(body)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LAKEHOUSE_HOME", str(home / "lakehouse"))
        env.setenv("LAKEHOUSE_PROFILE", "embedded")
        catalog = open_catalog()
        try:
            result = load_dataset(LENIENT, home / "sources", catalog)
        except SourceError as exc:
            return None, str(exc), None
        quarantined, _ = read_quarantine(catalog, "enterprises")
        raw = catalog.load_table(LENIENT.raw_table).scan().to_arrow()
        return result, quarantined, raw


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is a finding, not noise
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(damaged_exports())
def test_every_row_is_accounted_for_and_no_message_shows_personal_data(export):
    body, _encoding, written, stray = export
    with tempfile.TemporaryDirectory(dir=SCRATCH) as home:
        result, quarantined, raw = _load(body, Path(home))
    if result is None:  # refused whole: only for a file that is not CSV at all, which none of these is
        pytest.fail(f"refused: {quarantined}")
    assert result.rows_in == result.rows_loaded + result.rows_quarantined + result.rows_duplicate
    assert result.balanced and result.status == "committed"
    if not stray:  # a stray quote may join the lines up to the next quote into one row
        assert result.rows_in == written
    assert quarantined.num_rows == result.rows_quarantined
    assert raw.num_rows == result.rows_loaded
    texts = [
        *result.notes,
        *quarantined.column("reason").to_pylist(),
        *quarantined.column("locator").to_pylist(),
    ]
    for text in texts:
        for value in PLANTED:
            assert value not in text, f"{value!r} shown in {text!r}"
