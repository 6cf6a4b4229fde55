"""Check characters of generated identifiers, recomputed independently of the simulator's own code."""

from __future__ import annotations

import numpy as np
import pytest
from simulator_checks import MOBILE, PLATE, id_number_ok, uscc_ok

from ingest.simulator import build_population, identifiers
from ingest.simulator.rng import stream


def test_reference_examples_from_the_standards() -> None:
    # GB 11643-1999 and GB 32100-2015 give these as worked examples.
    assert id_number_ok("11010519491231002X")
    assert identifiers.is_valid_resident_id("11010519491231002X")
    assert uscc_ok("91350100M000100Y43")
    assert identifiers.is_valid_uscc("91350100M000100Y43")


@pytest.mark.parametrize("value", ["11010519491231002X", "91350100M000100Y43"])
def test_one_changed_character_is_detected(value: str) -> None:
    check = id_number_ok if len(value) == 18 and value[:17].isdigit() else uscc_ok
    for i in range(17):
        for c in "0123456789":
            if c != value[i]:
                mutated = value[:i] + c + value[i + 1 :]
                # Weighted mod-11/mod-31 sums catch every single-character substitution.
                assert not check(mutated), mutated


def test_population_identifiers_are_valid_and_consistent() -> None:
    pop = build_population(scale=0.01, seed=3)
    res = pop.residents
    assert len(res) == 3000
    assert all(id_number_ok(v) for v in res.id_number)
    assert len(set(res.id_number)) == len(res)
    # The ID carries the birth date and, in the 17th digit, the sex (odd = male).
    births = np.datetime_as_string(res.birth_date).tolist()
    assert [f"{v[6:10]}-{v[10:12]}-{v[12:14]}" for v in res.id_number] == births
    assert all((int(v[16]) % 2 == 1) == (s == "男") for v, s in zip(res.id_number, res.sex, strict=True))
    regions = {v[:6] for v in res.id_number}
    assert "310115" in regions and regions <= {identifiers.PUDONG, *identifiers.OTHER_SHANGHAI_REGIONS}
    assert np.mean([v.startswith("310115") for v in res.id_number]) > 0.75
    assert all(MOBILE.match(v) for v in res.mobile)
    assert len(set(res.mobile)) == len(res)
    plates = [p for p in res.plate if p is not None]
    assert plates and all(PLATE.match(p) and p.startswith("沪") for p in plates)
    assert all(sum(c.isdigit() for c in p) >= 3 for p in plates), "serials hold at most two letters"
    assert any(len(p) == 8 for p in plates), "some cars carry green new-energy plates"
    ent = pop.enterprises
    assert all(uscc_ok(v) and v.startswith("91310115") for v in ent.uscc)
    assert len(set(ent.uscc)) == len(ent)


def test_visitor_plates_and_uscc_generators() -> None:
    rng = stream(1, "test")
    for province, cities in identifiers.VISITOR_PROVINCES.items():
        plates = identifiers.make_plates(rng, 500, province, cities)
        assert len(set(plates)) == 500 and all(PLATE.match(p) and p[0] == province for p in plates)
    assert all(uscc_ok(v) for v in identifiers.make_usccs(rng, 500))
