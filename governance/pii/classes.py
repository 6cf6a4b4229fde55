"""PII class identifiers (GLOSSARY.md) shared by recognizers, classification, masking and scans."""

from __future__ import annotations

PERSON_NAME = "person_name"
CN_RESIDENT_ID = "cn_resident_id"
CN_MOBILE = "cn_mobile"
CN_LANDLINE = "cn_landline"
ADDRESS = "address"
CN_PLATE = "cn_plate"
BANK_CARD = "bank_card"
EMAIL = "email"
PASSPORT = "passport"
CN_USCC = "cn_uscc"
FREE_TEXT = "free_text"

# Enterprise credit codes are recognised (to validate and to stop them being mistaken for IDs or
# cards) but they are public, so they are never masked nor reported as leaks.
PERSONAL_CLASSES: tuple[str, ...] = (
    CN_RESIDENT_ID,
    BANK_CARD,
    PASSPORT,
    CN_MOBILE,
    CN_LANDLINE,
    EMAIL,
    CN_PLATE,
    PERSON_NAME,
    ADDRESS,
)
ALL_CLASSES: tuple[str, ...] = (*PERSONAL_CLASSES, CN_USCC)

# Overlap tie-break, most specific (checksummed) first; personal before enterprise on equal spans.
PRIORITY: dict[str, int] = {c: i for i, c in enumerate(ALL_CLASSES)}

# Chinese label of each class, used as the replacement tag in free text (<身份证号> ...).
LABELS: dict[str, str] = {
    PERSON_NAME: "姓名",
    CN_RESIDENT_ID: "身份证号",
    CN_MOBILE: "手机号",
    CN_LANDLINE: "固定电话",
    ADDRESS: "住址",
    CN_PLATE: "车牌号",
    BANK_CARD: "银行卡号",
    EMAIL: "电子邮箱",
    PASSPORT: "护照号",
    CN_USCC: "统一社会信用代码",
}
