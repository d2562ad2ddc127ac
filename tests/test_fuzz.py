"""Property: no front matter and no body, however strange, makes the loader or a rule raise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import DEFECT, FIXTURE, LESSON, load_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
    st.dates(), st.datetimes(), st.sampled_from(["DEF-0001", "LES-0001", "zhang.wei", "billing", "fatal", "p0",
                                                 "closed", "fixed", "production", "2.3.1", "http://x", "javascript:x"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=12), inner, max_size=4), max_leaves=20)
keys = st.sampled_from(["kind", "id", "title", "status", "severity", "pm", "tags", "product", "links", "odc",
                        "related_lessons", "source_defects", "action_items", "resolved_at", "online",
                        "affected_versions", "fixed_version", "duplicate_of", "reviewers", "x"])


@pytest.fixture
def fuzz_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE, target)
    return target


def _check(root: Path) -> None:
    kb = load_dir(root)
    assert not [d for d in kb.diagnostics if d.code == "KB900"]
    for d in kb.diagnostics:
        assert d.line >= 1 and d.column >= 1 and d.message


@SETTINGS
@given(meta=st.dictionaries(keys, values, max_size=12), body=st.text(max_size=300))
def test_arbitrary_front_matter(fuzz_dir: Path, meta: dict, body: str) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body
    (fuzz_dir / "defects" / "DEF-0100-fuzz.md").write_text(text, encoding="utf-8", errors="surrogatepass")
    _check(fuzz_dir)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes(fuzz_dir: Path, data: bytes) -> None:
    (fuzz_dir / "defects" / "DEF-0100-fuzz.md").write_bytes(data)
    _check(fuzz_dir)


@SETTINGS
@given(data=st.data())
def test_mutated_valid_entries(fuzz_dir: Path, data: st.DataObject) -> None:
    for rel in (DEFECT, LESSON):
        path = fuzz_dir / rel
        text = (FIXTURE / rel).read_text(encoding="utf-8")
        for _ in range(data.draw(st.integers(1, 4))):
            i = data.draw(st.integers(0, len(text)))
            j = data.draw(st.integers(i, min(len(text), i + 20)))
            text = text[:i] + data.draw(st.text(max_size=8)) + text[j:]
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check(fuzz_dir)


@pytest.mark.slow
@settings(max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(meta=st.dictionaries(keys, values, max_size=20), body=st.text(max_size=2000))
def test_arbitrary_front_matter_long(fuzz_dir: Path, meta: dict, body: str) -> None:
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + body
    (fuzz_dir / "defects" / "DEF-0100-fuzz.md").write_text(text, encoding="utf-8", errors="surrogatepass")
    _check(fuzz_dir)
