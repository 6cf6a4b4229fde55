"""Identifiers fixed by the project glossary (docs/glossary.md): one spelling per Chinese term.

The ground floor holds them because zone names, Trino groups and stack users are built from them."""

from __future__ import annotations

# The department that runs the data centre: its members are the data stewards.
STEWARD_DEPARTMENT = "data_office"

DEPARTMENTS: dict[str, str] = {
    "data_office": "智慧城市建设运营管理中心",
    "gov_services": "政务服务",
    "city_management": "城市管理",
    "emergency": "应急联动",
    "construction": "建设管理",
    "transport": "交通",
    "health": "卫生健康",
    "lingang_group": "临港集团",
    "gangcheng_group": "港城集团",
    "nanhui_town": "南汇新城镇",
}

DOMAINS: dict[str, str] = {
    "government": "政务",
    "development": "开发主体",
    "transport": "交通",
    "health": "健康云",
}

SHARING_TYPES: dict[str, str] = {
    "unconditional": "无条件共享",
    "conditional": "有条件共享",
    "not_shared": "不予共享",
}

OPEN_TYPES: dict[str, str] = {"open": "普通开放", "on_request": "依申请开放", "closed": "不予开放"}

UPDATE_FREQUENCIES: dict[str, str] = {
    "realtime": "实时",
    "hourly": "每小时",
    "daily": "每日",
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
}

CLASSIFICATIONS: dict[str, str] = {
    "public": "公开",
    "internal": "内部",
    "sensitive": "敏感",
    "important": "重要",
    "core": "核心",
}
REFUSED_CLASSIFICATIONS = ("secret",)

PII_CLASSES: dict[str, str] = {
    "person_name": "姓名",
    "cn_resident_id": "身份证号",
    "cn_mobile": "手机号",
    "cn_landline": "固定电话",
    "address": "住址",
    "cn_plate": "车牌号",
    "bank_card": "银行卡号",
    "email": "电子邮箱",
    "passport": "护照号",
    "free_text": "自由文本",
    # Reviewed: looks like personal data but is not (a public building's address).
    "not_personal": "已核实非个人信息",
}

# A column that holds no personal identifier says so (`pii: none`): every contract column is classified,
# and the privacy gate still scans it (a classifier finding in a `none` column blocks publication).
NO_PII = "none"
NO_PII_LABEL = "无个人标识"

# Sensitive personal information, PIPL Art. 28 (《个人信息保护法》第二十八条). A contract column declares its
# category with `sensitive`; `minor_under_14` goes on the column that tells a data subject's age (birth year).
SENSITIVE_CATEGORIES: dict[str, str] = {
    "biometrics": "生物识别",
    "religion": "宗教信仰",
    "specific_identity": "特定身份",
    "health": "医疗健康",
    "financial_account": "金融账户",
    "location_track": "行踪轨迹",
    "minor_under_14": "不满十四周岁未成年人",
}

# How a sensitive column may leave for the exchange zone (governance.contracts.model.sensitive_release).
SENSITIVE_RELEASES: dict[str, str] = {
    "drop": "删除",
    "withheld": "信息项不予共享",
    "generalise": "泛化",
    "named_grant": "有条件共享，仅经指明该项的授权",
}

# What the re-identification check does with an exchange table below its k or l (docs/adr/0012-…).
REIDENTIFICATION_FALLBACKS: dict[str, str] = {
    "block": "阻断发布",
    "suppress_rows": "抑制不足k或l的等价类",
}

MASKING_POLICIES: dict[str, str] = {
    "keep": "保留",
    "mask": "部分遮盖",
    "redact": "替换",
    "generalise": "泛化",
    "pseudonym": "假名化",
    "drop": "删除",
    "tag_text": "文本识别替换",
}

# Identifier checks a contract column may name with ``validator`` (implemented in governance.pii).
VALIDATORS: tuple[str, ...] = ("cn_resident_id", "cn_uscc", "cn_mobile", "cn_plate")
