"""Chinese person and company names, sampled with numpy from Faker's zh_CN word lists.

Faker is used only as a word list: calling it per row would be slow and tie determinism to Faker's own RNG.
"""

from __future__ import annotations

import numpy as np
from faker.providers.company.zh_CN import Provider as CompanyProvider
from faker.providers.person.zh_CN import Provider as PersonProvider

_SURNAMES = np.array(list(PersonProvider.last_names.keys()))
_SURNAME_P = np.array(list(PersonProvider.last_names.values()), dtype=float)
_SURNAME_P /= _SURNAME_P.sum()
_MALE = np.array(PersonProvider.first_names_male)
_FEMALE = np.array(PersonProvider.first_names_female)

COMPANY_BRANDS = tuple(CompanyProvider.company_prefixes)
# Two-character trade names (字号) as most registered firms use; combined they give thousands of brands.
_BRAND_CHARS = "华鑫宏泰恒远瑞博航海新科创联腾达信诚安嘉凯盛金汇德润源智蓝星港洋辰卓越峰睿晟宇丰"
INDUSTRIES = (
    ("智能制造", "智能装备"),
    ("集成电路", "半导体"),
    ("人工智能", "智能科技"),
    ("生物医药", "生物科技"),
    ("航空航天", "航空科技"),
    ("新能源汽车", "新能源科技"),
    ("高端装备", "重工装备"),
    ("海洋经济", "海洋工程"),
    ("信息服务", "信息技术"),
    ("现代物流", "供应链管理"),
    ("金融服务", "投资管理"),
    ("商贸服务", "贸易"),
)


def person_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """One full name per entry of ``male`` (surname weighted by frequency, given name by sex)."""
    n = len(male)
    surnames = rng.choice(_SURNAMES, size=n, p=_SURNAME_P)
    given = np.where(male, _MALE[rng.integers(0, len(_MALE), n)], _FEMALE[rng.integers(0, len(_FEMALE), n)])
    # Many given names are two characters: add a second one for about half of the people.
    second = np.where(male, _MALE[rng.integers(0, len(_MALE), n)], _FEMALE[rng.integers(0, len(_FEMALE), n)])
    two = (
        (rng.random(n) < 0.45)
        & (np.char.str_len(given) == 1)
        & (np.char.str_len(second) == 1)
        & (given != second)
    )
    given = np.where(two, np.char.add(given, second), given)
    return np.char.add(surnames, given)


def company_names(rng: np.random.Generator, industry_idx: np.ndarray) -> np.ndarray:
    """Distinct company names such as 上海<brand><industry word>有限公司 or <brand>（上海）<word>有限公司."""
    forms = (
        "上海{b}{w}有限公司",
        "{b}（上海）{w}有限公司",
        "上海临港{b}{w}有限公司",
        "上海{b}{w}股份有限公司",
    )
    seen: set[str] = set()
    out: list[str] = []
    for ind in industry_idx:
        while True:
            if rng.random() < 0.2:
                brand = COMPANY_BRANDS[rng.integers(0, len(COMPANY_BRANDS))]
            else:
                a, b = rng.integers(0, len(_BRAND_CHARS), 2)
                brand = _BRAND_CHARS[a] + _BRAND_CHARS[b]
            word = INDUSTRIES[ind][rng.integers(0, 2)]
            name = forms[rng.integers(0, len(forms))].format(b=brand, w=word)
            if name not in seen:  # a registry never holds two firms of the same name
                break
        seen.add(name)
        out.append(name)
    return np.array(out)
