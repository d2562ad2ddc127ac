"""The validation cache's shortcuts for `kb validate`: files whose status vouches for their record are
not read, bodies are not kept, near-duplicate titles are searched again only when a title (or the
set of entries) changed, and diagnostics' positions are kept with the records. Each shortcut must
report exactly what a run without cache does."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTENT, TODAY
from defectkb.cache import CACHE_DIR
from defectkb.cache.reader import trusted_status
from defectkb.config import Config
from defectkb.knowledgebase import KnowledgeBase, load
from test_cache import Summaries  # keeps the stage summaries; the first says how many files were not read

DUPLICATE = "defects/DEF-0950-emoji-title-again.md"


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """The sample knowledge base, plus a new defect whose title repeats another's (KB310) and one
    with a personal e-mail address in its body (KB811)."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    source = (root / "defects" / "DEF-0006-emoji-invoice-title-pdf-fails.md").read_text(encoding="utf-8")
    assert "\nstatus: new\n" in source
    (root / DUPLICATE).write_text(source.replace("id: DEF-0006", "id: DEF-0950"), encoding="utf-8")
    (root / "defects" / "DEF-0951-mail.md").write_text(
        re.sub(r"(?m)^title: .*$", "title: 对账单导出的邮件收件人写错", source.replace("id: DEF-0006", "id: DEF-0951"),
               count=1) + "\nmail li.lei@corp-mail.cn\n", encoding="utf-8")
    return root


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written a moment ago count as settled: the tests need not wait three seconds."""
    monkeypatch.setattr("defectkb.loader.RACY_NS", 0)


_last = Summaries()


def validate(root: Path, cache: Path | None, *, keep_bodies: bool = False, **options: Any) -> KnowledgeBase:
    global _last
    _last = Summaries()
    return load(root, Config(today=TODAY), display_base=root.parent, disk_cache=cache if cache else False,
                keep_bodies=keep_bodies, progress=_last, **options)


def findings(kb: KnowledgeBase) -> list[Any]:
    return [(d.path, d.line, d.column, d.code, d.severity, d.message, d.hint) for d in kb.diagnostics]


def unread(kb: KnowledgeBase) -> int:
    """Files the latest run did not read: `loaded N entries (N from the cache, M not read again)`."""
    found = re.search(r", ([\d,]+) not read again\)", _last.lines[0])
    return int(found.group(1).replace(",", "")) if found else 0


def with_meta(kb: KnowledgeBase) -> int:
    return sum(1 for s in kb.sources if s.meta is not None)


def test_without_bodies_the_findings_are_the_same(kb: Path, tmp_path: Path, no_racy_window: None) -> None:
    plain = validate(kb, None, keep_bodies=True)
    codes = {d[3] for d in findings(plain)}
    assert {"KB310", "KB811"} <= codes
    cache = tmp_path / CACHE_DIR
    cold = validate(kb, cache)
    warm = validate(kb, cache)
    assert findings(cold) == findings(plain) and findings(warm) == findings(plain)
    for run in (cold, warm):
        assert all(s.body == "" and s.headings == [] for s in run.sources)
        assert [(e.rel_path, e.model, e.sections) for e in run.entries] == \
            [(e.rel_path, e.model, e.sections) for e in plain.entries]
    # Without a cache too: the content policy ran while the bodies were there.
    assert findings(validate(kb, None)) == findings(plain)


def test_unchanged_files_are_not_read_and_edits_are_seen(kb: Path, tmp_path: Path, no_racy_window: None) -> None:
    cache = tmp_path / CACHE_DIR
    validate(kb, cache)
    warm = validate(kb, cache)
    assert unread(warm) == with_meta(warm) > 0
    # An edit that keeps the size and puts the modification time back: the change time still moves.
    path = kb / "defects" / "DEF-0951-mail.md"
    st = path.stat()
    data = path.read_bytes()
    changed = data.replace(b"li.lei@corp-mail.cn", b"li.lei@corp-mail.cx")
    assert len(changed) == len(data) and changed != data
    path.write_bytes(changed)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    edited = validate(kb, cache)
    assert unread(edited) == with_meta(edited) - 1
    assert findings(edited) == findings(validate(kb, None, keep_bodies=True))
    assert any("li.l" in d.message and d.code == "KB811" for d in edited.diagnostics)
    # Touched, bytes unchanged: read once (the record holds), then trusted on its new status.
    os.utime(path)
    assert unread(validate(kb, cache)) == with_meta(edited) - 1
    assert unread(validate(kb, cache)) == with_meta(edited)


def test_a_file_changed_a_moment_ago_is_always_read(kb: Path, tmp_path: Path) -> None:
    """Within the file system's clock tick an edit could leave size, times and inode as they were:
    such a status is not kept, so the file is read (and its hash checked) until it has settled."""
    cache = tmp_path / CACHE_DIR
    validate(kb, cache)
    warm = validate(kb, cache)
    assert unread(warm) == 0
    assert findings(warm) == findings(validate(kb, None, keep_bodies=True))
    assert trusted_status((kb / DUPLICATE).stat()) is None


def test_near_duplicates_follow_title_edits(kb: Path, tmp_path: Path, no_racy_window: None) -> None:
    cache = tmp_path / CACHE_DIR
    first = validate(kb, cache)
    assert [d.path for d in first.diagnostics if d.code == "KB310"] == [
        "content/defects/DEF-0006-emoji-invoice-title-pdf-fails.md", f"content/{DUPLICATE}"]
    again = validate(kb, cache)  # titles unchanged: the search's findings come from the cache
    assert findings(again) == findings(first) and unread(again) == with_meta(again)
    path = kb / DUPLICATE
    original = path.read_text(encoding="utf-8")
    # A title that says something else: the warnings go, from the cache as without it.
    path.write_text(original.replace("\ntitle: ", "\ntitle: Unrelated ledger rounding, was: ", 1), encoding="utf-8")
    other = validate(kb, cache)
    assert findings(other) == findings(validate(kb, None, keep_bodies=True))
    assert not any(d.code == "KB310" for d in other.diagnostics)
    # The same title one line lower: the warning moves with it (positions are kept per file content).
    path.write_text(original.replace("\nid: ", "\n# moved down by a comment\nid: ", 1), encoding="utf-8")
    validate(kb, cache)
    moved = validate(kb, cache)
    assert findings(moved) == findings(validate(kb, None, keep_bodies=True))
    lines = {d.path: d.line for d in moved.diagnostics if d.code == "KB310"}
    shown = f"content/{DUPLICATE}"
    assert lines[shown] == {d.path: d.line for d in first.diagnostics if d.code == "KB310"}[shown] + 1
    # Which entries are new is an input too: named as added, the copy alone is checked.
    added = validate(kb, cache, added={DUPLICATE})
    assert [d.path for d in added.diagnostics if d.code == "KB310"] == [f"content/{DUPLICATE}"]


@pytest.mark.parametrize("damage", ["garble", "garbage", "other-result"])
def test_a_damaged_result_is_never_believed(kb: Path, tmp_path: Path, damage: str) -> None:
    import pickle

    from defectkb.cache.store import _MAGIC, RESULTS, digest

    cache = tmp_path / CACHE_DIR
    plain = findings(validate(kb, None, keep_bodies=True))
    validate(kb, cache)
    (results,) = cache.rglob(RESULTS)
    blob = results.read_bytes()
    if damage == "garble":
        i = len(blob) - 10
        results.write_bytes(blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1:])
    elif damage == "garbage":
        results.write_bytes(b"not a cache at all")
    else:  # checks out, but its findings were made from other titles: the inputs' digest differs
        key, found = pickle.loads(blob[len(_MAGIC) + 16:])
        name, (inputs, _) = next(iter(found.items()))
        found[name] = (inputs[::-1], [])
        payload = pickle.dumps((key, found))
        results.write_bytes(_MAGIC + digest(payload) + payload)
    assert findings(validate(kb, cache)) == plain
    assert findings(validate(kb, cache)) == plain


def test_a_shard_written_after_its_records_were_let_go_is_whole(kb: Path, tmp_path: Path,
                                                                no_racy_window: None) -> None:
    """`kb validate` lets go of records' parse results once their entries are made; when a shard
    must be written anyway (one of its files changed), the others are restored from the shard on
    disk, and the next run trusts them all again."""
    from defectkb.cache.store import ValidationCache

    cache = tmp_path / CACHE_DIR
    validate(kb, cache)
    rels = sorted(p.relative_to(kb).as_posix() for p in kb.rglob("*.md") if p.parent.name in ("defects", "lessons"))
    by_shard: dict[int, list[str]] = {}
    for rel in rels:
        by_shard.setdefault(ValidationCache.shard_of(rel), []).append(rel)
    shared = next(group for group in by_shard.values() if len(group) > 1)
    path = kb / shared[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    edited = validate(kb, cache)
    plain = findings(validate(kb, None, keep_bodies=True))
    assert findings(edited) == plain
    again = validate(kb, cache)
    assert unread(again) == with_meta(again) and findings(again) == plain
    # A site build (bodies kept) reads those records whole.
    built = validate(kb, cache, keep_bodies=True)
    assert findings(built) == plain and all(s.body for s in built.sources if s.meta is not None)
