"""The one YAML scalar writer: whatever it writes, YAML reads back as the same value."""

from __future__ import annotations

from datetime import date, datetime

import yaml
from defectkb.yamltext import scalar
from hypothesis import given, settings
from hypothesis import strategies as st


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_reads_back_as_itself(text: str) -> None:
    assert yaml.safe_load(f"v: {scalar(text)}") == {"v": text}


def test_plain_where_it_is_safe_quoted_where_yaml_would_read_something_else() -> None:
    assert scalar("iOS 换机后 APNs token 变化") == "iOS 换机后 APNs token 变化"
    for tricky in ("yes", "No", "null", "2.3", "1e3", "- x", "a: b", "#x", "", " x", "0x1F", "2026-01-02"):
        assert scalar(tricky).startswith('"'), tricky
    assert scalar(["a", "b c", "on"]) == '[a, b c, "on"]'


def test_numbers_dates_and_times() -> None:
    assert scalar(3) == "3" and scalar(True) == "true" and scalar(None) == "null"
    assert scalar(date(2026, 12, 1)) == "2026-12-01"
    assert scalar(datetime(2026, 12, 1, 9, 30)) == "2026-12-01T09:30:00"
    assert yaml.safe_load(scalar(datetime(2026, 12, 1, 9, 30, 5))) == datetime(2026, 12, 1, 9, 30, 5)
