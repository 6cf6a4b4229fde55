import os
import stat

import pyarrow as pa
import pytest
from gov_gen import luhn_card, resident_id, uscc

from governance.masking import keys
from governance.pii.classify import classify_column

IDS = [resident_id("310115", f"19{60 + i % 40}0{1 + i % 9}1{i % 9}", f"{i % 1000:03d}") for i in range(500)]


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("id_number", IDS, "cn_resident_id"),
        ("col_7", IDS, "cn_resident_id"),
        ("mobile", [f"13{i % 10}{i:08d}" for i in range(300)], "cn_mobile"),
        ("tel", [f"021-5800{i:04d}" for i in range(300)], "cn_landline"),
        ("plate_no", ["沪A12345", "沪AD12345", "沪B6789F", None] * 20, "cn_plate"),
        ("card", [luhn_card(f"6222{i:04d}", 19) for i in range(100)], "bank_card"),
        ("credit_code", [uscc(f"91310115MA1H7{i:04d}") for i in range(50)], "cn_uscc"),
        ("姓名", ["张伟", "王芳", "欧阳娜娜", "李强", None], "person_name"),
        ("applicant_name", ["张伟", "王芳", "赵敏"], "person_name"),
        # In Latin letters, where the column's name says names: pinyin, tone marks, full width.
        (
            "name_pinyin",
            ["Zhang San", "WANG Xiaoming", "Zhāng Sān", "Li Xiao-hong", "Ｃｈｅｎ Ｈｏｎｇ"],
            "person_name",
        ),
        ("contact_name", ["Zhang Wei", "Wang Fang", None], "person_name"),
        ("email", ["a@example.com", "b.c@example.org"], "email"),
        ("住址", ["上海市浦东新区南汇新城镇申港大道88号", "泥城镇新城路3弄5号"], "address"),
    ],
)
def test_structured_columns(name, values, expected):
    result = classify_column(name, values)
    assert result.pii_class == expected
    assert result.sampled == min(200, sum(v is not None for v in values))
    assert result.confidence >= 0.8


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("order_no", [f"20190305{i:010d}" for i in range(300)]),  # 18 digits, not ids
        ("created", [f"2019030512{i:04d}" for i in range(300)]),
        ("amount", ["1,234,567.89", "12.50", "300"]),
        ("town", ["万祥镇", "泥城镇", "书院镇", "芦潮港镇"]),
        ("park_name", ["张江临港园区", "临港科技城", "金桥临港园区"]),
        ("remark", ["Zhang San", "Wang Fang", "Li Si"]),  # two Latin words are a name only in a name column
        ("park_name", ["Dishui Lake", "Lingang Park"]),
        ("col", [None, None]),
    ],
)
def test_non_personal_columns(name, values):
    assert classify_column(name, values).pii_class is None


def test_id_column_with_wrong_check_digits_is_not_ids():
    bad = [v[:-1] + ("1" if v[-1] == "0" else "0") for v in IDS]
    assert classify_column("x", bad).pii_class is None


def test_free_text_column_lists_classes_inside():
    values = [
        f"患者张伟于今日复诊，身份证{IDS[0]}，联系电话13812345678"
        if i % 4 == 0
        else "市民反映申港大道路灯不亮，已派单处理"
        for i in range(100)
    ]
    result = classify_column("remark", pa.array(values))
    assert result.pii_class == "free_text"
    assert set(result.found_in_text) == {"person_name", "cn_resident_id", "cn_mobile"}


def test_key_from_env_hex_text_and_file(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.ENV_KEY_FILE, raising=False)
    monkeypatch.setenv(keys.ENV_KEY, "ab" * 32)
    assert keys.load_pseudonym_key() == bytes.fromhex("ab" * 32)
    monkeypatch.setenv(keys.ENV_KEY, "a passphrase of enough length")
    assert keys.load_pseudonym_key() == b"a passphrase of enough length"
    monkeypatch.setenv(keys.ENV_KEY, "short")
    with pytest.raises(ValueError, match="shorter"):
        keys.load_pseudonym_key()
    monkeypatch.delenv(keys.ENV_KEY)
    key_file = tmp_path / "k.txt"
    key_file.write_text("cd" * 32 + "\n")
    monkeypatch.setenv(keys.ENV_KEY_FILE, str(key_file))
    assert keys.load_pseudonym_key() == bytes.fromhex("cd" * 32)


def test_key_file_generated_once_with_mode_600(tmp_path, monkeypatch):
    monkeypatch.delenv(keys.ENV_KEY, raising=False)
    monkeypatch.delenv(keys.ENV_KEY_FILE, raising=False)
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    first = keys.load_pseudonym_key()
    path = tmp_path / "secrets" / "pseudonym.key"
    assert path.exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(first) == 32 and keys.load_pseudonym_key() == first
