"""Real Lingang place names (from the seed action plan) used by every simulated system.

Sharing one list keeps systems coherent: a hotline ticket, a parking lot and a resident's address all name
the same towns and roads.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_PREFIX = "上海市浦东新区"

TOWNS = ("南汇新城镇", "泥城镇", "书院镇", "芦潮港镇", "万祥镇")
# Share of residents per town: the new city around 滴水湖 holds most of them.
TOWN_WEIGHTS = (0.46, 0.2, 0.14, 0.12, 0.08)

# Roads per town; the first ones come from the seed (申港大道, 滴水湖环道), the rest are Lingang roads.
ROADS: dict[str, tuple[str, ...]] = {
    "南汇新城镇": (
        "申港大道",
        "环湖西路",
        "环湖东路",
        "水芸路",
        "古棕路",
        "云鹃路",
        "海港大道",
        "橄榄路",
        "层林路",
        "新元南路",
    ),
    "泥城镇": ("两港大道", "沪城环路", "云汉路", "鸿音路", "人民塘路"),
    "书院镇": ("丽正路", "新舒路", "东大公路", "塘北路"),
    "芦潮港镇": ("芦潮港路", "同汇路", "南芦公路", "临港大道"),
    "万祥镇": ("万祥路", "宏祥北路", "东大公路", "万和路"),
}
ALL_ROADS = tuple(dict.fromkeys(r for roads in ROADS.values() for r in roads))

# Residential compounds (小区) named after the roads they stand on.
COMPOUND_SUFFIXES = ("苑", "家园", "新村", "花园", "公寓", "佳园")

LANDMARKS = (
    "滴水湖",
    "环滴水湖80米景观带",
    "滨海森林公园",
    "观海嘴公园",
    "新九四塘",
    "滴水湖地铁站",
    "S2沪芦高速入口",
    "天文馆",
    "极地海洋世界",
    "极地冰雪世界",
    "申港社区",
)


@dataclass(frozen=True)
class ParkSeed:
    park_id: str
    name: str
    developer: str
    town: str
    area_hectares: float
    landmark_building: str | None  # a well-known building name inside the park
    weight: float  # share of buildings and enterprises


PARKS = (
    ParkSeed("LGP01", "临港科技城", "临港集团", "南汇新城镇", 310.5, "创新晶体", 0.32),
    ParkSeed("LGP02", "金桥临港园区", "临港集团", "南汇新城镇", 268.0, "综合区先行区", 0.22),
    ParkSeed("LGP03", "张江临港园区", "港城集团", "泥城镇", 185.3, None, 0.2),
    ParkSeed("LGP04", "陆家嘴临港园区", "港城集团", "书院镇", 142.8, None, 0.14),
    ParkSeed("LGP05", "碳之谷低碳示范园区", "港城集团", "万祥镇", 96.2, None, 0.12),
)

HOSPITAL = "市六院临港分院"
COMMUNITY_CLINICS = {
    "南汇新城镇": "南汇新城镇社区卫生服务中心",
    "泥城镇": "泥城社区卫生服务中心",
    "书院镇": "书院社区卫生服务中心",
    "芦潮港镇": "芦潮港社区卫生服务中心",
    "万祥镇": "万祥社区卫生服务中心",
}

# Named parking venues (lot name, town, road); the rest of the lots are generic public car parks.
PARKING_VENUES = (
    ("滴水湖地铁站P+R停车场", "南汇新城镇", "环湖西路"),
    ("天文馆停车场", "南汇新城镇", "环湖西路"),
    ("极地海洋世界停车场", "南汇新城镇", "环湖东路"),
    ("极地冰雪世界停车场", "南汇新城镇", "环湖东路"),
    ("滨海森林公园停车场", "芦潮港镇", "南芦公路"),
    ("观海嘴公园停车场", "南汇新城镇", "环湖东路"),
    ("环滴水湖80米景观带停车场", "南汇新城镇", "环湖西路"),
    ("市六院临港分院停车场", "南汇新城镇", "古棕路"),
    ("临港科技城创新晶体停车场", "南汇新城镇", "海港大道"),
)


def town_of_road(road: str) -> str:
    for town, roads in ROADS.items():
        if road in roads:
            return town
    raise KeyError(road)
