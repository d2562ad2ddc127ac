"""Chart specs: memoised by their whole input across builds, never stale, valid Vega-Lite, and
what Altair makes of the same chart (the builders write the JSON themselves, without importing it)."""

from __future__ import annotations

import copy
from typing import Any

import altair as alt
import jsonschema
import pytest
from defectkb import charts

MONTHS = ["2026-01", "2026-02", "2026-03"]
YEAR = [f"2026-{m:02d}" for m in range(1, 13)]  # enough categories for slanted labels


def _calls() -> dict[str, tuple[object, dict[str, object]]]:
    sev = [("fatal", "Fatal"), ("serious", "Serious"), ("normal", "Normal"), ("minor", "Minor")]
    return {
        "stacked_columns": (charts.stacked_columns, dict(
            rows=[{"x": m, "key": "fatal", "n": i + 1, "offset": "rep"} for i, m in enumerate(MONTHS)],
            title="Flow", x_title="Month", y_title="Defects", color_title="Severity", color_domain=sev,
            colors=charts.SEVERITY_COLORS, offset_title="", offset_domain=["rep", "res"])),
        "lines": (charts.lines, dict(rows=[{"x": m, "series": "open", "y": i} for i, m in enumerate(MONTHS)],
                                     title="Backlog", x_title="Month", y_title="Open", series_title="",
                                     series=["open"])),
        # the other branches: two lines (with a legend), columns with no offset and no colours given
        "lines_two": (charts.lines, dict(rows=[{"x": m, "series": s, "y": i / 10} for i, m in enumerate(MONTHS)
                                               for s in ("a", "b")], title="Rates", x_title="Month",
                                         y_title="%", series_title="Rate", series=["a", "b"], percent=True)),
        "stacked_plain": (charts.stacked_columns, dict(
            rows=[{"x": m, "key": k, "n": i + 1} for i, m in enumerate(MONTHS) for k in ("fatal", "other")],
            title="Flow", x_title="Month", y_title="Defects", color_title=None, color_domain=sev)),
        "pareto": (charts.pareto, dict(rows=[{"label": "a", "n": 3, "cum": 0.6}, {"label": "b", "n": 2, "cum": 1.0}],
                                       title="Types", x_title="Type", y_title="n", cumulative_title="cum")),
        "heatmap": (charts.heatmap, dict(rows=[{"x": "test", "y": "design", "n": 4}], title="Phases", x_title="Found",
                                         y_title="Injected", x_order=["test"], y_order=["design"], n_title="n")),
        "grouped_bars": (charts.grouped_bars, dict(
            rows=[{"x": "fatal", "series": "median", "y": 2.5}, {"x": "fatal", "series": "p90", "y": 9.0}],
            title="TTR", x_title="", y_title="days", series_title="", series=["median", "p90"], x_order=["fatal"])),
        "grouped_months": (charts.grouped_bars, dict(
            rows=[{"x": m, "series": s, "y": i % 3} for i, m in enumerate(YEAR) for s in ("reported", "lessons")],
            title="Activity", x_title="Month", y_title="n", series_title="", series=["reported", "lessons"],
            x_order=YEAR, counts=True)),
        "share_bars": (charts.share_bars, dict(
            rows=[{"group": "Severity", "key": "fatal", "n": 2}, {"group": "Status", "key": "closed", "n": 2}],
            title="Mix", y_title="", x_title="Defects", color_domain=[("fatal", "Fatal"), ("closed", "Closed")],
            colors={**charts.SEVERITY_COLORS, **charts.STATUS_COLORS})),
    }


def _fresh(build: object, kwargs: dict[str, object]) -> dict[str, object]:
    """The spec as Altair builds the same chart, with its schema validation on (no memo)."""
    with alt.utils.schemapi.debug_mode(True):
        return ALTAIR[build.__name__](**copy.deepcopy(kwargs))  # type: ignore[attr-defined]


# -- the same charts made with Altair: the reference the hand-written specs must equal ---------

def _base(rows: list[dict[str, Any]], title: str) -> alt.Chart:
    return alt.Chart(alt.Data(values=rows)).properties(title=title, width=charts.WIDTH, height=charts.HEIGHT)


def _scale(domain: list[str], colors: dict[str, str] | None = None) -> alt.Scale:
    rng = [(colors or {}).get(k, charts.SERIES_COLORS[i % len(charts.SERIES_COLORS)]) for i, k in enumerate(domain)]
    return alt.Scale(domain=list(domain), range=rng)


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.to_dict(validate=False)
    spec["config"] = charts._CONFIG
    spec.pop("$schema", None)
    return spec


def stacked_columns(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
                    color_title: str, color_domain: list[tuple[str, str]],
                    colors: dict[str, str] | None = None, offset_title: str | None = None,
                    offset_domain: list[str] | None = None) -> dict[str, Any]:
    """Columns per x (a month), stacked by a colour (`key`), optionally side by side by `offset`.

    rows: {"x", "key", "n"[, "offset"]}; color_domain: (key, label) in stacking order.
    """
    labels = {k: v for k, v in color_domain}
    data = [{**r, "label": labels.get(r["key"], r["key"])} for r in rows]
    keys = [k for k, _ in color_domain]
    enc: dict[str, Any] = {
        "x": alt.X("x:O", title=x_title, axis=alt.Axis(labelAngle=-45, labelOverlap=True)),
        "y": alt.Y("sum(n):Q", title=y_title, axis=alt.Axis(tickMinStep=1)),
        "color": alt.Color("label:N", title=color_title,
                           scale=_scale([labels[k] for k in keys], {labels[k]: (colors or {}).get(k, "")
                                                                    for k in keys if (colors or {}).get(k)})),
        "order": alt.Order("rank:Q"),
    }
    rank = {k: i for i, k in enumerate(keys)}
    for d in data:
        d["rank"] = rank.get(d["key"], 99)
    chart = _base(data, title).mark_bar()
    if offset_domain:
        enc["xOffset"] = alt.XOffset("offset:N", title=offset_title, sort=list(offset_domain))
        fade = alt.Scale(domain=list(offset_domain), range=[1.0, 0.55][:len(offset_domain)])
        enc["opacity"] = alt.Opacity("offset:N", title=offset_title, sort=list(offset_domain), scale=fade,
                                     legend=alt.Legend(symbolFillColor="currentColor"))
    return _spec(chart.encode(**enc))


def lines(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str, series_title: str,
          series: list[str], percent: bool = False) -> dict[str, Any]:
    """One line per series over x. rows: {"x", "series", "y"}."""
    fmt = ".0%" if percent else "~s"
    chart = _base(rows, title).mark_line(point=True).encode(
        x=alt.X("x:O", title=x_title, axis=alt.Axis(labelAngle=-45, labelOverlap=True)),
        y=alt.Y("y:Q", title=y_title, axis=alt.Axis(format=fmt)),
        color=alt.Color("series:N", title=series_title, scale=_scale(series),
                        legend=alt.Legend() if len(series) > 1 else None),
    )
    return _spec(chart)


def pareto(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
           cumulative_title: str) -> dict[str, Any]:
    """Bars in descending order with the cumulative share as a line on a second axis.

    rows: {"label", "n", "cum"} already sorted.
    """
    order = [r["label"] for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("label:N", title=x_title, sort=order, axis=alt.Axis(labelAngle=-40, labelLimit=120)))
    bars = base.mark_bar(color=charts.SERIES_COLORS[0]).encode(
        y=alt.Y("n:Q", title=y_title, axis=alt.Axis(tickMinStep=1)))
    line = base.mark_line(color=charts.SERIES_COLORS[1], point=alt.OverlayMarkDef(color=charts.SERIES_COLORS[1])).encode(
        y=alt.Y("cum:Q", title=cumulative_title, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")))
    chart = alt.layer(bars, line).resolve_scale(y="independent").properties(title=title, width=charts.WIDTH,
                                                                           height=charts.HEIGHT)
    return _spec(chart)


def heatmap(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
            x_order: list[str], y_order: list[str], n_title: str) -> dict[str, Any]:
    """A count matrix with the numbers written in the cells. rows: {"x", "y", "n"}."""
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("x:N", title=x_title, sort=list(x_order), axis=alt.Axis(labelAngle=-30, labelLimit=110)),
        y=alt.Y("y:N", title=y_title, sort=list(y_order)))
    cells = base.mark_rect().encode(color=alt.Color("n:Q", title=n_title, scale=alt.Scale(scheme="oranges"),
                                                    legend=None))
    text = base.mark_text(fontSize=12, fontWeight="bold", color="#111").encode(text="n:Q")
    chart = alt.layer(cells, text).properties(title=title, width=charts.WIDTH * 0.75,
                                              height=22 * max(1, len(y_order)))
    return _spec(chart)


def grouped_bars(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
                 series_title: str, series: list[str], x_order: list[str], counts: bool = False) -> dict[str, Any]:
    """Bars per category, side by side per series. rows: {"x", "series", "y"}."""
    x_axis = alt.Axis(labelAngle=0, labelLimit=110) if len(x_order) <= 6 else \
        alt.Axis(labelAngle=-45, labelOverlap=True, labelLimit=110)
    chart = _base(rows, title).mark_bar().encode(
        x=alt.X("x:N", title=x_title, sort=list(x_order), axis=x_axis),
        xOffset=alt.XOffset("series:N", sort=list(series)),
        y=alt.Y("y:Q", title=y_title, axis=alt.Axis(tickMinStep=1, tickCount=min(5, max(1, max(r["y"] for r in rows)))))
        if counts else alt.Y("y:Q", title=y_title),
        color=alt.Color("series:N", title=series_title, scale=_scale(series)),
    )
    return _spec(chart)


def share_bars(rows: list[dict[str, Any]], *, title: str, y_title: str, x_title: str,
               color_domain: list[tuple[str, str]], colors: dict[str, str]) -> dict[str, Any]:
    """Horizontal bars of counts, one row per group, stacked by key. rows: {"group", "key", "n"}."""
    labels = dict(color_domain)
    rank = {k: i for i, (k, _) in enumerate(color_domain)}
    data = [{**r, "label": labels.get(r["key"], r["key"]), "rank": rank.get(r["key"], 99)} for r in rows if r["n"]]
    groups = list(dict.fromkeys(r["group"] for r in rows))
    used = [k for k, _ in color_domain if any(d["key"] == k for d in data)]
    chart = alt.Chart(alt.Data(values=data)).mark_bar().encode(
        y=alt.Y("group:N", title=y_title, sort=groups),
        x=alt.X("sum(n):Q", title=x_title, axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("label:N", title=None, scale=alt.Scale(domain=[labels[k] for k in used],
                                                               range=[colors.get(k, "#888") for k in used])),
        order=alt.Order("rank:Q"),
    ).properties(title=title, width=charts.WIDTH, height=26 * len(groups))
    return _spec(chart)


ALTAIR = {f.__name__: f for f in (stacked_columns, lines, pareto, heatmap, grouped_bars, share_bars)}


@pytest.mark.parametrize("name", list(_calls()))
def test_memoised_spec_equals_a_validated_build_and_is_valid_vega_lite(name: str):
    build, kwargs = _calls()[name]
    spec = build(**kwargs)  # type: ignore[operator]
    assert spec == _fresh(build, kwargs)
    schema = alt.vegalite.v6.schema.core.load_schema()
    # the theme config (transparent background: null) is added after Altair, as vl-convert reads it
    jsonschema.validate({k: v for k, v in spec.items() if k != "config"}, schema)


@pytest.mark.parametrize("name", list(_calls()))
def test_same_input_is_served_from_the_memo(name: str):
    build, kwargs = _calls()[name]
    first = build(**copy.deepcopy(kwargs))  # type: ignore[operator]
    before = dict(charts.spec_stats)
    again = build(**copy.deepcopy(kwargs))  # type: ignore[operator]
    assert again is first
    assert charts.spec_stats["memoised"] == before["memoised"] + 1
    assert charts.spec_stats["built"] == before["built"]


@pytest.mark.parametrize("name", list(_calls()))
def test_a_changed_row_or_option_is_never_served_a_stale_spec(name: str):
    build, kwargs = _calls()[name]
    old = build(**copy.deepcopy(kwargs))  # type: ignore[operator]
    changed = copy.deepcopy(kwargs)
    row = changed["rows"][-1]  # type: ignore[index]
    numeric = next(k for k in ("n", "y") if k in row)
    row[numeric] = row[numeric] + 7
    new = build(**changed)  # type: ignore[operator]
    assert new != old
    assert new == _fresh(build, changed)
    retitled = {**copy.deepcopy(kwargs), "title": "Another title"}
    assert build(**retitled)["title"] == "Another title"  # type: ignore[operator,index]


def _specs() -> list[dict[str, Any]]:
    return [build(**copy.deepcopy(kwargs)) for build, kwargs in _calls().values()]  # type: ignore[operator]


def test_charts_render_in_the_worker_as_they_would_here():
    charts._CACHE.clear()
    renderer = charts.Renderer()
    markers = [renderer.marker(spec, f"fig-{i}", f"Chart {i}", "What it shows") for i, spec in enumerate(_specs())]
    renderer.start()
    assert renderer.worker is not None and len(renderer.futures) == len(markers)
    html = renderer.fill("".join(markers))
    renderer.close()
    assert renderer.worker is None and not renderer.futures
    charts._CACHE.clear()
    here = "".join(charts.accessible(charts.render_svg(spec), f"fig-{i}", f"Chart {i}", "What it shows")
                   for i, spec in enumerate(_specs()))
    assert html == here
    assert html.count("<svg") == len(markers) and "kb-chart:" not in html


def _chinese_chart() -> dict[str, Any]:
    from defectkb.enums import DefectStatus, Severity

    rows = [{"group": "严重程度", "key": s.value, "n": 3 + i} for i, s in enumerate(Severity)]
    rows += [{"group": "状态", "key": s.value, "n": 2 + i} for i, s in enumerate(DefectStatus)]
    return charts.share_bars(rows, title="严重程度与状态分布", y_title="", x_title="缺陷",
                             color_domain=[(s.value, f"{s.zh} {s.value}") for s in (*Severity, *DefectStatus)],
                             colors={**charts.SEVERITY_COLORS, **charts.STATUS_COLORS})


def test_every_chinese_label_is_in_the_chart_font():
    from defectkb.chartfont import covered, label_characters

    missing = sorted(set(label_characters()) - set(covered()))
    assert not missing, f"the chart font lacks {''.join(missing)!r}: python -m defectkb.chartfont <Noto Sans CJK>"


def test_chinese_labels_are_measured_with_the_chart_font_here_and_in_the_worker():
    import json
    import subprocess
    import sys

    spec = _chinese_chart()
    assert spec["config"]["font"].startswith("DefectKB Sans CJK")
    charts._CACHE.clear()
    here = charts.render_svg(spec)
    renderer = charts.Renderer()
    marker = renderer.marker(spec, "fig-mix", "mix", "mix")
    renderer.start()
    in_worker = renderer.fill(marker)
    renderer.close()
    assert in_worker == charts.accessible(here, "fig-mix", "mix", "mix")
    # Without it, the labels are measured with the system's fonts (ideographs are as wide in any
    # CJK font; Latin letters are not): another picture, so the worker did use the font.
    bare = subprocess.run([sys.executable, "-c", "import json, sys, vl_convert; "
                           "print(vl_convert.vegalite_to_svg(json.loads(sys.stdin.read())), end='')"],
                          input=json.dumps(spec), capture_output=True, text=True, check=True).stdout
    assert bare.startswith("<svg") and bare != here


def test_a_worker_that_dies_leaves_the_charts_to_this_process():
    charts._CACHE.clear()
    renderer = charts.Renderer()
    markers = [renderer.marker(spec, f"fig-{i}", "t", "d") for i, spec in enumerate(_specs())]
    renderer.start()
    assert renderer.worker is not None
    renderer.worker.proc.kill()
    html = renderer.fill("".join(markers))
    renderer.close()
    assert html.count("<svg") == len(markers) and "kb-chart:" not in html


def test_the_preview_keeps_one_worker_between_rebuilds():
    pids = []
    for round_ in range(2):
        charts._CACHE.clear()  # every rebuild has charts to draw
        renderer = charts.Renderer(keep_worker=True)
        spec = {**_specs()[0], "title": f"Rebuild {round_}"}
        marker = renderer.marker(spec, "fig", "t", "d")
        renderer.start()
        assert renderer.worker is not None
        pids.append(renderer.worker.proc.pid)
        assert "<svg" in renderer.fill(marker)
        renderer.close()
    assert pids[0] == pids[1] and charts._kept is not None and charts._kept.alive()
    charts._kept.stop()


def test_the_preview_sends_a_chart_as_soon_as_its_marker_is_made():
    charts._CACHE.clear()
    renderer = charts.Renderer(keep_worker=True)
    marker = renderer.marker({**_specs()[1], "title": "Sent at once"}, "fig", "t", "d")
    assert len(renderer.futures) == 1  # before start(): drawing while the other pages are generated
    renderer.start()
    assert len(renderer.futures) == 1  # not sent twice
    assert "<svg" in renderer.fill(marker)
    renderer.close()


def test_a_chart_asked_for_after_the_worker_died_renders_here():
    charts._CACHE.clear()
    worker = charts._Worker()
    worker.proc.kill()
    worker.reader.join(timeout=30)
    assert not worker.reader.is_alive()
    with pytest.raises(RuntimeError):  # answered at once, never left waiting for a dead process
        worker.submit("late", _specs()[0]).result(timeout=10)
    renderer = charts.Renderer()
    renderer.worker = worker
    marker = renderer.marker(_specs()[2], "fig", "t", "d")
    renderer.start()
    assert "<svg" in renderer.fill(marker)
    renderer.close()
