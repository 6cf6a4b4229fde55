"""Micro benchmark: Presidio per cell vs column classification + vectorised masking, and free text
with the RE2 prefilter vs Presidio on every cell. One process, same generated data for all paths.

    python bench/masking.py [--rows 12500] [--texts 10000] [--seed 7]

Writes bench/results/masking.json and prints a short table. Data: faker zh_CN names, resident IDs
computed with valid GB 11643 check digits, mobiles, landlines, Lingang addresses, plates, Luhn cards.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from governance.masking.columns import ColumnPolicy, mask_columns
from governance.pii import checksums
from governance.pii.analyzer import build_analyzer
from governance.pii.classify import classify_column, classify_table
from governance.pii.text import build_anonymizer, mask_one, mask_texts

BENCH_KEY = b"benchmark-only-key-not-a-secret!"
ROADS = ["申港大道", "环湖西路", "环湖东路", "新城路", "海港大道", "临港大道", "水芸路", "古棕路"]
TOWNS = ["南汇新城镇", "泥城镇", "书院镇", "芦潮港镇", "万祥镇"]
PROVINCE_REGIONS = ["310115", "310104", "320102", "330106", "110101", "440305", "510104", "420102"]
# Glossary defaults; bank_card is masked (not dropped) so the benchmark measures real work.
POLICY = {
    "person_name": ("mask", None),
    "cn_resident_id": ("pseudonym", None),
    "cn_mobile": ("mask", None),
    "cn_landline": ("mask", None),
    "address": ("generalise", None),
    "cn_plate": ("pseudonym", None),
    "bank_card": ("mask", None),
    "email": ("mask", None),
}


class Gen:
    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)

    def resident_id(self) -> str:
        r = self.rng
        first17 = (
            f"{r.choice(PROVINCE_REGIONS)}{r.randint(1940, 2010)}{r.randint(1, 12):02d}"
            f"{r.randint(1, 28):02d}{r.randint(0, 999):03d}"
        )
        value = first17 + checksums.resident_id_check_char(first17)
        style = r.random()
        if style < 0.05:
            return f"{value[:6]} {value[6:10]} {value[10:14]} {value[14:]}"
        if style < 0.08:
            return value.lower()
        return value

    def mobile(self) -> str:
        r = self.rng
        value = f"1{r.choice('3456789')}{r.randint(0, 999_999_999):09d}"
        return f"+86 {value[:3]}-{value[3:7]}-{value[7:]}" if r.random() < 0.1 else value

    def landline(self) -> str:
        return f"021-{self.rng.choice('5678')}{self.rng.randint(0, 9_999_999):07d}"

    def address(self) -> str:
        r = self.rng
        return f"上海市浦东新区{r.choice(TOWNS)}{r.choice(ROADS)}{r.randint(1, 999)}弄{r.randint(1, 60)}号{r.randint(101, 2204)}室"

    def plate(self) -> str:
        r = self.rng
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        if r.random() < 0.3:
            return f"沪{r.choice('ABDF')}{r.choice('DF')}{r.randint(0, 99999):05d}"
        return f"沪{r.choice(letters)}{r.choice(letters)}{r.randint(0, 9999):04d}"

    def card(self) -> str:
        body = f"622{self.rng.randint(0, 10**15 - 1):015d}"
        for d in "0123456789":
            if checksums.luhn_ok(body + d):
                return body + d
        raise AssertionError

    def email(self) -> str:
        return self.fake.email()

    def name(self) -> str:
        return self.fake.name()


def structured_table(g: Gen, rows: int) -> pa.Table:
    cols = {
        "resident_name": g.name,
        "id_number": g.resident_id,
        "mobile": g.mobile,
        "office_tel": g.landline,
        "home_address": g.address,
        "plate_no": g.plate,
        "bank_card": g.card,
        "email": g.email,
    }
    return pa.table({c: pa.array([f() for _ in range(rows)], pa.string()) for c, f in cols.items()})


BENIGN = [
    "市民反映{road}路灯不亮，已派单处理",
    "{town}{road}附近积水严重，请尽快处理",
    "滴水湖环道骑行道破损，建议修复",
    "{road}公交站台广告牌松动，存在安全隐患",
    "反映{town}菜场噪音扰民，已转城管中队",
    "订单号{order}已退款，金额{amount}元",
    "{date} {time} 巡查发现{road}渣土车遗撒",
    "临港科技城停车场收费标准咨询，已答复",
    "建议在观海嘴公园增设垃圾桶",
    "极地海洋世界周边道路拥堵，建议疏导",
]
PERSONAL = [
    ("患者{name}，身份证{id}，电话{mobile}，复诊", ("name", "id", "mobile")),
    ("来电人{name}反映{road}积水，联系电话{mobile}", ("name", "mobile")),
    ("车主{name}的车辆{plate}违停，已通知", ("name", "plate")),
    ("申请人{name}，住址{address}，身份证号{id}", ("name", "address", "id")),
    ("退款至银行卡{card}，联系邮箱{email}", ("card", "email")),
    ("联系人{name}，座机{landline}", ("name", "landline")),
    ("{name}先生来电咨询公积金，回访号码{mobile}", ("name", "mobile")),
]


def free_texts(g: Gen, n: int, share_personal: float) -> tuple[list[str], list[list[str]]]:
    r = g.rng
    texts, planted = [], []
    for _ in range(n):
        ctx = {
            "road": r.choice(ROADS),
            "town": r.choice(TOWNS),
            "order": f"{r.randint(10**15, 10**16 - 1)}",
            "amount": f"{r.randint(1, 99999):,}.{r.randint(0, 99):02d}",
            "date": f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            "time": f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
        }
        if r.random() < share_personal:
            template, keys = r.choice(PERSONAL)
            values = {
                "name": g.name(),
                "id": g.resident_id(),
                "mobile": g.mobile(),
                "plate": g.plate(),
                "address": g.address(),
                "card": g.card(),
                "email": g.email(),
                "landline": g.landline(),
            }
            texts.append(template.format(**ctx, **values))
            planted.append([values[k] for k in keys])
        else:
            texts.append(r.choice(BENIGN).format(**ctx))
            planted.append([])
    return texts, planted


def recall(outputs: list[str], planted: list[list[str]]) -> float:
    total = sum(len(p) for p in planted)
    removed = sum(v not in out for out, p in zip(outputs, planted, strict=True) for v in p)
    return removed / total if total else 1.0


def timed(fn, repeat: int = 1):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, min(times), statistics.median(times)


def per_cell_presidio(cells: list[str | None]) -> list[str | None]:
    return [None if c is None else mask_one(c)[0] for c in cells]


def classify_and_mask(table: pa.Table) -> tuple[pa.Table, dict[str, str | None]]:
    classes = {name: found.pii_class for name, found in classify_table(table).items()}
    plan = {
        name: ColumnPolicy(name, *POLICY[cls][:1], cls, POLICY[cls][1])
        for name, cls in classes.items()
        if cls in POLICY
    }
    masked = mask_columns(table, plan, BENCH_KEY)
    out = {n: masked[n] if n in plan else table.column(n) for n in table.column_names}
    return pa.table({n: v for n, v in out.items() if v is not None}), classes


def machine() -> dict[str, object]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), cpu)
    except OSError:
        pass
    import presidio_analyzer

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        # Other jobs share the machine; a high load average means the figures are pessimistic.
        "load_average_1m_at_end": os.getloadavg()[0],
        "pyarrow": pa.__version__,
        "presidio_analyzer": getattr(presidio_analyzer, "__version__", "2.2.x"),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=12_500, help="structured rows (8 columns each)")
    ap.add_argument("--texts", type=int, default=10_000)
    ap.add_argument("--personal-share", type=float, default=0.3, help="share of texts with planted data")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results" / "masking.json")
    args = ap.parse_args()

    g = Gen(args.seed)
    table = structured_table(g, args.rows)
    texts, planted = free_texts(g, args.texts, args.personal_share)
    build_analyzer(), build_anonymizer()  # set-up cost is not part of any path
    n_struct = table.num_rows * table.num_columns

    # (a) Presidio analyze + anonymize on every structured cell.
    cells = [v for name in table.column_names for v in table.column(name).to_pylist()]
    a_out, a_s, _ = timed(lambda: per_cell_presidio(cells))
    a_changed = sum(o != c for o, c in zip(a_out, cells, strict=True)) / len(cells)

    # (b) classify from 200 samples per column, then mask whole columns with pyarrow.
    (b_table, classes), b_best, b_median = timed(lambda: classify_and_mask(table), repeat=15)
    _, classify_s, _ = timed(lambda: [classify_column(n, table.column(n)) for n in table.column_names], 5)
    expected = {
        "resident_name": "person_name",
        "id_number": "cn_resident_id",
        "mobile": "cn_mobile",
        "office_tel": "cn_landline",
        "home_address": "address",
        "plate_no": "cn_plate",
        "bank_card": "bank_card",
        "email": "email",
    }
    b_unchanged = sum(
        sum(x == y for x, y in zip(b_table.column(n).to_pylist(), table.column(n).to_pylist(), strict=True))
        for n in b_table.column_names
    )

    # (c) free text: prefilter + Presidio on candidates vs (a) on every text.
    at_out, at_s, _ = timed(lambda: per_cell_presidio(texts))
    c_res, c_best, c_median = timed(lambda: mask_texts(texts), repeat=5)
    c_out = c_res.array.to_pylist()
    c2_res, c2_s, _ = timed(lambda: mask_texts(texts, processes=2))

    result = {
        "machine": machine(),
        "data": {
            "structured_cells": n_struct,
            "structured_columns": table.num_columns,
            "free_text_cells": len(texts),
            "free_text_with_planted_values": sum(bool(p) for p in planted),
            "planted_values": sum(len(p) for p in planted),
            "prefilter_candidates": c_res.candidates,
        },
        "structured": {
            "a_presidio_per_cell": {
                "seconds": a_s,
                "cells_per_s": n_struct / a_s,
                "cells_changed_share": a_changed,
            },
            "b_classify_and_vectorised": {
                "seconds_best": b_best,
                "seconds_median": b_median,
                "cells_per_s_best": n_struct / b_best,
                "cells_per_s_median": n_struct / b_median,
                "classification_seconds_best": classify_s,
                "classes": classes,
                "classes_correct": classes == expected,
                "cells_left_unchanged": b_unchanged,
            },
            "speedup_b_over_a_median": a_s / b_median,
        },
        "free_text": {
            "a_presidio_per_cell": {
                "seconds": at_s,
                "cells_per_s": len(texts) / at_s,
                "recall": recall(at_out, planted),
            },
            "c_prefilter_then_presidio": {
                "seconds_best": c_best,
                "seconds_median": c_median,
                "cells_per_s_median": len(texts) / c_median,
                "recall": recall(c_out, planted),
                "outputs_identical_to_a": c_out == at_out,
            },
            "c_with_2_processes": {
                "seconds": c2_s,
                "cells_per_s": len(texts) / c2_s,
                "outputs_identical_to_1_process": c2_res.array.to_pylist() == c_out,
            },
            "speedup_c_over_a_median": at_s / c_median,
        },
        "targets": {"structured_cells_per_s": 1_000_000, "structured_speedup": 200, "free_text_speedup": 4},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    s, f = result["structured"], result["free_text"]
    print(f"{'path':48} {'cells/s':>12} {'x vs (a)':>9} {'recall':>7}")
    print(
        f"{'(a) structured: Presidio per cell':48} {s['a_presidio_per_cell']['cells_per_s']:>12,.0f} {1:>9.1f}"
    )
    print(
        f"{'(b) structured: classify + vectorised (median)':48} "
        f"{s['b_classify_and_vectorised']['cells_per_s_median']:>12,.0f} {s['speedup_b_over_a_median']:>9.1f}"
    )
    print(
        f"{'(a) free text: Presidio per cell':48} {f['a_presidio_per_cell']['cells_per_s']:>12,.0f} {1:>9.1f} "
        f"{f['a_presidio_per_cell']['recall']:>7.3f}"
    )
    print(
        f"{'(c) free text: prefilter + Presidio (median)':48} "
        f"{f['c_prefilter_then_presidio']['cells_per_s_median']:>12,.0f} {f['speedup_c_over_a_median']:>9.1f} "
        f"{f['c_prefilter_then_presidio']['recall']:>7.3f}"
    )
    print(f"{'(c) free text, 2 processes':48} {f['c_with_2_processes']['cells_per_s']:>12,.0f}")
    print(
        f"classes correct: {s['b_classify_and_vectorised']['classes_correct']}; "
        f"candidates {c_res.candidates}/{len(texts)}; wrote {args.out.name}"
    )


if __name__ == "__main__":
    main()
