"""PII class identifiers (GLOSSARY.md) shared by recognizers, classification, masking and scans."""

from __future__ import annotations

from governance.pii.patterns import PiiClass

# Plain strings (the enum's values): they flow into Presidio results, JSON reports and YAML, where an
# enum member is not always welcome (yaml.safe_dump refuses str subclasses).
PERSON_NAME = PiiClass.PERSON_NAME.value
CN_RESIDENT_ID = PiiClass.CN_RESIDENT_ID.value
CN_MOBILE = PiiClass.CN_MOBILE.value
CN_LANDLINE = PiiClass.CN_LANDLINE.value
ADDRESS = PiiClass.ADDRESS.value
CN_PLATE = PiiClass.CN_PLATE.value
BANK_CARD = PiiClass.BANK_CARD.value
EMAIL = PiiClass.EMAIL.value
PASSPORT = PiiClass.PASSPORT.value
FREE_TEXT = PiiClass.FREE_TEXT.value
# Recognised, never personal: not a glossary PII class, so not a PiiClass member.
CN_USCC = "cn_uscc"

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
