"""The same people, firms and cars appear across departments' systems, as in the real district."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from simulator_checks import read_dataset

from governance.contracts import DatasetContract
from ingest.simulator import Population, SimulationSummary, build_population, places


@pytest.fixture(scope="module")
def population(tiny_run: SimulationSummary) -> Population:
    return build_population(tiny_run.scale, tiny_run.seed, as_of=tiny_run.start)


@pytest.fixture(scope="module")
def read(tiny_out: Path, contracts: dict[str, DatasetContract]):
    cache: dict[str, list[dict]] = {}

    def _read(name: str) -> list[dict]:
        if name not in cache:
            cache[name] = read_dataset(tiny_out, contracts[name])
        return cache[name]

    return _read


def test_health_records_are_residents(read, population: Population) -> None:
    records = read("resident_health_records")
    people = dict(zip(population.residents.id_number, population.residents.name, strict=True))
    assert all(people[r["resident_id_number"]] == r["resident_name"] for r in records)
    assert 0.5 < len(records) / len(population.residents) < 0.7


def test_health_events_belong_to_registered_residents(read, population: Population) -> None:
    registered = {r["resident_id_number"] for r in read("resident_health_records")}
    for name in ("clinic_visits", "kiosk_checks", "elderly_care_alerts"):
        ids = {r["resident_id_number"] for r in read(name)}
        assert ids and ids <= registered, name


def test_elderly_alerts_only_for_residents_aged_65_or_more(read, population: Population) -> None:
    res = population.residents
    age = dict(zip(res.id_number, res.age_on(date(2026, 11, 1)), strict=True))
    town = dict(zip(res.id_number, res.town, strict=True))
    for alert in read("elderly_care_alerts"):
        assert age[alert["resident_id_number"]] >= 65
        assert town[alert["resident_id_number"]] == alert["town"]


def test_applicants_are_residents_with_their_own_name_and_mobile(read, population: Population) -> None:
    res = population.residents
    who = {i: (n, m) for i, n, m in zip(res.id_number, res.name, res.mobile, strict=True)}
    apps = read("approval_applications")
    for app in apps:
        if app["applicant_id_number"]:
            name, mobile = who[app["applicant_id_number"]]
            assert app["applicant_name"] == name
            assert app["applicant_mobile"] in (mobile, None)
    share_online = sum(bool(a["online_prereview"]) for a in apps) / len(apps)
    assert 0.7 < share_online < 0.95


def test_enterprises_link_parks_buildings_and_approvals(read) -> None:
    parks = {p["park_id"] for p in read("parks")}
    assert {p["park_name"] for p in read("parks")} == {p.name for p in places.PARKS}
    buildings = {b["building_id"]: b["park_id"] for b in read("buildings")}
    assert set(buildings.values()) <= parks
    enterprises = read("enterprises")
    for e in enterprises:
        assert e["park_id"] in parks
        assert e["building_id"] is None or buildings[e["building_id"]] == e["park_id"]
    uscc = {e["uscc"] for e in enterprises}
    apps = read("approval_applications")
    used = {a["enterprise_uscc"] for a in apps if a["enterprise_uscc"]}
    assert used and used <= uscc
    assert 0.25 < sum(1 for a in apps if a["enterprise_uscc"]) / len(apps) < 0.55
    assert {i["enterprise_uscc"] for i in read("inspection_records")} <= uscc
    meters = read("energy_readings")
    assert {m["building_id"] for m in meters} <= set(buildings)


def test_steps_belong_to_applications(read) -> None:
    apps = {a["application_id"]: a for a in read("approval_applications")}
    steps = read("approval_steps")
    assert {s["application_id"] for s in steps} <= set(apps)
    for s in steps:
        assert s["started_at"] >= apps[s["application_id"]]["submitted_at"]
        if s["step_name"] == "prereview":
            assert apps[s["application_id"]]["online_prereview"]


def test_parking_plates_are_mostly_residents_cars(read, population: Population) -> None:
    owned = {p for p in population.residents.plate if p is not None}
    sessions = read("parking_sessions")
    plates = [s["plate"] for s in sessions]
    share = sum(p in owned for p in plates) / len(plates)
    assert 0.65 < share < 0.9
    visitors = {p[0] for p in plates if p not in owned}
    assert {"苏", "浙"} <= visitors
    lots = {lot["lot_id"] for lot in read("parking_lots")}
    assert {s["lot_id"] for s in sessions} <= lots
    assert "滴水湖地铁站P+R停车场" in {lot["lot_name"] for lot in read("parking_lots")}


def test_callers_and_riders_are_residents(read, population: Population) -> None:
    res = population.residents
    mobiles = dict(zip(res.mobile, res.name, strict=True))
    for t in read("hotline_tickets"):
        assert t["caller_mobile"] in mobiles
        assert t["caller_name"] in (mobiles[t["caller_mobile"]], None)
        assert t["town"] in places.TOWNS
    assert {t["user_mobile"] for t in read("rental_trips")} <= set(mobiles)


def test_legal_representatives_are_residents(read, population: Population) -> None:
    names = set(population.residents.name)
    assert all(e["legal_representative"] in names for e in read("enterprises"))
