"""Free text as operators and doctors type it: hotline complaints and clinic notes, some quoting personal data.

The PII inside free text is the point: masking must find ID numbers, phones, names, plates and addresses in
prose, not only in typed columns. The quoted data is always the real caller's or patient's own.
"""

from __future__ import annotations

import numpy as np

HOTLINE_BODIES: dict[str, tuple[str, ...]] = {
    "市容环境": (
        "{street}{landmark}附近垃圾堆放多日无人清运，气味很大，希望尽快处理",
        "{street}沿线绿化带杂草丛生，建议安排修剪",
        "环滴水湖80米景观带有游客乱扔垃圾，垃圾桶已满溢",
        "{street}有商户占道经营，油烟污染严重",
    ),
    "交通出行": (
        "{street}与{street2}交叉口信号灯故障，早高峰拥堵严重",
        "滴水湖地铁站周边共享单车乱停放，影响行人通行",
        "{street}公交站台缺少遮雨棚，雨天候车不便",
        "S2沪芦高速入口附近路面坑洼，存在安全隐患",
    ),
    "噪声扰民": (
        "{street}附近工地夜间施工，晚上十点以后仍在作业，噪声扰民",
        "{street}沿街商铺音响声音过大，影响周边居民休息",
        "新九四塘附近夜间有改装车轰鸣",
    ),
    "物业管理": (
        "所住小区电梯故障一周仍未修复，物业不作为",
        "小区物业费上涨未经业主大会讨论，要求说明",
        "{street}小区地下车库漏水，物业互相推诿",
    ),
    "公共设施": (
        "{street}路灯不亮，夜间出行不安全",
        "观海嘴公园健身器材损坏，存在安全隐患",
        "滨海森林公园公共厕所无人保洁",
    ),
    "医疗卫生": (
        "市六院临港分院挂号排队时间过长，希望增加窗口",
        "社区卫生服务中心疫苗一直预约不上",
        "{street}附近药店疑似出售过期药品",
    ),
    "劳动保障": (
        "{company}拖欠工资两个月未发放",
        "{company}未依法缴纳社会保险",
        "{company}要求员工超时加班且无加班费",
    ),
    "其他": (
        "咨询临港新片区人才落户政策",
        "咨询居住证办理所需材料",
        "建议在{landmark}增设休息座椅",
    ),
}

# How an operator frames a complaint that quotes the caller's data, and one that does not.
_PII_FRAMES = (
    "市民{name}（身份证{id}）来电反映：{body}，联系电话{mobile}。",
    "来电人{name}反映：{body}。来电人住址：{address}，回访电话{mobile}。",
    "市民反映：{body}。另有车牌号{plate}的车辆长期占用消防通道，来电人{name}要求处理。",
    "{name}来电称{body}，身份证号{id}，请相关部门核实。",
)
_PLAIN_FRAMES = (
    "市民来电反映：{body}。",
    "来电人反映{body}，要求尽快处理。",
    "{body}。",
    "市民反映：{body}，希望有关部门跟进。",
)
_OPERATOR_REMARK = "\n处理要求：请于3个工作日内回复市民，并上传处置照片。"
_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")
_GROUPS = {11: (3, 4), 18: (6, 8), 15: (6, 6)}  # mobile 3-4-4, ID number 6-8-4, legacy ID 6-6-3
_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def _regrouped(value: str) -> str:
    """A mobile with its first group bracketed as an area code is, an ID number in groups of 3-3-4-4-4."""
    if len(value) == 11:
        return f"({value[:3]}){value[3:7]} {value[7:]}"
    if len(value) == 18:
        return " ".join((value[:3], value[3:6], value[6:10], value[10:14], value[14:]))
    return value


def _read_out_in_fours(value: str) -> str:
    """A number grouped in fours from its start, as a caller reads it out: 1381 2345 678."""
    return " ".join(value[at : at + 4] for at in range(0, len(value), 4))


def as_typed(value: str, style: int) -> str:
    """A number as it reaches the ticket: mostly as the system holds it; in eight styles of sixteen, as an
    operator transcribes or pastes it (read out in Chinese numerals, wholly or from the middle on, no-break
    spaces between the groups, a zero-width space picked up with a copy, digit by digit, grouped as the
    caller read it out, in other groups or in fours, typed with a Chinese input method's full-width
    digits). Masking must find it in every spelling."""
    style %= 16
    if not isinstance(value, str):
        return value
    if style == 0:
        return value.translate(_NUMERALS)
    if style == 1:
        first, second = _GROUPS.get(len(value), (3, 4))
        return "\u00a0".join((value[:first], value[first : first + second], value[first + second :]))
    if style == 2:
        return value[:6] + "\u200b" + value[6:]
    if style == 3:
        return " ".join(value)
    if style == 4:
        return value[:7] + value[7:].translate(_NUMERALS)
    if style == 5:
        return _regrouped(value)
    if style == 6:
        return value.translate(_FULLWIDTH)
    if style == 7:
        return _read_out_in_fours(value)
    return value


def hotline_contents(
    rng: np.random.Generator,
    category: np.ndarray,
    street: np.ndarray,
    caller: dict[str, np.ndarray],
    plates: np.ndarray,
    companies: np.ndarray,
    landmarks: tuple[str, ...],
    roads: tuple[str, ...],
    pii_share: float = 0.3,
) -> np.ndarray:
    """One complaint per ticket; about ``pii_share`` of them quote the caller's name, ID, phone, address or a plate."""
    n = len(category)
    with_pii = rng.random(n) < pii_share
    remark = rng.random(n) < 0.1
    picks = rng.integers(0, 1 << 30, size=(n, 5))
    out = np.empty(n, dtype=object)
    for i in range(n):
        p = picks[i]
        bodies = HOTLINE_BODIES[category[i]]
        road = street[i] or roads[p[1] % len(roads)]
        body = bodies[p[0] % len(bodies)].format(
            street=road,
            street2=roads[(p[1] + 1 + p[2] % (len(roads) - 1)) % len(roads)],
            landmark=landmarks[p[2] % len(landmarks)],
            company=companies[p[3] % len(companies)],
        )
        if with_pii[i]:
            text = _PII_FRAMES[p[4] % len(_PII_FRAMES)].format(
                body=body,
                name=caller["name"][i],
                id=as_typed(caller["id_number"][i], p[1] >> 12),
                mobile=as_typed(caller["mobile"][i], p[2] >> 12),
                address=caller["address"][i],
                plate=plates[p[3] % len(plates)],
            )
        else:
            text = _PLAIN_FRAMES[p[4] % len(_PLAIN_FRAMES)].format(body=body)
        out[i] = text + _OPERATOR_REMARK if remark[i] else text
    return out


CLINICAL_NOTES: dict[str, str] = {
    "I10": "血压控制欠佳，调整降压药物，两周后复诊",
    "E11.9": "空腹血糖偏高，建议饮食控制并复查糖化血红蛋白",
    "J06.9": "咽痛伴低热两天，予对症处理",
    "J20.9": "咳嗽咳痰一周，听诊双肺呼吸音粗，予止咳化痰",
    "K29.7": "上腹部不适，予抑酸护胃治疗",
    "M54.5": "腰背部疼痛一周，建议理疗，避免久坐",
    "R51": "头痛两天，血压正常，嘱注意休息",
    "H10.9": "双眼红痒，予滴眼液",
    "K02.9": "龋齿，已行充填治疗",
    "L30.9": "皮疹伴瘙痒，外用药物治疗",
    "I25.1": "活动后胸闷，心电图ST段改变，建议心内科进一步检查",
    "E78.5": "血脂偏高，建议低脂饮食，三个月后复查",
    "Z00.0": "常规体检，未见明显异常",
    "N39.0": "尿频尿急，尿常规白细胞升高，予抗感染治疗",
}
_NOTE_PII_FRAMES = (
    "患者{name}，电话{mobile}，{clinical}。",
    "{name}（身份证{id}）{clinical}，家属联系电话{mobile}。",
    "患者{name}住{address}，{clinical}，嘱社区随访。",
)


def clinic_notes(
    rng: np.random.Generator, diagnosis: np.ndarray, patient: dict[str, np.ndarray], pii_share: float = 0.2
) -> np.ndarray:
    """Doctor's notes: ``pii_share`` quote the patient's data, about half are clinical only, the rest empty."""
    n = len(diagnosis)
    kind = rng.random(n)
    frame = rng.integers(0, len(_NOTE_PII_FRAMES), n)
    out = np.full(n, None, dtype=object)
    for i in range(n):
        if kind[i] >= pii_share + 0.45:
            continue
        clinical = CLINICAL_NOTES.get(diagnosis[i] or "", "主诉不适，已予对症处理")
        if kind[i] < pii_share:
            out[i] = _NOTE_PII_FRAMES[frame[i]].format(
                name=patient["name"][i],
                mobile=patient["mobile"][i],
                id=patient["id_number"][i],
                address=patient["address"][i],
                clinical=clinical,
            )
        else:
            out[i] = clinical + "。"
    return out
