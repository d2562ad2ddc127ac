"""Compacting charts' SVG keeps the picture: same elements, same attributes, coordinates within
a twentieth of a pixel; only no-op attributes go, and the font moves to the root."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import vl_convert
from defectkb.charts import pareto, stacked_columns
from defectkb.svg import compact

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DROPPED = {("opacity", "1"), ("aria-hidden", "true"), ("pointer-events", "none"), ("transform", "translate(0,0)")}


def _charts() -> list[str]:
    months = [f"2026-{m:02d}" for m in range(1, 13)]
    rows = [{"x": m, "key": k, "n": (i * 7 + j * 3) % 11 + 1} for i, m in enumerate(months)
            for j, k in enumerate(("critical", "major", "minor"))]
    columns = stacked_columns(rows, title="每月报告 / reported", x_title="month", y_title="defects",
                              color_title="severity",
                              color_domain=[("critical", "致命"), ("major", "严重"), ("minor", "一般")])
    labels = [("logic", 40, 0.4), ("config", 30, 0.7), ("性能", 20, 0.9), ("ui", 10, 1.0)]
    par = pareto([{"label": a, "n": n, "cum": c} for a, n, c in labels], title="Pareto",
                 x_title="type", y_title="defects", cumulative_title="cumulative")
    return [vl_convert.vegalite_to_svg(columns), vl_convert.vegalite_to_svg(par)]


def _flat(svg: str) -> list[tuple[str, dict[str, str], str]]:
    return [(el.tag, dict(el.attrib), (el.text or "").strip()) for el in ET.fromstring(svg).iter()]


@pytest.mark.parametrize("index", [0, 1])
def test_compact_keeps_every_element_and_value(index: int) -> None:
    original = _charts()[index]
    small = compact(original)
    assert len(small) < 0.8 * len(original)
    before, after = _flat(original), _flat(small)
    assert [(tag, text) for tag, _, text in before] == [(tag, text) for tag, _, text in after]
    fonts = {a["font-family"] for _, a, _ in before if "font-family" in a}
    assert len(fonts) == 1 and after[0][1]["font-family"] == fonts.pop()
    for (_, a, _), (_, b, _) in zip(before, after, strict=True):
        for name, value in a.items():
            if (name, value) in _DROPPED or name == "font-family":
                assert name not in b or name == "font-family"
                continue
            assert name in b, name
            if name in {"d", "transform", "x", "y", "x2", "y2", "width", "height"}:
                old, new = _NUMBER.findall(value), _NUMBER.findall(b[name])
                assert len(old) == len(new)
                assert all(abs(float(o) - float(n)) <= 0.05 + 1e-9 for o, n in zip(old, new, strict=True))
            else:
                assert b[name] == value, name


def test_text_and_ids_are_never_rounded() -> None:
    svg = '<svg><text x="1.234" font-family="serif">v1.25 a="2.345"</text><g id="clip1.25"/></svg>'
    small = compact(svg)
    assert ">v1.25 a=\"2.345\"</text>" in small and 'id="clip1.25"' in small and 'x="1.2"' in small
    assert small.startswith('<svg font-family="serif">')
