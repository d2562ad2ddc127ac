"""Chart specs: memoised by their whole input across builds, never stale, and valid Vega-Lite."""

from __future__ import annotations

import copy

import altair as alt
import jsonschema
import pytest
from defectkb import charts

MONTHS = ["2026-01", "2026-02", "2026-03"]


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
        "pareto": (charts.pareto, dict(rows=[{"label": "a", "n": 3, "cum": 0.6}, {"label": "b", "n": 2, "cum": 1.0}],
                                       title="Types", x_title="Type", y_title="n", cumulative_title="cum")),
        "heatmap": (charts.heatmap, dict(rows=[{"x": "test", "y": "design", "n": 4}], title="Phases", x_title="Found",
                                         y_title="Injected", x_order=["test"], y_order=["design"], n_title="n")),
        "grouped_bars": (charts.grouped_bars, dict(
            rows=[{"x": "fatal", "series": "median", "y": 2.5}, {"x": "fatal", "series": "p90", "y": 9.0}],
            title="TTR", x_title="", y_title="days", series_title="", series=["median", "p90"], x_order=["fatal"])),
        "share_bars": (charts.share_bars, dict(
            rows=[{"group": "Severity", "key": "fatal", "n": 2}, {"group": "Status", "key": "closed", "n": 2}],
            title="Mix", y_title="", x_title="Defects", color_domain=[("fatal", "Fatal"), ("closed", "Closed")],
            colors={**charts.SEVERITY_COLORS, **charts.STATUS_COLORS})),
    }


def _fresh(build: object, kwargs: dict[str, object]) -> dict[str, object]:
    """The spec as Altair builds it with its schema validation on (no memo)."""
    with alt.utils.schemapi.debug_mode(True):
        return build.__wrapped__(**copy.deepcopy(kwargs))  # type: ignore[attr-defined]


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
