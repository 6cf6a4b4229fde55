"""The coherent world every simulated system draws from: residents, parks, buildings, enterprises, devices.

Columnar (numpy arrays) rather than one object per person, so 300,000 residents build in about a second.
Every system samples from these arrays, which is what makes the same person show up in approvals, health
records and hotline tickets, and the same plate in the parking platform.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

import numpy as np

from ingest.simulator import identifiers as ids
from ingest.simulator import names, places
from ingest.simulator.clock import ymd
from ingest.simulator.rng import stream

RESIDENTS_AT_SCALE_1 = 300_000
BUILDINGS_AT_SCALE_1 = 800
ENTERPRISES_AT_SCALE_1 = 6_000
LOTS_AT_SCALE_1 = 300
DETECTORS_AT_SCALE_1 = 350
KIOSKS_AT_SCALE_1 = 40

# Age pyramid of the district (share per 5-year band, 0-4 … 95-99): a young new city plus older towns,
# about 15% aged 65 or more.
_AGE_BANDS = np.array([5, 5, 5, 5, 6, 9, 10, 9, 8, 7, 7, 6, 5, 5, 4, 2.4, 1.3, 0.6, 0.2, 0.05])

VILLAGES = {
    "泥城镇": ("公平村", "龙港村", "新泉村", "中港村"),
    "书院镇": ("外灶村", "洋溢村", "李雪村", "塘北村"),
    "芦潮港镇": ("东场村", "同汇村", "渔港村"),
    "万祥镇": ("万祥村", "新建村", "桃园村"),
}


def scaled(base: float, scale: float, minimum: int = 1) -> int:
    return max(minimum, round(base * scale))


@dataclass(frozen=True)
class Columns:
    """A bundle of equally long arrays; ``len()`` is the row count."""

    def __len__(self) -> int:
        return len(getattr(self, fields(self)[0].name))


@dataclass(frozen=True)
class Residents(Columns):
    name: np.ndarray
    id_number: np.ndarray
    mobile: np.ndarray
    sex: np.ndarray  # '男' / '女'
    birth_date: np.ndarray  # datetime64[D]
    town: np.ndarray
    address: np.ndarray
    plate: np.ndarray  # object; None for residents without a car
    health_registered: np.ndarray  # bool: has a record in the health cloud

    @property
    def has_plate(self) -> np.ndarray:
        return np.not_equal(self.plate, None)

    def age_on(self, day: date) -> np.ndarray:
        """Completed years of age on ``day``."""
        y, m, d = ymd(self.birth_date)
        return day.year - y - ((m > day.month) | ((m == day.month) & (d > day.day)))


@dataclass(frozen=True)
class Parks(Columns):
    park_id: np.ndarray
    name: np.ndarray
    developer: np.ndarray
    town: np.ndarray
    area_hectares: np.ndarray


@dataclass(frozen=True)
class Buildings(Columns):
    building_id: np.ndarray
    bim_id: np.ndarray
    park_id: np.ndarray
    name: np.ndarray
    town: np.ndarray
    address: np.ndarray
    floors: np.ndarray
    floor_area_m2: np.ndarray
    completed_year: np.ndarray


@dataclass(frozen=True)
class Meters(Columns):
    meter_id: np.ndarray
    building_id: np.ndarray
    base_kw: np.ndarray  # average load, drives hourly readings


@dataclass(frozen=True)
class Enterprises(Columns):
    uscc: np.ndarray
    name: np.ndarray
    park_id: np.ndarray
    building_id: np.ndarray  # object; None when the firm rents outside the park's buildings
    industry: np.ndarray
    registered_capital_wan: np.ndarray
    established_on: np.ndarray  # datetime64[D]
    employees: np.ndarray
    legal_representative: np.ndarray
    contact_mobile: np.ndarray
    town: np.ndarray


@dataclass(frozen=True)
class ParkingLots(Columns):
    lot_id: np.ndarray
    name: np.ndarray
    town: np.ndarray
    address: np.ndarray
    capacity: np.ndarray
    ev_chargers: np.ndarray


@dataclass(frozen=True)
class Detectors(Columns):
    detector_id: np.ndarray
    road: np.ndarray
    direction: np.ndarray
    base_count: np.ndarray  # vehicles per five minutes at the daily peak


@dataclass(frozen=True)
class Kiosks(Columns):
    kiosk_id: np.ndarray
    name: np.ndarray
    town: np.ndarray


@dataclass(frozen=True)
class Population:
    scale: float
    seed: int
    as_of: date
    residents: Residents
    parks: Parks
    buildings: Buildings
    meters: Meters
    enterprises: Enterprises
    parking_lots: ParkingLots
    detectors: Detectors
    kiosks: Kiosks
    rental_stations: tuple[str, ...]


def _addresses(rng: np.random.Generator, town: np.ndarray) -> np.ndarray:
    """Street addresses in the resident's town: compound flats in the new city, village houses elsewhere."""
    n = len(town)
    road_pick = rng.random(n)
    number = rng.integers(1, 120, n) * 8 + rng.integers(0, 8, n)
    building = rng.integers(1, 60, n)
    floor = rng.integers(1, 19, n)
    room = rng.integers(1, 7, n)
    village_pick = rng.random(n)
    group = rng.integers(1, 16, n)
    rural = (rng.random(n) < 0.3) & (town != "南汇新城镇")
    out = []
    for i, t in enumerate(town.tolist()):
        if rural[i]:
            vs = VILLAGES[t]
            out.append(
                f"{places.CITY_PREFIX}{t}{vs[int(village_pick[i] * len(vs))]}{group[i]}组{number[i] % 90 + 1}号"
            )
        else:
            roads = places.ROADS[t]
            road = roads[int(road_pick[i] * len(roads))]
            out.append(f"{places.CITY_PREFIX}{t}{road}{number[i]}弄{building[i]}号{floor[i]}{room[i]:02d}室")
    return np.array(out)


def _residents(seed: int, scale: float, as_of: date) -> Residents:
    rng = stream(seed, "population", "residents")
    n = scaled(RESIDENTS_AT_SCALE_1, scale, minimum=200)
    male = rng.random(n) < 0.51
    band = rng.choice(len(_AGE_BANDS), size=n, p=_AGE_BANDS / _AGE_BANDS.sum())
    age_days = (band * 5 + rng.random(n) * 5) * 365.25
    birth = np.datetime64(as_of, "D") - age_days.astype(np.int64)
    regions = np.where(
        rng.random(n) < 0.85, ids.PUDONG, rng.choice(np.array(ids.OTHER_SHANGHAI_REGIONS), size=n)
    )
    id_number = ids.make_resident_ids(rng, birth, male, regions)
    town = rng.choice(np.array(places.TOWNS), size=n, p=np.array(places.TOWN_WEIGHTS))
    age = band * 5
    owns_car = (age >= 20) & (age < 80) & (rng.random(n) < 0.42)
    plate = np.full(n, None, dtype=object)
    plate[owns_car] = ids.make_plates(rng, int(owns_car.sum()), nev_share=0.3)
    # Children and the elderly are registered far more often than working-age adults (about 60% overall).
    p_registered = np.where(age < 15, 0.8, np.where(age >= 60, 0.92, 0.5))
    return Residents(
        name=names.person_names(rng, male),
        id_number=id_number,
        mobile=ids.make_mobiles(rng, n),
        sex=np.where(male, "男", "女"),
        birth_date=birth,
        town=town,
        address=_addresses(rng, town),
        plate=plate,
        health_registered=rng.random(n) < p_registered,
    )


def _parks() -> Parks:
    ps = places.PARKS
    return Parks(
        park_id=np.array([p.park_id for p in ps]),
        name=np.array([p.name for p in ps]),
        developer=np.array([p.developer for p in ps]),
        town=np.array([p.town for p in ps]),
        area_hectares=np.array([p.area_hectares for p in ps]),
    )


def _buildings(seed: int, scale: float) -> Buildings:
    rng = stream(seed, "population", "buildings")
    total = scaled(BUILDINGS_AT_SCALE_1, scale, minimum=len(places.PARKS))
    rows: list[tuple[str, str, str, str, str]] = []
    for park in places.PARKS:
        for k in range(1, max(1, round(total * park.weight)) + 1):
            name = (
                f"{park.name}{park.landmark_building}"
                if k == 1 and park.landmark_building
                else f"{park.name}{k}号楼"
            )
            roads = places.ROADS[park.town]
            road = roads[rng.integers(0, len(roads))]
            address = f"{places.CITY_PREFIX}{park.town}{road}{rng.integers(1, 3000)}号"
            rows.append((f"{park.park_id}-B{k:04d}", park.park_id, name, park.town, address))
    n = len(rows)
    office = rng.random(n) < 0.45  # offices are tall, factories and labs are low
    floors = np.where(office, rng.integers(8, 31, n), rng.integers(1, 7, n))
    footprint = rng.uniform(800, 5000, n)
    bim = [f"BIM-310115-{v:010X}" for v in rng.integers(0, 16**10, n)]
    return Buildings(
        building_id=np.array([r[0] for r in rows]),
        bim_id=np.array(bim),
        park_id=np.array([r[1] for r in rows]),
        name=np.array([r[2] for r in rows]),
        town=np.array([r[3] for r in rows]),
        address=np.array([r[4] for r in rows]),
        floors=floors,
        floor_area_m2=np.round(floors * footprint, 1),
        completed_year=rng.integers(2004, 2027, n),
    )


def _meters(seed: int, buildings: Buildings) -> Meters:
    rng = stream(seed, "population", "meters")
    per_building = 1 + np.minimum(rng.poisson(0.8, len(buildings)), 3)
    building_id = np.repeat(buildings.building_id, per_building)
    # About 30 W/m² on average, split across the building's meters.
    load = np.repeat(buildings.floor_area_m2 * 0.03 / per_building, per_building)
    k = np.concatenate([np.arange(1, m + 1) for m in per_building])
    return Meters(
        meter_id=np.array([f"EM-{b}-{i}" for b, i in zip(building_id, k, strict=True)]),
        building_id=building_id,
        base_kw=np.round(load * rng.uniform(0.6, 1.4, len(load)), 2),
    )


def _enterprises(
    seed: int, scale: float, buildings: Buildings, residents: Residents, as_of: date
) -> Enterprises:
    rng = stream(seed, "population", "enterprises")
    n = scaled(ENTERPRISES_AT_SCALE_1, scale, minimum=10)
    park_idx = rng.choice(len(places.PARKS), size=n, p=np.array([p.weight for p in places.PARKS]))
    park_id = np.array([places.PARKS[i].park_id for i in park_idx])
    building_id = np.full(n, None, dtype=object)
    in_building = rng.random(n) < 0.9
    for i in np.flatnonzero(in_building):
        candidates = buildings.building_id[buildings.park_id == park_id[i]]
        building_id[i] = candidates[rng.integers(0, len(candidates))]
    industry_idx = rng.integers(0, len(names.INDUSTRIES), n)
    # Legal representatives are residents aged 25-70, so the same person may also file approvals.
    age = residents.age_on(as_of)
    adults = np.flatnonzero((age >= 25) & (age <= 70))
    rep = rng.choice(adults, size=n)
    company_phone = ids.make_mobiles(rng, n)
    founded_days = (rng.beta(1.2, 3.0, n) * 30 * 365).astype(np.int64)  # skewed towards recent years
    return Enterprises(
        uscc=ids.make_usccs(rng, n),
        name=names.company_names(rng, industry_idx),
        park_id=park_id,
        building_id=building_id,
        industry=np.array([names.INDUSTRIES[i][0] for i in industry_idx]),
        registered_capital_wan=np.round(rng.lognormal(np.log(500), 1.3, n), 2),
        established_on=np.datetime64(as_of, "D") - 1 - founded_days,
        employees=np.maximum(1, rng.lognormal(np.log(30), 1.2, n).astype(np.int64)),
        legal_representative=residents.name[rep],
        contact_mobile=np.where(rng.random(n) < 0.6, residents.mobile[rep], company_phone),
        town=np.array([places.PARKS[i].town for i in park_idx]),
    )


def _parking_lots(seed: int, scale: float) -> ParkingLots:
    rng = stream(seed, "population", "parking_lots")
    n = scaled(LOTS_AT_SCALE_1, scale, minimum=len(places.PARKING_VENUES))
    # Below scale 1 the named venues keep the lot count from shrinking, so their capacity shrinks instead:
    # utilisation (sessions ÷ spaces) then looks the same at every scale.
    capacity_factor = min(1.0, scale * LOTS_AT_SCALE_1 / n)
    rows = []
    for k in range(n):
        if k < len(places.PARKING_VENUES):
            name, town, road = places.PARKING_VENUES[k]
            cap = int(rng.integers(300, 1500))
        else:
            town = places.TOWNS[rng.choice(len(places.TOWNS), p=np.array(places.TOWN_WEIGHTS))]
            road = places.ROADS[town][rng.integers(0, len(places.ROADS[town]))]
            suffix = places.COMPOUND_SUFFIXES[rng.integers(0, len(places.COMPOUND_SUFFIXES))]
            name = f"{road}{suffix}地下停车库" if rng.random() < 0.5 else f"{road}公共停车场{k:03d}"
            cap = int(rng.integers(40, 600))
        address = f"{places.CITY_PREFIX}{town}{road}{rng.integers(1, 2000)}号"
        cap = max(5, round(cap * capacity_factor))
        rows.append(
            (f"PL{310115_0000 + k + 1}", name, town, address, cap, int(rng.integers(0, cap // 5 + 1)))
        )
    return ParkingLots(*(np.array(col) for col in zip(*rows, strict=True)))


def _detectors(seed: int, scale: float) -> Detectors:
    rng = stream(seed, "population", "detectors")
    n = scaled(DETECTORS_AT_SCALE_1, scale, minimum=3)
    roads = np.array(places.ALL_ROADS)
    directions = np.array(["东向西", "西向东", "南向北", "北向南"])
    road = roads[rng.integers(0, len(roads), n)]
    # Trunk roads carry more traffic than local streets.
    trunk = np.isin(road, ["申港大道", "两港大道", "临港大道", "环湖西路", "环湖东路", "东大公路"])
    return Detectors(
        detector_id=np.array([f"TD-{k + 1:05d}" for k in range(n)]),
        road=road,
        direction=directions[rng.integers(0, 4, n)],
        base_count=np.where(trunk, rng.integers(120, 260, n), rng.integers(25, 120, n)),
    )


def _kiosks(seed: int, scale: float) -> Kiosks:
    rng = stream(seed, "population", "kiosks")
    n = scaled(KIOSKS_AT_SCALE_1, scale, minimum=len(places.TOWNS))
    # One kiosk per town first, then the rest where people live.
    towns = list(places.TOWNS) + list(
        rng.choice(np.array(places.TOWNS), size=n - len(places.TOWNS), p=np.array(places.TOWN_WEIGHTS))
    )
    names_ = [
        f"{t}{places.ROADS[t][rng.integers(0, len(places.ROADS[t]))]}健康小屋{k + 1:02d}"
        for k, t in enumerate(towns)
    ]
    return Kiosks(
        kiosk_id=np.array([f"HK{k + 1:04d}" for k in range(n)]), name=np.array(names_), town=np.array(towns)
    )


def _rental_stations() -> tuple[str, ...]:
    """Docking points at crossings of roads in the same town, plus the big landmarks."""
    out = [f"{lm}站点" for lm in places.LANDMARKS if "高速" not in lm]
    for roads in places.ROADS.values():
        for i, a in enumerate(roads):
            for b in roads[i + 1 :]:
                out.append(f"{a}{b}路口")
    return tuple(out)


def build_population(scale: float = 0.05, seed: int = 7, as_of: date = date(2026, 11, 1)) -> Population:
    """The simulated district for ``scale`` (1.0 = 300,000 residents) and ``seed``; ages are taken on ``as_of``."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    residents = _residents(seed, scale, as_of)
    buildings = _buildings(seed, scale)
    return Population(
        scale=scale,
        seed=seed,
        as_of=as_of,
        residents=residents,
        parks=_parks(),
        buildings=buildings,
        meters=_meters(seed, buildings),
        enterprises=_enterprises(seed, scale, buildings, residents, as_of),
        parking_lots=_parking_lots(seed, scale),
        detectors=_detectors(seed, scale),
        kiosks=_kiosks(seed, scale),
        rental_stations=_rental_stations(),
    )
