"""Identifier validators named by contracts (``validator: cn_resident_id`` …), for enforcement.

The checks themselves live in ``governance.pii`` (one implementation for ingest, classification and the
leak scan); here they become "valid or absent" masks with a reason a steward can act on.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from governance.pii.validators import validate
from infra.vocabulary import VALIDATORS as VALIDATOR_NAMES

REASONS = {
    "cn_resident_id": "不是有效的身份证号 (GB 11643 校验位、出生日期或地区码错误) / not a valid resident ID",
    "cn_uscc": "不是有效的统一社会信用代码 (GB 32100 校验位错误) / not a valid USCC",
    "cn_mobile": "不是有效的手机号 / not a valid mainland mobile number",
    "cn_plate": "不是有效的车牌号 / not a valid plate",
}


def _valid_or_absent(pii_class: str) -> Callable[[pa.Array], pa.Array]:
    def check(values: pa.Array) -> pa.Array:
        return pc.or_(pc.is_null(values), pa.array(validate(values, pii_class)))

    return check


VALIDATORS: dict[str, tuple[Callable[[pa.Array], pa.Array], str]] = {
    name: (_valid_or_absent(name), REASONS[name]) for name in VALIDATOR_NAMES
}
resident_id, uscc, mobile, plate = (VALIDATORS[n][0] for n in REASONS)
