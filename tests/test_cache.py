"""The validation cache (.kb_cache): a cached run reports exactly what a run without it does,
whatever happened to the cache or to what its results depend on."""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import defectkb
import pytest
from conftest import CONTENT, TODAY, edit
from defectkb.cache import CACHE_DIR
from defectkb.cache.store import code_fingerprint
from defectkb.config import Config, load_config
from defectkb.knowledgebase import collector_paused, load

DEFECT = "defects/DEF-0001-invoice-export-loses-cents.md"


class Summaries:
    """A progress reporter that keeps the stage summaries: they say how many came from the cache."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def start(self, doing: str, total: int, unit: str = "files") -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self, summary: str) -> None:
        self.lines.append(summary)

    def cached(self) -> int:
        line = self.lines[0]
        return int(line.split("(")[1].split()[0].replace(",", "")) if "from the cache" in line else 0


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """The sample knowledge base plus files that give every kind of per-file finding."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    defects = root / "defects"
    (defects / "DEF-0900-bad-yaml.md").write_text("---\ntitle: [unclosed\n---\n# Body\n", encoding="utf-8")
    (defects / "DEF-0901-no-front-matter.md").write_text("just text\n", encoding="utf-8")
    (defects / "DEF-0902-latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    source = next(p for p in sorted(defects.glob("DEF-*.md")) if "DEF-09" not in p.name)
    text = source.read_text(encoding="utf-8")
    old_id = re.search(r"^id: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
    # Schema errors, CRLF line ends and a byte-order mark.
    bad = text.replace(f"id: {old_id}", "id: DEF-0903").replace("\nseverity: ", "\nseverity: catastrophic\nx: ", 1)
    (defects / "DEF-0903-findings.md").write_bytes(b"\xef\xbb\xbf" + bad.replace("\n", "\r\n").encode("utf-8"))
    # A valid entry with content-policy findings: raw HTML and a personal e-mail address.
    policy = text.replace(f"id: {old_id}", "id: DEF-0904") + "\n<marquee>hi</marquee> mail li.lei@corp-mail.cn\n"
    (defects / "DEF-0904-policy.md").write_text(policy, encoding="utf-8")
    return root


def config() -> Config:
    return Config(today=TODAY)


def snapshot(kb: Any) -> Any:
    """Everything a run produces that later steps read."""
    return (
        [(d.path, d.line, d.column, d.code, d.severity, d.message, d.hint) for d in kb.diagnostics],
        [(s.display, s.kind, s.meta, s.body, s.body_line, s.headings, s.within_limits, s.spans,
          s.located.start if s.located else None) for s in kb.sources],
        [(e.rel_path, e.model, e.sections) for e in kb.entries],
        sorted(kb.known_ids),
    )


def run(root: Path, cache: Path | None, cfg: Config | None = None) -> tuple[Any, int]:
    progress = Summaries()
    result = load(root, cfg or config(), display_base=root.parent, disk_cache=cache if cache else False,
                  progress=progress)
    return snapshot(result), progress.cached()


def md_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*.md") if p.name not in ("index.md", "README.md")
               and p.parent.name in ("defects", "lessons"))


def test_cold_and_warm_runs_equal_a_run_without_cache(kb: Path, tmp_path: Path) -> None:
    cache = tmp_path / CACHE_DIR
    plain, _ = run(kb, None)
    assert {"KB005", "KB003", "KB001", "KB012", "KB104", "KB102", "KB801", "KB811"} <= {d[3] for d in plain[0]}
    cold, hits = run(kb, cache)
    assert hits == 0 and cold == plain
    assert list((cache).rglob("*.bin")), "the cold run wrote the cache"
    assert (cache / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    warm, hits = run(kb, cache)
    # Unreadable files (not UTF-8) are cached too; only files that cannot be read at all are not.
    assert hits == md_files(kb)
    assert warm == plain
    # Entry positions still resolve (lazily) from a cached record: a cross-entry rule uses them.
    again = load(kb, config(), display_base=kb.parent, disk_cache=cache)
    entry = next(e for e in again.entries if e.rel_path == DEFECT) if any(
        e.rel_path == DEFECT for e in again.entries) else again.entries[0]
    fresh = load(kb, config(), display_base=kb.parent)
    twin = next(e for e in fresh.entries if e.rel_path == entry.rel_path)
    assert entry.pos("severity") == twin.pos("severity") and entry.pos("id", key=True) == twin.pos("id", key=True)


def test_one_changed_file_is_the_only_miss(kb: Path, tmp_path: Path) -> None:
    cache = tmp_path / CACHE_DIR
    run(kb, cache)
    path = kb / "defects" / "DEF-0903-findings.md"
    path.write_bytes(path.read_bytes().replace(b"catastrophic", b"serious"))
    warm, hits = run(kb, cache)
    assert hits == md_files(kb) - 1
    assert warm == run(kb, None)[0]
    assert "KB104" not in {d[3] for d in warm[0] if d[0].endswith("DEF-0903-findings.md")}


def test_identity_findings_follow_the_file_name(kb: Path, tmp_path: Path) -> None:
    """KB503 depends on the file's name: a renamed file with the same bytes is judged again."""
    cache = tmp_path / CACHE_DIR
    good = kb / "defects" / "DEF-0904-policy.md"
    wrong = good.with_name("DEF-0999-policy.md")
    good.rename(wrong)
    cold, _ = run(kb, cache)
    assert any(d[3] == "KB503" and d[0].endswith("DEF-0999-policy.md") for d in cold[0])
    assert run(kb, cache)[0] == cold == run(kb, None)[0]
    wrong.rename(good)
    warm, _ = run(kb, cache)
    assert not any(d[3] == "KB503" for d in warm[0]) and warm == run(kb, None)[0]


def test_edit_with_the_same_size_and_time_is_seen(kb: Path, tmp_path: Path) -> None:
    cache = tmp_path / CACHE_DIR
    run(kb, cache)
    path = kb / "defects" / "DEF-0904-policy.md"
    st = path.stat()
    data = path.read_bytes()
    changed = data.replace(b"li.lei@corp-mail.cn", b"li.lei@corp-mail.cx")
    assert len(changed) == len(data) and changed != data
    path.write_bytes(changed)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    warm, hits = run(kb, cache)
    assert hits == md_files(kb) - 1
    assert warm == run(kb, None)[0]
    assert any("li.l" in d[5] and d[3] == "KB811" for d in warm[0])


def shards(cache: Path) -> list[Path]:
    found = sorted(cache.rglob("*.bin"))
    assert found
    return found


@pytest.mark.parametrize("damage", ["truncate", "garble", "garbage", "bad-pickle", "empty"])
def test_damaged_cache_is_rebuilt_never_believed(kb: Path, tmp_path: Path, damage: str) -> None:
    from defectkb.cache.store import _MAGIC, digest

    cache = tmp_path / CACHE_DIR
    plain, _ = run(kb, None)
    run(kb, cache)
    for shard in shards(cache):
        blob = shard.read_bytes()
        if damage == "truncate":
            shard.write_bytes(blob[: len(blob) // 2])
        elif damage == "garble":  # one byte of the payload flipped: the checksum catches it
            i = len(blob) - 10
            shard.write_bytes(blob[:i] + bytes([blob[i] ^ 0xFF]) + blob[i + 1:])
        elif damage == "garbage":
            shard.write_bytes(b"not a cache at all")
        elif damage == "bad-pickle":  # a valid checksum over something that does not unpickle
            payload = b"\x80\x05junk that is not a pickle"
            shard.write_bytes(_MAGIC + digest(payload) + payload)
        else:
            shard.write_bytes(b"")
    damaged, hits = run(kb, cache)
    assert hits == 0 and damaged == plain
    rebuilt, hits = run(kb, cache)
    assert hits == md_files(kb) and rebuilt == plain


def test_a_record_of_other_bytes_is_not_used(kb: Path, tmp_path: Path) -> None:
    """A shard that checks out but holds another file's record under this path (a copied cache)."""
    import pickle

    from defectkb.cache.store import _MAGIC, digest

    cache = tmp_path / CACHE_DIR
    run(kb, cache)
    for shard in shards(cache):
        key, records = pickle.loads(shard.read_bytes()[len(_MAGIC) + 16:])
        for record in records.values():
            record[0] = b"\0" * 16  # the content hash of some other file
        payload = pickle.dumps((key, records))
        shard.write_bytes(_MAGIC + digest(payload) + payload)
    result, hits = run(kb, cache)
    assert hits == 0 and result == run(kb, None)[0]


def test_another_tool_version_is_not_trusted(kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / CACHE_DIR
    run(kb, cache)
    monkeypatch.setattr(defectkb, "__version__", defectkb.__version__ + ".post1")
    result, hits = run(kb, cache)
    assert hits == 0 and result == run(kb, None)[0]
    monkeypatch.setattr("defectkb.cache.store.FORMAT", 999)
    assert run(kb, cache)[1] == 0


def test_edited_code_is_not_trusted(kb: Path, tmp_path: Path) -> None:
    """A source checkout edited in place keeps its version number; the code's fingerprint changes."""
    code_fingerprint.cache_clear()
    before = code_fingerprint()
    module = Path(defectkb.__file__).parent / "cache" / "store.py"
    st = module.stat()
    try:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        code_fingerprint.cache_clear()
        assert code_fingerprint() != before
    finally:
        os.utime(module, ns=(st.st_atime_ns, st.st_mtime_ns))
        code_fingerprint.cache_clear()
    assert code_fingerprint() == before


def test_configuration_changes_are_not_served_stale(kb: Path, tmp_path: Path) -> None:
    cache = tmp_path / CACHE_DIR
    run(kb, cache)
    (tmp_path / "kb.yml").write_text("today: 2026-11-24\nlimits:\n  max_line_chars: 40\n", encoding="utf-8")
    strict = load_config(tmp_path / "kb.yml")
    result, hits = run(kb, cache, strict)
    assert hits == 0
    assert result == run(kb, None, strict)[0]
    assert "KB014" in {d[3] for d in result[0]}


def test_registry_e_mails_refresh_the_content_findings(kb: Path, tmp_path: Path) -> None:
    cache = tmp_path / CACHE_DIR
    first, _ = run(kb, cache)
    assert any(d[3] == "KB811" for d in first[0])
    people = kb / "_data" / "people.yml"
    blocks = re.split(r"(?m)^(?=[a-z][\w.-]*:$)", people.read_text(encoding="utf-8"))
    person = next(b.split(":", 1)[0] for b in blocks[1:] if "email:" not in b)
    edit(people, (f"\n{person}:\n", f"\n{person}:\n  email: li.lei@corp-mail.cn\n"))
    result, hits = run(kb, cache)
    assert hits == md_files(kb)  # the parse and schema results still hold
    plain = run(kb, None)[0]
    assert result == plain
    assert not any(d[3] == "KB811" for d in result[0])


def test_registry_findings_are_kept_per_file_and_follow_the_registry(kb: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from defectkb.rules import references

    cache = tmp_path / CACHE_DIR
    edit(kb / DEFECT, ("tags: [precision, data-quality]", "tags: [precision, data-quality, ledger-sync]"))
    first, _ = run(kb, cache)
    assert [d[3] for d in first[0] if d[0].endswith(DEFECT)] == ["KB404"]
    # Unchanged files under an unchanged registry: their findings come from the cache.
    checked: list[str] = []
    monkeypatch.setattr(references, "_all_known", lambda reg, meta, kind, real=references._all_known: (
        checked.append(str(meta.get("id"))), real(reg, meta, kind))[-1])
    warm, hits = run(kb, cache)
    assert hits == md_files(kb) and warm == first and checked == []
    # A new tag in the registry: every file is checked again, and the finding goes.
    tags = kb / "_data" / "tags.yml"
    tags.write_text(tags.read_text(encoding="utf-8") + "ledger-sync:\n  description: Ledger sync.\n",
                    encoding="utf-8")
    result, hits = run(kb, cache)
    assert hits == md_files(kb) and len(checked) > 10
    assert result == run(kb, None)[0]
    assert not [d for d in result[0] if d[0].endswith(DEFECT)]


def test_a_deleted_file_leaves_the_cache(kb: Path, tmp_path: Path) -> None:
    cache = tmp_path / CACHE_DIR
    run(kb, cache)
    (kb / "defects" / "DEF-0903-findings.md").unlink()
    result, hits = run(kb, cache)
    assert result == run(kb, None)[0] and hits == md_files(kb)
    assert run(kb, cache)[1] == md_files(kb)


def write_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(CONTENT, project / "content")
    (project / "kb.yml").write_text("today: 2026-11-24\n", encoding="utf-8")
    return project


def kb_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KB_PROGRESS_AFTER",)}
    return subprocess.run([sys.executable, "-m", "defectkb", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=600)


def test_kb_validate_caches_next_to_kb_yml_and_no_cache_bypasses(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    first = kb_cli(project, "validate", "--no-cache")
    assert first.returncode == 0, first.stdout + first.stderr
    assert not (project / CACHE_DIR).exists()
    second = kb_cli(project, "validate")
    assert (project / CACHE_DIR).is_dir() and list((project / CACHE_DIR).rglob("*.bin"))
    third = kb_cli(project, "validate")
    assert first.stdout == second.stdout == third.stdout


def test_unwritable_cache_degrades_to_no_cache(tmp_path: Path) -> None:
    project = write_project(tmp_path)
    (project / CACHE_DIR).write_text("a file where the cache folder would go\n", encoding="utf-8")
    plain = kb_cli(project, "validate", "--no-cache")
    result = kb_cli(project, "validate")
    assert result.returncode == plain.returncode == 0
    assert result.stdout == plain.stdout
    assert "Traceback" not in result.stderr and "error" not in result.stderr.lower()
    # In-process too: the run completes and reports what a run without cache does.
    content = project / "content"
    assert run(content, project / CACHE_DIR)[0] == run(content, None)[0]


# -- shortcuts of the cold path: they may only skip work that could find nothing ------------------

def bodies() -> list[str]:
    from defectkb.loader import Limits, SourceFile, split_text

    out = []
    for path in sorted(CONTENT.rglob("*.md")):
        src = SourceFile(path, path.name)
        split_text(src, path.read_text(encoding="utf-8"), Limits())
        out.append(src.body)
    return out


def test_body_bounds_shortcut_agrees_with_the_full_measure() -> None:
    from defectkb.policy.limits import BodyLimits, clearly_within, measure_body

    tight = BodyLimits(max_line_chars=80, max_nesting=2, max_emphasis_nesting=3, max_marker_run=3, max_headings=12,
                       max_list_items=10, max_table_rows=5, max_code_blocks=2, max_rules=2, max_inline_work=40_000,
                       max_bracket_scan=2_000)
    extra = ["- a\n  - b\n    - c\n      - d\n", "***a **b *c*** d**", "[[[[ x", "x" * 200, "|a|b|\n|-|-|\n" + "|1|2|\n" * 9,
             "```\n" + "*" * 50 + "\n```\n", "> > > > deep", "1. a\n   1. b\n      1. c\n"]
    shortcuts = 0
    for limits in (BodyLimits(), tight):
        for body in bodies() + extra:
            lines = body.split("\n")
            if clearly_within(body, lines, limits):
                shortcuts += 1
                assert list(measure_body(lines, limits)) == [], body[:200]
    assert shortcuts > len(bodies()) // 2  # the shortcut does take most real write-ups


@pytest.mark.parametrize("index", range(40))
def test_secret_gates_never_skip_a_match(index: int) -> None:
    """Text each detector pattern matches always passes that pattern's gate."""
    from defectkb.policy.secrets import _gates
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    gates = _gates()
    if index >= len(gates):
        pytest.skip("fewer detector patterns")
    _, _, pattern, needs, folded, first = gates[index]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern))
    def check(text: str) -> None:
        hay = text.lower() if folded else text
        if needs:
            assert any(n in hay for n in needs), (pattern.pattern, text)
        if first is not None:
            assert first(text), (pattern.pattern, text)

    check()


def test_personal_data_gates_never_skip_a_match() -> None:
    from defectkb.policy import secrets
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(secrets.CN_MOBILE), st.from_regex(secrets.PHONE), st.from_regex(secrets.CN_ID))
    def check(mobile: str, phone: str, card: str) -> None:
        assert secrets._MOBILE_GATE.search(mobile), mobile
        assert secrets._PHONE_GATE.search(phone), phone
        assert secrets._ID_GATE.search(card), card

    check()


def test_tiny_text_gate_never_skips_a_match() -> None:
    """Text under 16 characters that any pattern matches contains a digit, `@`, `+`, `:` or `eyJ`."""
    import re as regex
    from re import _parser  # type: ignore[attr-defined]  # the shortest match of each pattern

    from defectkb.policy import secrets
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    patterns = [g[2] for g in secrets._gates()] + [secrets.EMAIL, secrets.CN_MOBILE, secrets.PHONE, secrets.CN_ID]
    short = [p for p in patterns if _parser.parse(p.pattern, p.flags).getwidth()[0] < secrets._TINY]
    assert secrets.EMAIL in short  # the test does test something
    # A short text holding a match holds a short full match: testing full matches is enough.
    # One strategy per pattern, made once (a flatmap would compile the regex's strategy for every example).
    tiny = st.one_of([st.tuples(st.just(p), st.from_regex(p, fullmatch=True).filter(lambda t: len(t) < secrets._TINY))
                      for p in short])

    @settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
    @given(tiny)
    def check(case: tuple[regex.Pattern[str], str]) -> None:
        pattern, text = case
        assert secrets._TINY_NEEDS.search(text), (pattern.pattern, text)

    check()


def test_one_scan_of_a_front_matter_never_misses_what_a_value_holds() -> None:
    """`any_in` scans a front matter's values joined by line ends instead of one by one: whatever a
    value alone yields, the joined text must yield too (the value scan then places it)."""
    from defectkb.policy import secrets
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    patterns = [g[2] for g in secrets._gates()] + [secrets.EMAIL, secrets.CN_MOBILE, secrets.PHONE, secrets.CN_ID]
    # Values as front matter has them: plain words and numbers, and text any detector pattern matches.
    value = st.one_of(st.text(max_size=40), st.sampled_from(["2026-12-01", "LES-0003", "zhang.wei", "P1", ":"]),
                      *[st.from_regex(p) for p in patterns])
    hits = 0

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(value, min_size=1, max_size=6))
    def check(values: list[str]) -> None:
        nonlocal hits
        if any(secrets.find(v) for v in values):
            hits += 1
            assert secrets.any_in(values), values

    check()
    assert hits > 50  # most examples hold something a value scan finds: the property was tested


def test_a_planted_cache_is_never_unpickled(kb: Path, tmp_path: Path) -> None:
    """A `.kb_cache/` that came with an untrusted pull request: its shards carry a checksum any
    attacker can compute (unkeyed blake2b) over a pickle that would run code. It must not run."""
    import hashlib
    import pickle

    from defectkb.cache.store import _MAGIC

    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self) -> tuple:
            return (Path.write_text, (marker, "code ran"))

    cache = tmp_path / CACHE_DIR
    plain, _ = run(kb, None)
    run(kb, cache)
    for shard in shards(cache):
        payload = pickle.dumps(Payload())
        shard.write_bytes(_MAGIC + hashlib.blake2b(payload, digest_size=16).digest() + payload)
    result, hits = run(kb, cache)
    assert not marker.exists(), "a planted shard was unpickled"
    assert hits == 0 and result == plain


def test_a_load_leaves_no_reference_cycles(tmp_path):
    """`kb validate` runs with the cyclic collector paused (`collector_paused`): sound only while
    whatever a load makes is freed by reference counting alone, without the cache, cold and warm."""
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    # First use: imports and memos, and their one-time garbage.
    load(root, Config(today=TODAY), display_base=root, disk_cache=tmp_path / "first", keep_bodies=False)
    gc.collect()
    left = []
    for disk_cache in (False, tmp_path / "cache", tmp_path / "cache"):
        with collector_paused():
            kb = load(root, Config(today=TODAY), display_base=root, disk_cache=disk_cache, keep_bodies=False)
            assert kb.entries and kb.report().files
            del kb
            left.append(gc.collect())
    assert left == [0, 0, 0]


def test_a_shard_restored_to_be_written_is_let_go_after(tmp_path: Path) -> None:
    """Writing a shard whose records were slimmed makes them whole from the shard on disk; once
    written they are slimmed again, so a run that rewrites every shard never holds every record
    whole (the first run after the workers of a cold run, which adds positions to thousands)."""
    from defectkb.cache.store import ValidationCache

    first = ValidationCache(tmp_path, tmp_path / "content", "key")
    first.put("defects/a.md", [b"hash", "defect", ("parse",), ("schema",), None, None, None])
    first.save()
    again = ValidationCache(tmp_path, tmp_path / "content", "key")
    record = again.peek("defects/a.md")
    again.slim(record)
    record[6] = {(("title",), False): (4, 8)}  # a position worked out by this run
    again.put("defects/a.md", record)
    again.save()
    assert record[2] is None and record[3] is None  # let go again
    written = ValidationCache(tmp_path, tmp_path / "content", "key").peek("defects/a.md")
    assert written[2:4] == [("parse",), ("schema",)] and written[6] == {(("title",), False): (4, 8)}
