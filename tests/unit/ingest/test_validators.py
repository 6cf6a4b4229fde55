import pyarrow as pa

from ingest.validators import mobile, plate, resident_id, uscc
from tests.factories import resident_id as _with_check_digit
from tests.factories import uscc as _uscc
from tests.factories import wrong_check


def test_resident_id_checksum_and_birth_date():
    good = [
        _with_check_digit(f"310115{year}0{month}15{seq:03d}")
        for year in (1950, 1988, 2004)
        for month in (1, 9)
        for seq in (1, 42, 999)
    ]
    assert all(resident_id(pa.array(good)).to_pylist())
    assert not any(resident_id(pa.array([wrong_check(g) for g in good])).to_pylist())
    bad_date = _with_check_digit("31011519881345001")
    assert resident_id(pa.array([bad_date, None, "12345", good[0].lower()])).to_pylist() == [
        False,
        True,
        False,
        True,
    ]


def test_uscc_checksum():
    good = [_uscc(f"91310115MA1H{n:05d}") for n in (1, 777, 42424)]
    assert all(uscc(pa.array(good)).to_pylist())
    tampered = [g[:-1] + ("A" if g[-1] != "A" else "B") for g in good]
    assert not any(uscc(pa.array(tampered)).to_pylist())


def test_mobile_and_plate_shapes():
    assert mobile(
        pa.array(["13812345678", "+86 138-1234-5678", "12345678901", "1381234567"])
    ).to_pylist() == [True, True, False, False]
    plates = ["沪A12345", "沪AD12345", "沪A12345D", "沪B1234挂", "沪I12345", "沪A1234", "AB12345"]
    assert plate(pa.array(plates)).to_pylist() == [True, True, True, True, False, False, False]


def test_identifiers_typed_as_people_group_them_are_valid():
    # The spellings the free-text masker finds must pass ingest too: 4-4-4-4-2 and dotted IDs,
    # 4-3-4 and dotted mobiles, full-width digits and separators.
    good = _with_check_digit("31011519900307123")
    ids = [
        " ".join(good[i : i + 4] for i in range(0, 18, 4)),
        ".".join((good[:6], good[6:14], good[14:])),
        "－".join((good[:6], good[6:14], good[14:])).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}),
    ]
    assert resident_id(pa.array([*ids, wrong_check(good)[:4] + " " + wrong_check(good)[4:]])).to_pylist() == [
        True,
        True,
        True,
        False,
    ]
    mobiles = [
        "1380 013 8000",
        "138.0013.8000",
        "+86 138 0013 8000",
        "１３８－００１３－８０００",
        "1280 013 8000",
    ]
    assert mobile(pa.array(mobiles)).to_pylist() == [True, True, True, True, False]
    assert plate(pa.array(["沪A·12345", "沪a-d12345", "沪Ｉ12345"])).to_pylist() == [True, True, False]
