"""The line-by-line reader of usual front matter against PyYAML's safe loader: whatever it accepts
it reads exactly as PyYAML does (values and their types), and whatever PyYAML rejects or reads
differently it leaves to libyaml. Checked on generated documents of the usual shape, on the same
documents with random characters put in, on the YAML test suite, and on the sample knowledge base,
which it must read itself (else it would never be used)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from defectkb import yamlsimple
from defectkb.yamlsource import parse
from hypothesis import given, settings
from hypothesis import strategies as st

SUITE = ROOT.parent / "shared" / "testdata" / "yaml-test-suite" / "cases.json"


def agrees(text: str) -> bool:
    """True if the reader took `text` (and read it as PyYAML does); False if it left it to libyaml."""
    try:
        expected = repr(yaml.load(text, Loader=yaml.CSafeLoader))  # repr tells True from 1, date from str
    except (yaml.YAMLError, ValueError, OverflowError):  # a bad date or offset is a ValueError
        expected = None
    try:
        got = yamlsimple.load(text, 20_000, 32)
    except (yamlsimple.Unusual, ValueError, OverflowError):  # parse() falls back on all three
        return False
    assert expected is not None, f"accepted what PyYAML rejects: {text!r}"
    assert repr(got) == expected, f"read differently from PyYAML: {text!r}"
    return True


# Values chosen where YAML's rules bite: implicit types, indicators, quotes, comments, colons.
PLAIN = ["defect", "DEF-0001", "open-api", "yes", "No", "on", "OFF", "null", "~", "true", "False",
         "12", "-3", "+4", "0x1F", "0o17", "1_000", "12:30", "1e3", "1.5", ".inf", ".NaN", "2026-12-01",
         "2026-12-01T08:00:00+08:00", "2026-12-01 08:00:00", "2026-02-30", "2026-12-01T25:00:00+08:00",
         "4.5.0", "p1", "a b  c", "C#", "a #b", "a: b", "a:", "http://x.example/a?b=c", "=", "<<",
         "-", "- a", "?x", ":x", "[x", "x]", "{x", "'x", '"x', "`x`", "@x", "%x", "!x", "&x", "*x", "|", ">",
         "#x", "it's", 'say "hi"', "中文标题", "Ünïcödé", "a\u00a0b", "٢٠٢٦-١٢-٠١", "x\\y"]
QUOTED = ['"plain"', '"with: colon"', '"with # hash"', "'single'", "'it''s'", '"esc\\n"', '"a\\"b"',
          "''", '""', "'a' b", '"a" #c', "'unclosed", '"中文"']
FLOW = ["[]", "[ ]", "[a, b]", '[a, "b, c"]', "[a, 'b']", "[1, 2.5, yes]", "[a,]", "[a,,b]", "[a, [b]]",
        "[a: b]", "[http://x]", "[a #b]", "[a] x", "[a", "{}", "{a: 1, b: x}", '{id: A1, d: "x, y"}',
        "{a: 1, a: 2}", "{a:1}", "{a: }", "{a: [b]}", "{yes: 1}", "[2026-12-01, DEF-1]"]
KEYS = ["kind", "id", "title", "links", "tags", "a-b", "a_b", "yes", "null", "on", "x1", "_x", "k"]

values = st.sampled_from(PLAIN + QUOTED + FLOW)


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines: list[str] = []
    for key in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=6)):
        shape = draw(st.sampled_from(["value", "value", "empty", "map", "seq", "seq0", "comment", "blank"]))
        if shape == "value":
            lines.append(f"{key}: {draw(values)}")
        elif shape == "empty":
            lines.append(f"{key}:")
        elif shape == "map":
            indent = " " * draw(st.integers(1, 4))
            lines.append(f"{key}:")
            for inner in draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3)):
                lines.append(f"{indent}{inner}: {draw(values)}" if draw(st.booleans()) else f"{indent}{inner}:")
        elif shape in ("seq", "seq0"):
            indent = "" if shape == "seq0" else " " * draw(st.integers(1, 4))
            lines.append(f"{key}:")
            lines += [f"{indent}- {draw(values)}" for _ in range(draw(st.integers(1, 3)))]
        elif shape == "comment":
            lines.append(f"{' ' * draw(st.integers(0, 2))}# a comment")
        else:
            lines.append(" " * draw(st.integers(0, 2)))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=700, deadline=None)
@given(documents())
def test_reads_generated_documents_as_pyyaml_does(text: str) -> None:
    agrees(text)


NOISE = [*" \t\r\n:#-[]{},'\"!&*|>%@`?~\\\x85\u2028\ufeff\x00\u00a0", "  ", "- ", ": ", " #"]


@settings(max_examples=700, deadline=None)
@given(documents(), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(NOISE)), min_size=1, max_size=3))
def test_reads_damaged_documents_as_pyyaml_does_or_leaves_them(text: str, damage: list[tuple[int, str]]) -> None:
    for at, noise in damage:
        at %= len(text) + 1
        text = text[:at] + noise + text[at:]
    agrees(text)


def test_the_usual_shape_is_read_here_and_odd_ones_are_not() -> None:
    usual = ("kind: defect\nid: DEF-0001\ntitle: \"A title: with a colon\"\nonline: false\n"
             "occurred_at: 2023-11-21T12:26:00+08:00\nclosed_at: null\nlinks:\n  tracker: https://t.example/1\n"
             "  commits: [\"11cbc28\", 2adf559]\ntags: [timezone]\naction_items:\n"
             "  - {id: A1, description: \"导出接口增加金额契约测试\", owner: chen.jie, due: 2025-07-01}\n")
    assert agrees(usual)
    for odd in ["a: |\n  text\n", "a: b # c\n", "a: \"x\\ty\"\n", "a: &x 1\nb: *x\n", "a: !!str 1\n",
                "a: 1\na: 2\n", "a:\tb\n", "a: b\r\n", "a: long\n  continued\n", "- a\n", "  a: 1\n", ""]:
        assert not agrees(odd), odd


def test_budgets_send_big_or_deep_documents_to_libyaml() -> None:
    wide = "a: [" + ", ".join(["1"] * 200) + "]\n"
    with pytest.raises(yamlsimple.Unusual):
        yamlsimple.load(wide, 100, 32)
    assert yamlsimple.load(wide, 1000, 32) == {"a": [1] * 200}
    deep = "".join(f"{' ' * i}k{i}:\n" for i in range(40)) + f"{' ' * 40}v: 1\n"
    with pytest.raises(yamlsimple.Unusual):
        yamlsimple.load(deep, 20_000, 32)
    assert parse(deep, max_depth=64).data == yaml.safe_load(deep)


def test_yaml_test_suite() -> None:
    if not SUITE.is_file():
        pytest.skip(f"YAML test suite not found at {SUITE}")
    cases = json.loads(SUITE.read_text(encoding="utf-8"))
    taken = sum(agrees(case["yaml"]) for case in cases.values())
    assert taken > 10  # the suite's simple mappings are read here, the rest is left to libyaml


def test_every_sample_entry_is_read_line_by_line() -> None:
    files = sorted((ROOT / "content").glob("*/*.md"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8")
        front = text[4:text.index("\n---\n", 4) + 1]
        assert agrees(front), f"{path.name}: its front matter is left to libyaml"


def test_generated_entries_are_read_line_by_line(tmp_path: Path) -> None:
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import generate  # the benchmarks' generator: every shape its entries take

    generate(200, tmp_path, seed=3)
    for path in sorted(tmp_path.glob("**/*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            assert agrees(text[4:text.index("\n---\n", 4) + 1]), path.name


def test_the_title_position_known_from_the_text_is_the_parsers() -> None:
    """Records carry the title's position from the start (KB310 points at it); worked out from the
    text, it must be where the careful parse puts the key."""
    from defectkb.yamlsource import _parse_located

    files = sorted((ROOT / "content").glob("*/*.md"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        front = text[4:text.index("\n---\n", 4) + 1]
        located = parse(front, line_offset=1)
        where = _parse_located(front, 1, 20_000, 32).keys[("title",)]
        assert located.key_memo("title") == {(("title",), True): (where.line, where.column)}, path.name
        assert located.at(("title",), key=True) == where
    odd = parse("kind: defect\ntitle: &t x\n", line_offset=1)  # not the usual shape: left to the parser
    assert odd.key_memo("title") is None
    assert parse("kind: defect\n", line_offset=1).key_memo("title") is None


def test_keys_short_strings_and_time_zones_come_out_shared() -> None:
    """As `loader.shared` makes them (which the line-read front matter skips): one object for equal
    keys, short strings and time zones across files."""
    from defectkb.loader import shared

    texts = [f"kind: defect\nstatus: 'open'\npm: \"zhang.wei\"\nlinks:\n  commits: [abc{n}, \"def\"]\n"
             f"occurred_at: 2026-12-0{n}T08:00:00+08:00\ntitle: {'long ' * 20}{n}\n" for n in (1, 2)]
    first, second = (parse(text).data for text in texts)
    assert parse(texts[0]).usual
    for key in first:
        assert next(k for k in second if k == key) is key
    assert first["status"] is second["status"] and first["pm"] is second["pm"]
    assert first["links"]["commits"][1] is second["links"]["commits"][1]
    assert first["occurred_at"].tzinfo is second["occurred_at"].tzinfo
    again = shared(first)
    assert all(again[k] is first[k] for k in first if k != "links")
