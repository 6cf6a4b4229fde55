"""The scale benchmark's chart and README section (bench/scale_report.py), on a synthetic report."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench.scale_report import BEGIN, END, SECTION_START, _ticks, chart, rewrite, section, update_readme
from tests.unit.bench_scale.scale_report_data import point, report

SVG = "{http://www.w3.org/2000/svg}"


def _report() -> dict:
    points = [point("first", s, peak=600.0 * s + 500) for s in (0.1, 1.0, 5.0)]
    points += [point("rerun", 1.0, factor=0.05), point("rerun", 5.0, factor=0.5)]
    points.append(point("first", 10.0, ok=False, peak=3900.0))
    return report(points)


README = f"""# Project

Intro text.

## Benchmarks

Another engineer's paragraph, with a table of its own:

| a | b |
|---|---|
| 1 | 2 |

{SECTION_START}; an old hand-written paragraph with old figures).

| stage | seconds |
|---|---|
| dbt | 99 |

| scale | peak |
|---|---|
| 1 | 2 GiB |

What it shows: findings written by hand about that run.

- a finding

## Next section

| keep | me |
|---|---|
"""


def test_section_shows_each_target_with_its_verdict() -> None:
    text = section(_report())
    assert text.startswith(BEGIN) and text.endswith(END)
    text = " ".join(text.split())  # the prose is wrapped as the README's is
    assert "target ≤ 10%" in text and "5% (CPU s): met" in text and "50% (CPU s): not met" in text
    # Fixed part of the synthetic run: 32.5 CPU s against the 15 s target.
    assert "32 s, target < 15 s: **not met**; stages at 15 s or more: dbt 20." in text
    assert "3.81 GiB, target < 4 GiB at scale 10: **met**" in text
    assert "10 (first run incomplete)" in text


def test_section_has_peak_memory_per_stage_at_every_scale() -> None:
    rows = {line.split(" | ")[0]: line for line in section(_report()).splitlines() if line.startswith("| ")}
    header = next(line for line in rows.values() if line.startswith("| stage: peak MiB"))
    assert header.endswith("| 0.1 | 1 | 5 | 10 (incomplete) |")
    assert rows["| dbt"] == "| dbt | 560 | 1100 | 3500 | 3900 |"
    assert rows["| **first run**"] == "| **first run** | 560 | 1100 | 3500 | 3900 |"


def test_rewrite_between_markers_changes_nothing_else() -> None:
    first = rewrite(README, section(_report()))
    before, after = first.split(BEGIN)[0], first.split(END)[1]
    assert README.startswith(before)
    assert README.endswith(after)
    assert "What it shows: findings written by hand" in after  # prose after the section's last table is kept
    assert "| dbt | 99 |" not in first and "old hand-written paragraph" not in first
    # Once markers are there, a rewrite replaces only what lies between them, markers included.
    edited = first.replace("Intro text.", "Intro text, edited by someone else.")
    points = _report()["points"][:3]
    again = rewrite(edited, section(report(points)))
    assert again.split(BEGIN)[0] == edited.split(BEGIN)[0]
    assert again.split(END)[1] == edited.split(END)[1]
    assert again.count(BEGIN) == 1 and again.count(END) == 1
    assert again != edited and rewrite(again, section(report(points))) == again


def test_rewrite_refuses_a_readme_without_the_section() -> None:
    with pytest.raises(ValueError, match="scale"):
        rewrite("# Project\n\n## Benchmarks\n\nNothing here.\n", section(_report()))


def test_update_readme_writes_only_when_something_changed(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README, encoding="utf-8")
    assert update_readme(_report(), path) is True
    written = path.read_text(encoding="utf-8")
    assert BEGIN in written and written.endswith("| keep | me |\n|---|---|\n")
    assert update_readme(_report(), path) is False
    assert path.read_text(encoding="utf-8") == written


def test_chart_is_svg_with_nothing_external(tmp_path: Path) -> None:
    path = tmp_path / "img" / "scale.svg"
    chart(_report(), path)
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)  # well-formed XML
    assert root.tag == f"{SVG}svg"
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert tags <= {"svg", "rect", "text", "line", "polyline", "circle"}  # no script, image, use, style
    assert not [name for element in root.iter() for name in element.attrib if "href" in name]
    # The only address is the SVG namespace itself.
    assert re.findall(r"https?://[^\"' ]+", text) == ["http://www.w3.org/2000/svg"]
    assert "url(" not in text and "@import" not in text
    # One polyline per stage drawn (ingest by domain is not) and the run's total; scale 10 as hollow markers.
    assert len(root.findall(f"{SVG}polyline")) == 6
    assert any(e.get("fill") == "none" for e in root.findall(f"{SVG}circle"))


def test_gridlines_at_one_two_five_per_decade() -> None:
    assert _ticks(-1, 1) == pytest.approx([0.1, 0.2, 0.5, 1, 2, 5, 10])
