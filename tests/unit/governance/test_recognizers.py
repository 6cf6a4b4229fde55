import pytest
from gov_gen import luhn_card, resident_id, resident_id_ending_x, to_fullwidth, uscc, wrong_check_digit

from governance.pii import recognizers as r
from governance.pii.analyzer import analyze_text
from governance.pii.prefilter import prefilter, prefilter_groups

ID = resident_id("310115", "19900101", "123")


def found(recognizer, text):
    return [
        text[x.start : x.end]
        for x in recognizer.analyze(text, recognizer.supported_entities)
        if x.score >= 0.5
    ]


def classes(text):
    return {(f.pii_class, text[f.start : f.end]) for f in analyze_text(text)}


@pytest.mark.parametrize(
    "value",
    [
        ID,
        resident_id_ending_x().lower(),
        to_fullwidth(ID),
        f"{ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
        f"{ID[:6]}-{ID[6:14]}-{ID[14:]}",
        " ".join(ID[i : i + 4] for i in range(0, 18, 4)),  # 3101 1519 9001 0112 3X, as bank forms group
        f"{ID[:6]}.{ID[6:10]}.{ID[10:14]}.{ID[14:]}",
        to_fullwidth(f"{ID[:6]}-{ID[6:14]}-{ID[14:]}"),
        f"{ID[:3]} {ID[3:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",  # the region split 3-3
        f"{ID[:2]}-{ID[2:4]}-{ID[4:6]}-{ID[6:14]}-{ID[14:]}",
        f"{ID[:9]} {ID[9:]}",
        f"{ID[0]} {ID[1:]}",
        f"{ID[:12]}\n{ID[12:]}",  # wrapped in a text box or a spreadsheet cell (Alt+Enter)
        f"{ID[:12]}\r\n{ID[12:]}",
    ],
)
def test_resident_id_positives(value):
    assert found(r.ResidentIdRecognizer(), f"身份证号：{value}，已核验") == [value]


@pytest.mark.parametrize(
    "text",
    [
        wrong_check_digit(ID),  # a wrong check character and no ID word before it
        f"订单号{wrong_check_digit(ID)}",
        "订单号201903051230451234",  # 18 digits, not an id
        "交易流水123456789012345678",
        f"编号{ID}9",  # 19 digits: an id inside a longer number is not an id
        "时间20190305123045",
    ],
)
def test_resident_id_look_alikes(text):
    assert found(r.ResidentIdRecognizer(), text) == []


@pytest.mark.parametrize(
    "label",
    ["身份证", "身份证号：", "证件号码 ", "ID:", "ID：", "idcard=", "id_no ", "ID No. ", "ID card: "],
)
def test_a_mistyped_id_after_an_id_word_is_still_an_id(label):
    mistyped = wrong_check_digit(ID)
    assert found(r.ResidentIdRecognizer(), f"{label}{mistyped}，已核验") == [mistyped]


def test_legacy_id_needs_context_and_valid_date():
    rec = r.LegacyResidentIdRecognizer()
    assert found(rec, "旧身份证号310115900101123") == ["310115900101123"]
    assert found(rec, "单号310115900101123") == []
    assert found(rec, "身份证310115901301123") == []  # month 13


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+86 138-1234-5678",
        "0086 13812345678",
        "138 1234 5678",
        "1381 234 5678",
        "1381 2345 678",  # grouped as a caller reads it out
        "138-1234-5678",
        "138.1234.5678",
        "(138)12345678",  # its first group bracketed as an area code is
        "（１３８） １２３４-５６７８",
        "+86 (138)1234 5678",
        "138 1234\n5678",  # wrapped
        "1381234\r\n5678",
    ],
)
def test_mobile_positives(value):
    assert found(r.MobileRecognizer(), f"请联系{value}。") == [value]


@pytest.mark.parametrize(
    "text", ["时间20190305123045", "金额1,234,567.89元", "订单号13812345678", "12812345678", "1381234567890"]
)
def test_mobile_look_alikes(text):
    assert found(r.MobileRecognizer(), text) == []


@pytest.mark.parametrize(
    "value",
    [
        "021-58001234",
        "(021)58001234",
        "（021）5800123",
        "0571-88889999-123",
        "021 5800 1234",  # the local number grouped, as printed
        "(021)5800-1234",
        "021-5800-1234",
        "0571 8888_9999-123",
    ],
)
def test_landline_positives(value):
    assert found(r.LandlineRecognizer(), f"办公电话{value}") == [value]


@pytest.mark.parametrize(
    "text",
    [
        "电话58001234",
        "座机：5800 1234",
        "传真是5800123",
        "固话 5800-1234",
        "电话号码：58001234",
        "Tel: 5800 1234",
        "TEL：58001234",
        "fax.5800-1234",
    ],
)
def test_a_local_number_is_a_landline_right_after_its_label(text):
    number = text[next(i for i, c in enumerate(text) if c.isdigit()) :]
    assert found(r.LandlineRecognizer(), f"{text}，请回电") == [number]


@pytest.mark.parametrize(
    "text",
    ["编号58001234", "面积58001234平方米", "电话号码共58001234条", "电话580012345", "hotel 58001234 rooms"],
)
def test_a_local_number_without_its_label_is_no_landline(text):
    assert found(r.LandlineRecognizer(), text) == []


def test_checked_numbers_and_mobiles_glued_to_letters_are_found_but_not_inside_longer_numbers():
    card = luhn_card("622202123456789012")
    assert found(r.ResidentIdRecognizer(), f"ID{ID}ok") == [ID]
    assert found(r.BankCardRecognizer(), f"card{card}") == [card]
    assert found(r.MobileRecognizer(), "tel13812345678") == ["13812345678"]
    assert found(r.MobileRecognizer(), "SN8613812345678") == ["8613812345678"]
    assert found(r.ResidentIdRecognizer(), f"9{ID}") == []
    assert found(r.MobileRecognizer(), "tel138123456789") == []


def test_landline_look_alikes():
    rec = r.LandlineRecognizer()
    assert found(rec, "日期2019-03-05 12:30") == []
    assert found(rec, "编号02158001234") == []  # bare digits need a phone word
    assert found(rec, "座机02158001234") == ["02158001234"]


@pytest.mark.parametrize(
    "value", ["沪A12345", "沪AD12345", "沪A12345D", "粤B1234学", "沪A·C8888", "京A1234警", "沪 A12345"]
)
def test_plate_positives(value):
    assert found(r.PlateRecognizer(), f"车辆{value}违停") == [value]


@pytest.mark.parametrize("text", ["新ADOBE软件", "沪ABCDE", "京JOHNSON", "from沪A12345X9", "沪A1234"])
def test_plate_look_alikes(text):
    assert found(r.PlateRecognizer(), text) == []


def test_bank_card():
    rec = r.BankCardRecognizer()
    card = luhn_card("622202", 19)
    grouped = " ".join(card[i : i + 4] for i in range(0, 19, 4))
    assert found(rec, f"卡号{card}") == [card]
    assert found(rec, f"卡号{grouped}") == [grouped]
    # As some banks print a 19-digit debit card, and a 16-digit one split the same way.
    assert found(rec, f"卡号{card[:6]} {card[6:]}，") == [f"{card[:6]} {card[6:]}"]
    short = luhn_card("622848", 16)
    assert found(rec, f"退款至{short[:6]}-{short[6:]}") == [f"{short[:6]}-{short[6:]}"]
    mistyped = wrong_check_digit(card)
    assert found(rec, f"卡号{mistyped}") == []
    assert found(rec, f"卡号{mistyped[:6]} {mistyped[6:]}") == []
    assert found(rec, f"身份证{ID}") == []  # even if an id passes Luhn it is an id, not a card


def test_uscc_recognised_but_not_personal():
    code = uscc()
    assert found(r.UsccRecognizer(), f"统一社会信用代码{code}") == [code]
    assert found(r.UsccRecognizer(), f"代码{wrong_check_digit(code)}") == []
    assert classes(f"企业信用代码{code}") == {("cn_uscc", code)}


def test_passport_and_email():
    assert found(r.PassportRecognizer(), "护照号E12345678") == ["E12345678"]
    assert found(r.PassportRecognizer(), "护照EA1234567") == ["EA1234567"]
    assert found(r.PassportRecognizer(), "型号XE12345678Z") == []
    assert found(r.PassportRecognizer(), "编号D1234567") == []  # official series needs 护照 nearby
    # Travel permits, after their names only.
    assert found(r.PassportRecognizer(), "港澳通行证C12345678") == ["C12345678"]
    assert found(r.PassportRecognizer(), "往来港澳通行证号CA1234567，") == ["CA1234567"]
    assert found(r.PassportRecognizer(), "回乡证H1234567890") == ["H1234567890"]
    assert found(r.PassportRecognizer(), "台湾通行证L12345678") == ["L12345678"]
    assert found(r.PassportRecognizer(), "型号C12345678") == []
    assert found(r.EmailRecognizer(), "邮箱zhang.wei@example.com。") == ["zhang.wei@example.com"]
    assert found(r.EmailRecognizer(), "发至ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ") == [
        "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ"
    ]
    assert found(r.EmailRecognizer(), "版本v1.2@beta") == []
    # As an input method types it: a Chinese full stop for a dot, spaces around the @.
    assert found(r.EmailRecognizer(), "邮箱zhangsan@qq。com，") == ["zhangsan@qq。com"]
    assert found(r.EmailRecognizer(), "发到 zhangsan @ qq.com 谢谢") == ["zhangsan @ qq.com"]
    # Written out to keep harvesters off: each is an address.
    for written in (
        "zhangsan(at)qq(dot)com",
        "zhang.san [AT] 163.com",
        "zhangsan at qq dot com",
        "zhangsan#qq.com",
        "zhangsan艾特qq.com",
        "zhang(dot)san（ａｔ）qq.com",
    ):
        assert found(r.EmailRecognizer(), f"邮箱：{written}，谢谢") == [written]
    for not_an_address in ("C#.net", "会议在 at 10 dot 30", "见面 at home", "编号#2023.12"):
        assert found(r.EmailRecognizer(), not_an_address) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("患者张伟，男，45岁", "张伟"),
        ("患者张伟身份证在柜台核验", "张伟"),
        ("联系人：欧阳娜娜 电话", "欧阳娜娜"),
        ("申请人王小明提交材料", "王小明"),
        ("李建国先生来电", "李建国"),
        ("姓名:司马光", "司马光"),
        ("姓名：张 三，男", "张 三"),  # spaced to align with three-character names
        ("联系人：陈　小　红 电话", "陈　小　红"),
        ("联系人：张三 李四", "张三"),  # a space after the given name ends it
        ("联系人：艾合买提·买买提，电话", "艾合买提·买买提"),
        ("申请人：米拉.阿不都热合曼", "米拉.阿不都热合曼"),
        # In Latin letters: pinyin (with or without tone marks, any case), a hyphenated given name.
        ("联系人：Zhang San 电话", "Zhang San"),
        ("姓名：ZHANG Xiaoming，男", "ZHANG Xiaoming"),
        ("姓名: Zhāng Sān", "Zhāng Sān"),
        ("申请人：Wang Xiao-ming", "Wang Xiao-ming"),
        ("联系人：Ｚｈａｎｇ　Ｓａｎ，", "Ｚｈａｎｇ　Ｓａｎ"),
        ("申请人李红提交材料", "李红"),
        # Naming oneself or another: 我叫, 名叫, 本人.
        ("我叫李四，电话见档案", "李四"),
        ("名叫王小明的男子", "王小明"),
        ("本人张伟，身份证见附件", "张伟"),
        ("本人王芳确认", "王芳"),
        # Staff who handled, checked or signed a record are persons too.
        ("经办人:刘洋;", "刘洋"),
        ("复核人：陈静", "陈静"),
        ("受理人 孙丽", "孙丽"),
        # A label ending in 人 with 员 after it, and the roles staff are named by.
        ("参保人员王芳于11月补缴", "王芳"),
        ("经办人员刘洋已受理", "刘洋"),
        ("联系人员：陈静", "陈静"),
        ("工作人员李强，上门核实", "李强"),
        ("主治医生王建国建议复查", "王建国"),
        ("护士长张丽，值班", "张丽"),
        ("民警赵磊到场处理", "赵磊"),
        ("接线员王芳：市民来电", "王芳"),
        # A label spaced out to align a form's column, and 名 / 名字 between the label and the name.
        ("姓 名：赵六，", "赵六"),
        ("姓　　名：周八", "周八"),
        ("联 系 人：孙七", "孙七"),
        ("病人名：李四", "李四"),
        ("患者名字是王五", "王五"),
    ],
)
def test_person_name_positives(text, name):
    assert found(r.ChineseNameRecognizer(), text) == [name]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("联系人：张三、李四和王五，电话", ["张三", "李四", "王五"]),
        ("申请人王小明和李红提交", ["王小明", "李红"]),
        ("联系人：张三/李四", ["张三", "李四"]),
        ("联系人：张三、负责人李四", ["张三", "李四"]),
        ("患者张伟 高血压", ["张伟"]),  # a space or comma does not make a list: a diagnosis may follow
        ("患者张伟，高血压", ["张伟"]),
        ("患者张伟和家属到院", ["张伟"]),
        # 和 is a surname too; before a whole name it joins two people and stays in the text.
        ("张伟先生和李娜女士来访", ["张伟", "李娜"]),
        ("和平女士来访", ["和平"]),
    ],
)
def test_names_listed_after_a_labelled_one(text, names):
    assert found(r.ChineseNameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "张江临港园区招商",
        "王先生来电",
        "高温预警",
        "市民反映申港大道积水",
        "联系人：王 先生",
        "患者CT检查",
        "患者 CT 检查正常",
        "联系人：N/A",
        "受益人群覆盖全区",
        "收款人民币500元",
        "参保人员共计300",
        "医生建议复查",
        "工作人员已上门核实",
        "相关人员已到场",
        "检查人员发现隐患",
        "医护人员到位",
        "社工站开放",
        "管理员审核通过",
        "志愿者服务",
        "患者名单如下",
    ],
)
def test_person_name_needs_label_or_title_and_a_given_name(text):
    assert found(r.ChineseNameRecognizer(), text) == []


def test_address():
    rec = r.AddressRecognizer()
    text = "住址：上海市浦东新区南汇新城镇申港大道88弄5号1201室，电话"
    assert found(rec, text) == ["上海市浦东新区南汇新城镇申港大道88弄5号1201室"]
    assert found(rec, "家住环湖西一路99号") == ["环湖西一路99号"]
    assert found(rec, "住址：万祥镇万和路605弄2号1101室") == [
        "万祥镇万和路605弄2号1101室"
    ]  # 和 in a road name
    assert found(rec, "家住书院镇外灶村8组87号，") == ["书院镇外灶村8组87号"]  # villagers' group
    # Read out in numerals, spaced, with a bare room number, the Shanghai way 弄-号-室, a range.
    assert found(rec, "住址：申港大道八十八弄五号") == ["申港大道八十八弄五号"]
    assert found(rec, "家住环湖西一路九十九号，") == ["环湖西一路九十九号"]
    assert found(rec, "家住申港大道 88 弄 5 号") == ["申港大道 88 弄 5 号"]
    assert found(rec, "住在芦潮港镇渔港路12号402") == ["芦潮港镇渔港路12号402"]
    assert found(rec, "地址：申港大道88-5-1201，") == ["申港大道88-5-1201"]
    assert found(rec, "申港大道3-5号施工") == ["申港大道3-5号"]
    assert found(rec, "十二月三号来电") == []
    assert found(rec, "三号楼漏水") == []
    assert found(rec, "沪芦高速2-3公里") == []
    assert found(rec, "G1501-2") == []
    assert found(rec, "分3组巡查") == []
    assert found(rec, "滴水湖地铁站1号口") == []
    # A housing estate without its road; not a business park.
    assert found(rec, "家住临港新城滴水湖馨苑11号楼502") == ["临港新城滴水湖馨苑11号楼502"]
    assert found(rec, "住在港城新天地小区3号1201室，") == ["港城新天地小区3号1201室"]
    assert "".join(found(rec, "环湖西二路888号海湾花园6栋，")) == "环湖西二路888号海湾花园6栋"  # all of it
    assert found(rec, "临港科技产业园3号楼施工") == []
    assert found(rec, "住临港家园12-502，") == ["临港家园12-502"]  # building-room after an estate
    assert found(rec, "家住港城新苑3期12号楼502室") == ["港城新苑3期12号楼502室"]  # with the estate's phase
    assert found(rec, "港城新苑二期交付") == []
    assert found(rec, "申港大道积水") == []


def test_analyze_text_finds_everything_in_a_sentence():
    text = f"患者张伟，身份证{ID}，电话13812345678，车牌沪AD12345"
    assert classes(text) == {
        ("person_name", "张伟"),
        ("cn_resident_id", ID),
        ("cn_mobile", "13812345678"),
        ("cn_plate", "沪AD12345"),
    }


def test_prefilter_admits_every_positive():
    import pyarrow as pa
    import pyarrow.compute as pc

    positives = [
        f"{ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
        "138 1234 5678",
        "（021）5800123",
        "沪A·C8888",
        "ｚ＠ｅ．ｃｏｍ",
        "李建国先生来电",
        "家住环湖西一路99号",
        "住址：申港大道八十八弄五号",
        "地址：申港大道88-5-1201",
        "家住申港大道 88 弄",
        "护照EA1234567",
        "联系人：Ｚｈａｎｇ Ｓａｎ",
        "邮箱：zhangsan(at)qq(dot)com",
        "邮箱：ｚｈａｎｇ＃ｑｑ。ｃｏｍ",
        f"身份证号：{ID[:12]}\r\n{ID[12:]}",
        "电话：138\n1234\n5678",
    ]
    assert all(pc.match_substring_regex(pa.array(positives), prefilter()).to_pylist())


def test_a_name_that_opens_a_reported_clause_is_found_but_not_common_words():
    from governance.pii.text import mask_one

    assert mask_one("刘波来电称咨询人才落户政策")[0] == "<姓名>来电称咨询人才落户政策"
    assert mask_one("经核实，王芳反映的问题已处理")[0] == "经核实，<姓名>反映的问题已处理"
    assert mask_one("邱建平（身份证在窗口核验）血压偏高")[0] == "<姓名>（身份证在窗口核验）血压偏高"
    # 的 and an identifier only a person has.
    assert mask_one("张三的手机是多少")[0] == "<姓名>的手机是多少"
    assert mask_one("经核实，张三丰的身份证已过期")[0] == "经核实，<姓名>的身份证已过期"
    # Its own mobile or ID number in brackets after it.
    assert mask_one("王伟(13812345678)已登记")[0] == "<姓名>(<手机号>)已登记"
    assert mask_one(f"经核实，李娜（{ID}）符合条件")[0] == "经核实，<姓名>（<身份证号>）符合条件"
    assert mask_one("，万科(2019)年报")[0] == "，万科(2019)年报"
    # Roles that begin with a surname character are not names: 来电人, 申请人, 公司.
    for text in (
        "市民来电反映：路灯损坏",
        "车主反映车位不足",
        "高血压患者复诊",
        "来电人反映路灯不亮",
        "公司表示将整改",
        # A place or a thing has an address, a telephone or a plate too.
        "陈列馆的地址在哪",
        "周边的电话打不通",
        # 本人 and 我叫 before what is not a name.
        "本人于昨日在小区门口摔倒",
        "本人要求尽快处理",
        "我叫了物业三次都没人来",
    ):
        assert mask_one(text)[0] == text


def _group_entities(text):
    import pyarrow as pa
    import pyarrow.compute as pc

    return {
        entity
        for regex, entities in prefilter_groups().items()
        if pc.match_substring_regex(pa.array([text]), regex)[0].as_py()
        for entity in entities
    }


@pytest.mark.parametrize(
    "text",
    [
        f"身份证{ID}",
        f"身份证{to_fullwidth(ID)}",
        f"身份证{ID[:6]} {ID[6:10]} {ID[10:14]} {ID[14:]}",
        f"身份证{ID[:6]}－{ID[6:14]}－{ID[14:]}",
        f"老身份证{ID[:6]}{ID[8:17]}",
        f"老身份证{ID[:6]} {ID[8:14]} {ID[14:17]}",
        "请联系+86 138-1234-5678",
        "请联系１３８１２３４５６７８",
        "请联系138 1234 5678",
        "座机（021）5800123",
        "座机021-58001234-806",
        "座机+86 021 58001234",
        "电话02158001234",
        "护照EA1234567",
        "护照号E12345678",
        "护照D1234567",
        "卡号" + luhn_card("622202", 19),
        "卡号" + " ".join(luhn_card("622202", 16)[i : i + 4] for i in range(0, 16, 4)),
        "统一社会信用代码" + uscc(),
    ],
)
def test_every_positive_triggers_the_prefilter_group_of_every_recognizer_that_finds_it(text):
    # The batch masker runs only the recognizers of the groups a cell matches: each group must be a
    # superset of its recognizers' triggers, or that cell would lose a finding.
    found_classes = {f.pii_class for f in analyze_text(text)}
    assert found_classes, text
    assert found_classes <= _group_entities(text), text
