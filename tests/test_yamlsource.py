"""The YAML reader's fast path (values built straight from libyaml's nodes) against its careful path
(positions, budgets, duplicate keys) and against PyYAML's own safe loader: same values for any
document, and anything unusual left to the careful path's diagnostics."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from defectkb.yamlsource import YamlError, _Budget, _fast_load, _parse_located, parse
from hypothesis import given, settings
from hypothesis import strategies as st

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["yes", "no", "on", "off", "null", "~", "0x1F", "1e3", "2026-12-01", "12:30", "-", ".", "0o17"]),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
)
keys = st.one_of(st.text(min_size=1, max_size=12), st.integers(0, 99), st.booleans())
documents = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=25)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.text(min_size=1, max_size=12), documents, max_size=8),
       flow=st.sampled_from([False, True, None]))
def test_fast_path_builds_what_the_careful_path_and_pyyaml_build(data: dict, flow: bool | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    expected = yaml.load(text, Loader=yaml.CSafeLoader)
    assert parse(text).data == expected
    assert _fast_load(text, _Budget(20_000, 32)) == expected  # even where parse takes the careful path
    assert _parse_located(text, 0, 20_000, 32).data == expected


@pytest.mark.parametrize(("text", "code"), [
    ("a: 1\nb: 2\na: 3\n", "KB007"),  # a duplicate key
    ("? [a, b]\n: 1\n", "KB005"),  # a complex key
    ("a: !!set {x}\n", "KB005"),  # a tag the front matter has no use for
    ("a: !!python/name:os.system ''\n", "KB005"),
])
def test_what_the_fast_path_leaves_is_reported_by_the_careful_path(text: str, code: str) -> None:
    try:
        located = parse(text)
    except YamlError as exc:
        assert exc.problem.code == code
    else:
        assert [p.code for p in located.problems] == [code]


def test_budgets_hold_on_the_fast_path() -> None:
    deep = "a: " + "[" * 40 + "]" * 40 + "\n"
    with pytest.raises(YamlError) as exc:
        parse(deep, max_depth=32)
    assert exc.value.problem.code == "KB009"
    wide = "a: [" + ", ".join(["1"] * 200) + "]\n"
    with pytest.raises(YamlError) as exc:
        parse(wide, max_nodes=100)
    assert exc.value.problem.code == "KB009"
    assert parse(wide, max_nodes=1000).data == {"a": [1] * 200}
