"""Smaller inline SVG: drop what restates a default and round coordinates to a tenth of a pixel.

vl-convert writes every mark with `opacity="1"`, `aria-hidden="true"`, its font family and
coordinates to several decimals; on a page of nine charts that is most of its weight. A chart
inlined in a page is `role="img"` with its own title and description (`charts.accessible`), so
assistive technology never reads its children, and a tenth of a pixel is below what any screen
shows.
"""

from __future__ import annotations

import re

# No-ops: `opacity` is not inherited (1 is its initial value), an identity transform, and
# attributes for pointers and screen readers in a picture that is one image to both.
_NOOPS = re.compile(r' opacity="1"| aria-hidden="true"| pointer-events="none"| transform="translate\(0,0\)"')
# Geometry attributes whose numbers may be rounded; text content and ids are never touched.
_GEOMETRY = re.compile(r' (d|transform|x|y|x1|x2|y1|y2|cx|cy|r|rx|ry|width|height|points)="([^"]*)"')
_DECIMAL = re.compile(r"(-?\d+)\.(\d+)")
_FONT = re.compile(r' font-family="([^"]*)"')
_ROOT = re.compile(r"<svg\b")


def _round(m: re.Match[str]) -> str:
    whole, frac = m.group(1), m.group(2)
    if len(frac) <= 1:
        return m.group(0)
    text = f"{round(float(f'{whole}.{frac}'), 1):.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def compact(svg: str) -> str:
    """The same picture in fewer bytes."""
    svg = _NOOPS.sub("", svg)
    svg = _GEOMETRY.sub(lambda m: f' {m.group(1)}="{_DECIMAL.sub(_round, m.group(2))}"', svg)
    families = set(_FONT.findall(svg))
    if len(families) == 1 and svg.startswith("<svg"):
        # font-family is inherited: said once on the root, it holds for every text.
        svg = _ROOT.sub(f'<svg font-family="{families.pop()}"', _FONT.sub("", svg), count=1)
    return svg
