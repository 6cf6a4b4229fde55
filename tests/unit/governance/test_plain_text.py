"""Personal data in spellings that hide it from a pattern: invisible characters, look-alike spaces and
dashes, numbers read out in Chinese numerals. Masked by both masking paths, found by the leak scan, and
nothing else in the text changes."""

from __future__ import annotations

import sys
import unicodedata

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from gov_gen import resident_id, resident_id_ending_x
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.pii.plain import NEEDS_WORK, OTHER_DIGIT_VALUES, plain_text, plain_texts
from governance.pii.text import mask_one, mask_texts
from governance.privacy_scan import scan_table

ID = resident_id("310115", "19900101", "123")
ID_X = resident_id_ending_x()
MOBILE = "13812345678"
TO_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")


def _digits_from(zero: int) -> dict[int, str]:
    return str.maketrans("0123456789", "".join(chr(zero + d) for d in range(10)))


ARABIC_INDIC, DEVANAGARI, MONGOLIAN, MATH_BOLD = (_digits_from(z) for z in (0x660, 0x966, 0x1810, 0x1D7CE))
CIRCLED = str.maketrans("123456789", "①②③④⑤⑥⑦⑧⑨")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
ZWSP, SOFT_HYPHEN, BOM, NBSP, NARROW_NBSP, EN_DASH, MINUS = (
    "\u200b",
    "\u00ad",
    "\ufeff",
    "\u00a0",
    "\u202f",
    "\u2013",
    "\u2212",
)

HIDDEN = {
    "zero-width space between every digit": f"身份证{ZWSP.join(ID)}，请核实",
    "soft hyphen and byte-order mark inside": f"身份证号{ID[:6]}{SOFT_HYPHEN}{ID[6:14]}{BOM}{ID[14:]}",
    "no-break spaces between groups": f"身份证 {ID[:6]}{NBSP}{ID[6:14]}{NBSP}{ID[14:]}",
    "narrow no-break spaces": f"身份证{ID[:6]}{NARROW_NBSP}{ID[6:14]}{NARROW_NBSP}{ID[14:]}",
    "en dashes between groups": f"身份证：{ID[:6]}{EN_DASH}{ID[6:14]}{EN_DASH}{ID[14:]}",
    "read out in numerals": f"身份证{ID[:17].translate(TO_NUMERALS)}{ID[17]}",
    "read out after a name that ends in a numeral": f"王五{ID[:17].translate(TO_NUMERALS)}{ID[17]}",
    "spaced out digit by digit": f"证件号 {' '.join(ID)}。",
    "dotted digit by digit": f"证件号{'.'.join(ID)}",
    "slashes between groups": f"身份证{ID[:6]}/{ID[6:14]}/{ID[14:]}",
    "underscores between groups, as a file name joins them": f"扫描件 身份证_{ID[:6]}_{ID[6:14]}_{ID[14:]}",
    "glued to an ASCII label": f"证件ID{ID}已核验",
    "check character typed as a multiplication sign": f"身份证{ID_X[:17]}×",
    "check character typed as Roman ten, after a space": f"身份证{ID_X[:6]} {ID_X[6:14]} {ID_X[14:17]} Ⅹ",
    "in Arabic-Indic digits": f"身份证{ID.translate(ARABIC_INDIC)}",
    "in mathematical bold digits": f"身份证{ID.translate(MATH_BOLD)}",
    "in circled digits, zero as written": f"身份证{ID.translate(CIRCLED)}",
    "in Mongolian digits, grouped": f"身份证{ID[:6].translate(MONGOLIAN)} {ID[6:14]} {ID[14:]}",
}
HIDDEN_MOBILES = {
    "numerals": f"回访电话{MOBILE.translate(TO_NUMERALS)}",
    "yao for one, with spaces": "手机幺三八 幺二三四 五六七八",
    "financial capitals": "联系电话壹叁捌壹贰叁肆伍陆柒捌",
    "minus signs": f"电话138{MINUS}1234{MINUS}5678",
    "zero-width joiner": "电话138\u200d1234\u200d5678",
    "hyphen after every digit": f"电话{'-'.join(MOBILE)}",
    "read out after a name that ends in a numeral": f"联系人张三{MOBILE.translate(TO_NUMERALS)}",
    "… and a name of two numerals": f"联系人王五六{MOBILE.translate(TO_NUMERALS)}",
    "half digits, half numerals": f"电话{MOBILE[:7]}{MOBILE[7:].translate(TO_NUMERALS)}",
    "one numeral among the digits": f"电话{MOBILE[:3]}{MOBILE[3].translate(TO_NUMERALS)}{MOBILE[4:]}",
    "numerals, then digits, grouped": f"手机{MOBILE[:3].translate(TO_NUMERALS)} {MOBILE[3:7]} {MOBILE[7:]}",
    "full-width slashes": f"手机{MOBILE[:3]}／{MOBILE[3:7]}／{MOBILE[7:]}",
    "numerals with slashes, digit by digit": f"电话{'/'.join(MOBILE.translate(TO_NUMERALS))}",
    "glued to an ASCII label": f"回访tel{MOBILE}",
    "after a bare country code, as an export writes E.164 without its +": f"联系电话86{MOBILE}",
    "glued to a capitalised label": f"联系方式Mobile{MOBILE}",
    "in Devanagari digits": f"电话{MOBILE.translate(DEVANAGARI)}",
    "in superscript digits": f"电话{MOBILE.translate(SUPERSCRIPT)}",
    "half ASCII, half Arabic-Indic": f"电话{MOBILE[:6]}{MOBILE[6:].translate(ARABIC_INDIC)}",
}


@pytest.mark.parametrize("text", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_hidden_id_number_is_masked_by_both_paths(text):
    masked, found = mask_one(text)
    assert found == {"cn_resident_id": 1}
    assert "<身份证号>" in masked and ID[6:14] not in masked.replace(ZWSP, "")
    assert ID_X[6:14] not in masked
    assert mask_texts([text]).array.to_pylist() == [masked]


@pytest.mark.parametrize("text", HIDDEN_MOBILES.values(), ids=HIDDEN_MOBILES.keys())
def test_a_hidden_mobile_is_masked(text):
    masked, found = mask_one(text)
    assert found.pop("cn_mobile") == 1, masked
    assert set(found) <= {"person_name"}  # 张三 before it is a name, and masked as one
    assert masked.endswith("<手机号>")


def test_the_leak_scan_finds_what_hides_and_names_no_value():
    table = pa.table({"remark": [*HIDDEN.values(), *HIDDEN_MOBILES.values(), "市民反映路灯不亮"]})
    findings = {f.pii_class: f for f in scan_table(table, text_columns=["remark"])}
    assert findings["cn_resident_id"].count == len(HIDDEN)
    assert findings["cn_mobile"].count == len(HIDDEN_MOBILES)
    assert ID not in repr(findings) and MOBILE not in repr(findings)


@pytest.mark.parametrize(
    "text",
    [
        "二〇二六年三号楼一层",  # short numeral runs: a year, a building, a floor
        "他说——这事得尽快办",  # em dashes that are Chinese punctuation, not between digits
        "2026 — 2027 年度",  # … and a spaced one between years
        "第一二三四五六期",  # six numerals: below the run length
        "三号楼1201室，2026年12月",  # digits beside a short numeral run
        "1号楼三单元402",
        "1 2 3 4 5 6 7 8 9 10 11",  # a count, not one number spaced out
        "服务器 10.0.0.1，版本 1.2.3",
        "日期 2026/12/01，比例 1/3，文件 /data/2026/12/01/part_0001.csv，IMG_20261201_123456.jpg",
        "全角空格　保留",
        "no personal data",
    ],
)
def test_text_without_hidden_characters_is_left_as_written(text):
    assert plain_text(text) == text
    assert mask_texts([text]).array.to_pylist() == [text]


def test_what_changes_is_invisible_or_reads_the_same():
    assert plain_text(f"申港{ZWSP}大道{NBSP}88号") == "申港大道 88号"
    assert plain_text(f"2026{EN_DASH}12{EN_DASH}01") == "2026-12-01"
    assert plain_text("电话幺三八幺二三四五六七八，三号楼") == "电话13812345678，三号楼"
    # The 三 of a name before an ID number is no digit of it, in digits or read out; nor 三楼 after it.
    assert plain_text(f"张三{ID}") == f"张三{ID}"
    assert plain_text(f"张三{MOBILE}") == f"张三{MOBILE}"
    assert plain_text(f"张三{MOBILE.translate(TO_NUMERALS)}") == f"张三{MOBILE}"
    assert plain_text(f"{MOBILE.translate(TO_NUMERALS)}三楼") == f"{MOBILE}三楼"
    assert plain_text("电话021-5888一二三四") == "电话021-58881234"


def test_styled_digits_in_a_short_run_stay_as_written_and_a_long_one_reads_in_digits():
    for text in ("面积50m²", "⑴市民反映 ⑵已回访", "第①项", "١٢٣ 号"):
        assert plain_text(text) == text
    assert plain_text(f"编号{'1234567'.translate(ARABIC_INDIC)}") == "编号1234567"


def test_every_character_unicode_gives_a_digit_value_is_read_as_that_digit():
    """OTHER_DIGIT_VALUES is written out (no scan of Unicode at import): it must hold every character the
    running Python's Unicode database gives a digit value, but ASCII's and full-width's (folded elsewhere)."""
    expected = {
        chr(cp): str(unicodedata.digit(chr(cp)))
        for cp in range(sys.maxunicode + 1)
        if unicodedata.digit(chr(cp), None) is not None
        and not ("0" <= chr(cp) <= "9" or 0xFF10 <= cp <= 0xFF19)
    }
    assert {c: v for c, v in OTHER_DIGIT_VALUES.items() if c in expected} == expected


def test_a_mobile_with_a_floor_glued_after_it_is_masked_and_the_floor_kept():
    masked, found = mask_one(f"回访{MOBILE.translate(TO_NUMERALS)}三楼")
    assert found == {"cn_mobile": 1} and masked.endswith("<手机号>三楼")


def test_an_array_needing_nothing_is_returned_as_it_is_and_nulls_stay_null():
    clean = pa.array(["市民反映积水", None])
    assert plain_texts(clean) is clean
    mixed = plain_texts(pa.chunked_array([[f"a{ZWSP}b", None], ["c"]]))
    assert mixed.to_pylist() == ["ab", None, "c"]


ALPHABET = (
    "0123456789０５X 　-—.·三四五六七八九〇零幺两壹捌张号\u200b\u00ad\ufeff\u00a0\u2009\u202f\u2013\u2212"
    "٣٧१①²𝟖×Ⅹ"
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=ALPHABET, max_size=30))
def test_the_re2_pass_finds_every_cell_plain_text_would_change(text):
    """plain_texts rewrites only the cells NEEDS_WORK (RE2) flags: it must flag every cell that changes."""
    flagged = pc.match_substring_regex(pa.array([text]), NEEDS_WORK)[0].as_py()
    assert flagged or plain_text(text) == text
    assert plain_texts(pa.array([text])).to_pylist() == [plain_text(text)]
