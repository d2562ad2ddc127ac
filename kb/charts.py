"""Small inline SVG charts: no JavaScript, no CDN, readable in light and dark schemes.

Colours come from CSS classes (kb/assets/kb.css), so the site's palette applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def bar_chart(
    columns: Sequence[tuple[str, Mapping[str, int]]],
    series: Sequence[tuple[str, str]],
    *,
    title: str,
    height: int = 160,
) -> str:
    """Grouped bars: one group per column (e.g. a month), one bar per series key.

    `series` is (key, label); bars get the class `kb-bar-<key>`.
    """
    if not columns:
        return ""
    peak = max([1, *(values.get(key, 0) for _, values in columns for key, _ in series)])
    group_w = max(14, 10 * len(series) + 6)
    bar_w = (group_w - 6) / len(series)
    left, bottom, top = 28, 22, 8
    width = left + group_w * len(columns) + 4
    plot_h = height - bottom - top
    parts = [
        f'<svg class="kb-chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{_e(title)}" preserveAspectRatio="xMinYMin meet">',
        f"<title>{_e(title)}</title>",
    ]
    for tick in sorted({0, peak // 2, peak}):
        y = top + plot_h - plot_h * tick / peak
        parts.append(f'<line class="kb-grid" x1="{left}" x2="{width}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="kb-axis" x="{left - 4}" y="{y + 3:.1f}" text-anchor="end">{tick}</text>')
    every = max(1, len(columns) // 12)  # label at most ~12 columns
    for i, (label, values) in enumerate(columns):
        x0 = left + i * group_w + 3
        for j, (key, name) in enumerate(series):
            value = values.get(key, 0)
            h = plot_h * value / peak
            x = x0 + j * bar_w
            y = top + plot_h - h
            parts.append(
                f'<rect class="kb-bar kb-bar-{_e(key)}" x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}"><title>{_e(label)} · {_e(name)}: {value}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text class="kb-axis" x="{x0 + (group_w - 6) / 2:.1f}" y="{height - 6}" '
                f'text-anchor="middle">{_e(label)}</text>'
            )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="kb-legend-item"><span class="kb-swatch kb-bar-{_e(key)}"></span>{_e(name)}</span>'
        for key, name in series
    )
    return f'<figure class="kb-figure">{"".join(parts)}<figcaption class="kb-legend">{legend}</figcaption></figure>'


def share_bar(parts: Sequence[tuple[str, str, int]], *, title: str) -> str:
    """One horizontal stacked bar of shares: (key, label, count)."""
    total = sum(count for _, _, count in parts)
    if not total:
        return ""
    spans = []
    for key, label, count in parts:
        if count:
            pct = 100 * count / total
            spans.append(
                f'<span class="kb-share kb-bar-{_e(key)}" style="width:{pct:.2f}%" '
                f'title="{_e(label)}: {count}"></span>'
            )
    legend = "".join(
        f'<span class="kb-legend-item"><span class="kb-swatch kb-bar-{_e(key)}"></span>{_e(label)} {count}</span>'
        for key, label, count in parts if count
    )
    return (f'<div class="kb-sharebar" role="img" aria-label="{_e(title)}">{"".join(spans)}</div>'
            f'<div class="kb-legend">{legend}</div>')
