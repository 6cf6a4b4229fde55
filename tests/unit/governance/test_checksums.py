import random

import pyarrow as pa
import pytest
from gov_gen import luhn_card, resident_id, resident_id_ending_x, to_fullwidth, uscc, wrong_check_digit

from governance.pii import checksums


@pytest.mark.parametrize(
    ("region", "birth", "seq"),
    [("310115", "19900101", "123"), ("110101", "20000229", "007"), ("440305", "19491001", "999")],
)
def test_generated_ids_are_valid_and_wrong_check_digit_is_not(region, birth, seq):
    valid = resident_id(region, birth, seq)
    assert checksums.is_valid_resident_id(valid)
    assert not checksums.is_valid_resident_id(wrong_check_digit(valid))


def test_id_formats_typed_by_people():
    x_id = resident_id_ending_x()
    assert checksums.is_valid_resident_id(x_id.lower())
    assert checksums.is_valid_resident_id(to_fullwidth(x_id))
    assert checksums.is_valid_resident_id(f"{x_id[:6]} {x_id[6:10]} {x_id[10:14]} {x_id[14:]}")
    assert checksums.is_valid_resident_id(f"{x_id[:6]}-{x_id[6:14]}-{x_id[14:]}")


@pytest.mark.parametrize("birth", ["19900230", "19901301", "18991231", "20991231", "19000229"])
def test_impossible_birth_dates_fail_even_with_correct_check_digit(birth):
    assert not checksums.is_valid_resident_id(resident_id("310115", birth, "123"))


def test_unknown_province_fails():
    assert not checksums.is_valid_resident_id(resident_id("990101", "19900101", "123"))


def test_legacy_15_digit_ids_check_date_only():
    assert checksums.is_valid_resident_id("310115900101123")
    assert not checksums.is_valid_resident_id("310115901301123")  # month 13
    assert checksums.upgrade_legacy_id("310115900101123") == resident_id("310115", "19900101", "123")


def test_uscc_checksum():
    code = uscc()
    assert checksums.is_valid_uscc(code)
    assert not checksums.is_valid_uscc(wrong_check_digit(code))
    assert not checksums.is_valid_uscc(code.replace("A", "I"))  # I is not in the GB 32100 alphabet
    assert not checksums.is_valid_uscc(resident_id())


def test_luhn():
    assert checksums.luhn_ok("4111 1111 1111 1111")
    assert not checksums.luhn_ok("4111 1111 1111 1112")
    assert checksums.luhn_ok(luhn_card("622202", 19))
    assert not checksums.luhn_ok("41111111111111a1")
    assert checksums.normalise_digits("６２２２") == "6222"


def test_vectorised_masks_agree_with_scalar_functions():
    rng = random.Random(7)
    values = []
    for _ in range(400):
        birth = f"{rng.randint(1930, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        good = resident_id(rng.choice(["310115", "110101", "440305"]), birth, f"{rng.randint(0, 999):03d}")
        values.append(good if rng.random() < 0.5 else wrong_check_digit(good))
    values += ["".join(rng.choice("0123456789") for _ in range(18)) for _ in range(200)]
    values += [None, "", "abc", "310115900101123"]
    arr = pa.array(values, pa.string())
    ids = checksums.resident_id_mask(arr) | checksums.legacy_id_mask(arr)
    assert ids.tolist() == [checksums.is_valid_resident_id(v) for v in values]
    cards = [luhn_card("6222", 16 + i % 4) for i in range(20)] + [str(4 * 10**15 + i) for i in range(20)]
    assert checksums.luhn_mask(pa.array(cards)).tolist() == [checksums.luhn_ok(c) for c in cards]
    codes = [uscc(), wrong_check_digit(uscc()), uscc("12310000425010000"), None]
    assert checksums.uscc_mask(pa.array(codes)).tolist() == [checksums.is_valid_uscc(c) for c in codes]
