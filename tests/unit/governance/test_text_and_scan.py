import pyarrow as pa
from gov_gen import luhn_card, resident_id, uscc

from governance.masking.policies import apply_policy
from governance.pii.text import mask_texts
from governance.privacy_scan import scan_table

ID = resident_id("310115", "19900101", "123")
ID2 = resident_id("310115", "19751224", "046")
CARD = luhn_card("622202", 19)


def test_mask_texts_replaces_planted_values_with_tags():
    texts = [
        f"患者张伟，身份证{ID}，电话13812345678",
        "市民反映申港大道积水严重",  # 市民 is a label, but no surname follows
        None,
        f"联系人欧阳娜娜，座机021-58001234，住址南汇新城镇申港大道88弄5号，卡号{CARD}",
        f"车主李强驾驶沪AD12345，邮箱li.qiang@example.com，护照E12345678，企业代码{uscc()}",
    ]
    out = mask_texts(texts)
    masked = out.array.to_pylist()
    assert masked[0] == "患者<姓名>，身份证<身份证号>，电话<手机号>"
    assert masked[1] == texts[1] and masked[2] is None
    assert masked[3] == "联系人<姓名>，座机<固定电话>，住址<住址>，卡号<银行卡号>"
    assert masked[4] == f"车主<姓名>驾驶<车牌号>，邮箱<电子邮箱>，护照<护照号>，企业代码{uscc()}"
    assert out.findings_by_class == {
        "person_name": 3,
        "cn_resident_id": 1,
        "cn_mobile": 1,
        "cn_landline": 1,
        "address": 1,
        "bank_card": 1,
        "cn_plate": 1,
        "email": 1,
        "passport": 1,
    }
    assert out.candidates == 3  # the plain remark and the null never reach Presidio


def test_mask_texts_in_worker_processes_matches_single_process():
    texts = [f"第{i}号工单：患者张伟，身份证{ID}，电话138{i:08d}" for i in range(2500)]
    single = mask_texts(texts)
    multi = mask_texts(pa.array(texts), processes=2)
    assert multi.array.to_pylist() == single.array.to_pylist()
    assert multi.findings_by_class == single.findings_by_class


def _leaky_table() -> pa.Table:
    return pa.table(
        {
            "holder_id": [ID, ID2, None] * 10,
            "phone": pa.array([13812345678, 13987654321, None] * 10, pa.int64()),
            "remark": [f"申请人张伟身份证{ID}", "无", f"家住南汇新城镇申港大道88号，卡号{CARD}"] * 10,
            "enterprise": [uscc()] * 30,
            "amount": pa.array([1.5] * 30),
        }
    )


def test_scan_finds_leaks_and_never_returns_raw_values():
    table = _leaky_table()
    findings = scan_table(table, text_columns=["remark"])
    got = {(f.column, f.pii_class): f for f in findings}
    assert set(got) == {
        ("holder_id", "cn_resident_id"),
        ("phone", "cn_mobile"),
        ("remark", "person_name"),
        ("remark", "cn_resident_id"),
        ("remark", "address"),
        ("remark", "bank_card"),
    }
    assert got[("holder_id", "cn_resident_id")].count == 20
    assert got[("holder_id", "cn_resident_id")].example_masked == f"310115********{ID[-4:]}"
    raw = [ID, ID2, "13812345678", "13987654321", CARD, "张伟", "南汇新城镇申港大道88号"]
    dump = repr(findings)
    assert not any(value in dump for value in raw)


def test_scan_of_masked_table_is_clean():
    table = _leaky_table()
    key = b"k" * 32
    masked = pa.table(
        {
            "holder_id": apply_policy(table["holder_id"], "pseudonym", "cn_resident_id", key),
            "phone": apply_policy(table["phone"], "mask", "cn_mobile", key),
            "remark": mask_texts(table["remark"]).array,
            "enterprise": table["enterprise"],
        }
    )
    assert scan_table(masked) == []


def test_scan_does_not_log_raw_values(caplog):
    caplog.set_level("DEBUG")
    scan_table(_leaky_table(), text_columns=["remark"])
    assert ID not in caplog.text and "13812345678" not in caplog.text


def test_prefilter_with_entity_groups_gives_the_same_output_as_presidio_on_every_cell():
    from governance.pii.text import mask_one

    texts = [
        f"身份证 {ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]} 已核验",
        "回访号码 +86 138-1234-5678",
        "座机（021）5800123，传真021 58001234",
        "沪A·C8888 违停，车主王小明先生",
        "邮箱ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        "护照EA1234567，卡号" + " ".join(CARD[i : i + 4] for i in range(0, 19, 4)),
        "家住环湖西一路99号",
        "2025-03-05 12:30 巡查申港大道",  # a date is not a candidate
        "订单号2019030512304512 金额1,234,567.89",
    ]
    assert mask_texts(texts).array.to_pylist() == [mask_one(t)[0] for t in texts]
    assert mask_texts(texts[7:8]).candidates == 0


def test_batch_tagging_matches_presidios_anonymizer_on_adjacent_and_nested_findings():
    from governance.pii.text import mask_candidate, mask_one

    texts = [
        "电话13812345678/13912345678",
        "电话13812345678 13912345678",
        f"患者张三{ID}",
        f"信用代码{uscc()}，法人李四先生",
        "邮箱ａ＠ｂ．ｃｏｍ，座机（021）5800123",
    ]
    everything = ("cn_resident_id", "bank_card", "cn_uscc", "passport", "cn_mobile", "cn_landline")
    everything += ("email", "cn_plate", "person_name", "address")
    for text in texts:
        assert mask_candidate(text, everything) == mask_one(text), text


def _long_building_names() -> pa.Array:
    # As the simulator names them at scale 10: "<park><k>号楼", most of them 12+ characters, so the
    # column is classified as text.
    parks = ["金桥临港园区", "临港新片区国际创新协同区", "洋山特殊综合保税区", "顶科社区"]
    return pa.array([f"{parks[k % 4]}{k}号楼" for k in range(1, 8001)])


def test_long_building_names_are_not_addresses_of_people():
    """A mart's building_name at scale 10 blocked publication: each whole name read as an address."""
    assert scan_table(pa.table({"building_name": _long_building_names()})) == []


def test_an_address_inside_a_sentence_of_a_classified_text_column_is_still_found():
    texts = [f"市民反映楼下噪音扰民，地址申港大道{k}弄12号，请尽快处理" for k in range(1, 300)]
    (finding,) = scan_table(pa.table({"remarks": pa.array(texts)}))
    assert finding.pii_class == "address" and finding.count == len(texts)


def test_whole_value_addresses_count_where_the_column_says_address_or_is_declared_text():
    names = _long_building_names()
    assert [f.pii_class for f in scan_table(pa.table({"home_address": names}))] == ["address"]
    declared = scan_table(pa.table({"building_name": names}), text_columns=["building_name"])
    assert [f.pii_class for f in declared] == ["address"]


def test_names_in_latin_letters_leak_from_a_name_column_and_not_once_masked():
    from governance.masking.policies import mask

    names = pa.array(["Zhang San", "WANG Xiaoming", "Li Xiao-hong"] * 100)
    (finding,) = scan_table(pa.table({"resident_name": names}))
    assert (finding.pii_class, finding.count, finding.example_masked) == ("person_name", 300, "Z*******")
    assert scan_table(pa.table({"resident_name": mask(names, "person_name")})) == []
    assert scan_table(pa.table({"landmark": names})) == []  # no name hint: any two words
