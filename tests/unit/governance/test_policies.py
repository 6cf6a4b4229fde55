import hmac

import pyarrow as pa
import pytest
from gov_gen import resident_id, to_fullwidth

from governance.masking.policies import apply_policy

KEY = b"k" * 32
ID = resident_id("310115", "19900101", "123")


def run(values, policy, pii_class, option=None, key=KEY):
    out = apply_policy(pa.array(values, pa.string()), policy, pii_class, key, option)
    return None if out is None else out.to_pylist()


@pytest.mark.parametrize(
    ("pii_class", "values", "expected"),
    [
        ("cn_resident_id", [ID, to_fullwidth(ID), None], [f"310115********{ID[-4:]}"] * 2 + [None]),
        (
            "cn_mobile",
            [
                "13812345678",
                "+86 138-1234-5678",
                "8613812345678",
                "(138)1234 5678",
                "（１３８）１２３４５６７８",
            ],
            ["138****5678"] * 5,
        ),
        (
            "cn_landline",
            [
                "021-58001234",
                "(021)58001234",
                "58001234",
                "0571-88889999-12",
                "(021)5800-1234",
                "021 5800 1234-8",
            ],
            ["021-******34", "021-******34", "******34", "0571-******99", "021-******34", "021-******34"],
        ),
        ("person_name", ["張三丰", "张伟", "欧阳娜娜", "司马光"], ["張**", "张*", "欧阳**", "司马*"]),
        ("email", ["zhang.wei@example.com"], ["z***@example.com"]),
        ("cn_plate", ["沪A12345", "沪AD12345"], ["沪A*****", "沪A******"]),
        ("bank_card", ["6222 0212 3456 7890"], ["************7890"]),
        ("passport", ["E12345678"], ["E******78"]),
    ],
)
def test_mask(pii_class, values, expected):
    assert run(values, "mask", pii_class) == expected


def test_mask_never_passes_through_a_value_of_the_wrong_shape():
    assert run(["not an id", "12345"], "mask", "cn_resident_id") == ["***", "***"]
    assert run(["call me"], "mask", "cn_mobile") == ["***"]
    # Shapes of governance.pii.patterns: no mobile starts 12, no card has 12 digits.
    assert run(["12812345678", "138 0013 8000"], "mask", "cn_mobile") == ["***", "138****8000"]
    assert run(["622202123456"], "mask", "bank_card") == ["***"]
    assert run(["12812345678"], "generalise", "cn_mobile") == [None]


def test_redact_keep_drop_and_nulls():
    assert run(["a", None], "redact", "person_name") == ["***", None]
    assert run(["a", None], "keep", None) == ["a", None]
    assert run(["a"], "drop", "bank_card") is None


def test_generalise_resident_id():
    legacy = "310115850612123"
    assert run([ID, legacy, None, "x"], "generalise", "cn_resident_id") == ["1990", "1985", None, None]
    assert run([ID], "generalise", "cn_resident_id", "region") == ["310115"]
    assert run(
        [ID, resident_id("310115", "19960101", "001")], "generalise", "cn_resident_id", "age_band:2026"
    ) == [
        "30-39",
        "30-39",
    ]
    assert run(
        [resident_id("310115", "20000101", "001")], "generalise", "cn_resident_id", "age_band:2026"
    ) == ["20-29"]
    with pytest.raises(ValueError, match="age_band:2026"):
        run([ID], "generalise", "cn_resident_id", "age_band")


def test_generalise_address_cuts_after_first_district_or_town():
    values = ["上海市浦东新区南汇新城镇申港大道88弄5号", "南汇新城镇申港大道88号", "申港小区3号楼", None]
    assert run(values, "generalise", "address") == ["上海市浦东新区", "南汇新城镇", None, None]
    assert run(values[:1], "generalise", "address", "town") == ["上海市浦东新区南汇新城镇"]


def test_pseudonym_is_stable_across_formats_and_keyed():
    forms = [
        ID,
        f"{ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
        to_fullwidth(ID),
        f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
    ]
    tokens = run([*forms, None], "pseudonym", "cn_resident_id")
    assert len(set(tokens[:4])) == 1 and tokens[4] is None
    assert tokens[0].startswith("id_") and len(tokens[0]) == len("id_") + 16
    assert ID not in tokens[0]
    # The 15-digit legacy form of the same person gets the same token.
    legacy = ID[:6] + ID[8:17]
    assert run([legacy], "pseudonym", "cn_resident_id") == tokens[:1]
    assert run([ID], "pseudonym", "cn_resident_id", key=b"other-key-0123456789") != tokens[:1]
    assert run([resident_id("310115", "19900101", "124")], "pseudonym", "cn_resident_id") != tokens[:1]


def test_pseudonym_case_and_class_separation():
    x_lower = run(["沪a12345", "沪A·12345"], "pseudonym", "cn_plate")
    assert x_lower[0] == x_lower[1]
    assert run(["13812345678"], "pseudonym", "cn_mobile") != run(["13812345678"], "pseudonym", "cn_landline")


def test_unknown_policy_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"'hash'.*keep, mask, redact, generalise, pseudonym, drop"):
        run(["a"], "hash", None)


def test_chunked_arrays_and_integer_columns():
    chunked = pa.chunked_array([["13812345678"], [None, "13912345678"]])
    assert apply_policy(chunked, "mask", "cn_mobile", KEY).to_pylist() == ["138****5678", None, "139****5678"]
    ints = pa.array([13812345678, None], pa.int64())
    assert apply_policy(ints, "mask", "cn_mobile", KEY).to_pylist() == ["138****5678", None]


@pytest.mark.parametrize("key", [b"k", b"unit-test-pseudonym-key-not-secret", bytes(range(100))])
def test_pseudonym_is_exactly_hmac_sha256_of_class_and_value(key):
    # Tokens already in the lake must never change: check against the textbook HMAC, key sizes either
    # side of the 64-byte block included.
    values = ["13812345678", "张三", "沪A12345", "x" * 300]
    tokens = run(values, "pseudonym", "person_name", key=key)
    letters = str.maketrans("0123456789", "ghijklmnop")
    expected = [
        "nm_" + hmac.new(key, f"person_name:{v}".encode(), "sha256").hexdigest()[:16].translate(letters)
        for v in values
    ]
    assert tokens == expected


def test_every_policy_a_contract_may_name_has_an_implementation() -> None:
    """The vocabulary lists what contracts may declare; masking must implement each (free text is tagged
    by the text path), or a contract passes validation and fails at staging."""
    from governance.masking.policies import POLICIES
    from infra.vocabulary import MASKING_POLICIES

    assert set(MASKING_POLICIES) == {*POLICIES, "tag_text"}
