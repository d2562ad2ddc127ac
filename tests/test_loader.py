"""Hostile and broken files: each gets a diagnostic at the right place, never a traceback,
and never hides the problems of other files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from conftest import DEFECT, ROOT, TODAY, codes, edit, find, load_dir

SHARED = ROOT.parent / "shared" / "testdata" / "yaml-test-suite" / "cases.json"


def write(kb_dir: Path, name: str, data: bytes | str) -> Path:
    path = kb_dir / "defects" / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(
    ("data", "code", "line", "column", "message"),
    [
        (b"", "KB002", 1, 1, "file is empty"),
        (b"   \n\n", "KB002", 1, 1, "file is empty"),
        (b"# Title\n\ntext\n", "KB003", 1, 1, "no front matter"),
        (b"---\nid: DEF-0100\n# Title\n", "KB004", 1, 1, "never closed"),
        (b"---\n- a\n- b\n---\nbody\n", "KB006", 2, 1, "front matter is a list, not a mapping"),
        (b"---\n---\nbody\n", "KB006", 1, 1, "front matter is empty"),
        (b"---\ntitle: ok\n\xff\xfe\n---\n", "KB001", 3, 1, "not valid UTF-8 (byte 0xFF)"),
        (b"---\ntitle: \"caf\xc3\xa9 \xe9\"\n---\n", "KB001", 2, 14, "not valid UTF-8 (byte 0xE9)"),
        (b"---\nkind: defect\n  id: x\n---\n", "KB005", 3, 5, "invalid YAML: mapping values are not allowed"),
        (b"---\nkind: !!python/object:os.system x\n---\n", "KB005", 2, 7, "unsupported YAML tag"),
        (b"---\nkind: defect\nlinks:\n\tcommits: []\n---\n", "KB013", 4, 1, "tab character"),
        (b"---\n? [a, b]\n: c\n---\n", "KB005", 2, 3, "keys must be plain words"),
    ],
)
def test_broken_file(kb_dir, data, code, line, column, message):
    write(kb_dir, "DEF-0100-broken.md", data)
    kb = load_dir(kb_dir)
    d = find(kb, code)
    assert (d.path, d.line, d.column) == ("defects/DEF-0100-broken.md", line, column), d
    assert message in d.message
    # The valid entries are still loaded and checked.
    assert "DEF-0001" in kb.by_id


def test_front_matter_not_first_line_hint(kb_dir):
    write(kb_dir, "DEF-0100-x.md", "\n---\nid: DEF-0100\n---\n")
    d = find(load_dir(kb_dir), "KB003")
    assert d.hint == "front matter must start on line 1; move the `---` from line 2 to the top"


def test_bom_and_crlf_keep_positions(kb_dir):
    path = kb_dir / DEFECT
    text = path.read_text(encoding="utf-8").replace("severity: serious", "severity: critical")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    kb = load_dir(kb_dir)
    assert find(kb, "KB012").severity.value == "warning"
    d = find(kb, "KB104")
    assert (d.line, d.column) == (13, 11)


def test_crlf_alone_is_accepted(kb_dir):
    path = kb_dir / DEFECT
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert load_dir(kb_dir).diagnostics == []


def test_alias_bomb_is_bounded(kb_dir):
    lines = ["---", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines += ["---", ""]
    write(kb_dir, "DEF-0100-bomb.md", "\n".join(lines))
    d = find(load_dir(kb_dir), "KB009")
    assert d.line >= 2 and "more than 20000 values" in d.message


def test_deep_nesting_is_bounded(kb_dir):
    write(kb_dir, "DEF-0100-deep.md", "---\na: " + "[" * 5000 + "]" * 5000 + "\n---\n")
    write(kb_dir, "DEF-0101-deep.md", "---\na: " + "[" * 100 + "]" * 100 + "\n---\n")
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(60))
    write(kb_dir, "DEF-0102-deep.md", "---\n" + block + "---\n")
    kb = load_dir(kb_dir)
    found = {d.path for d in kb.diagnostics if d.code == "KB009"}
    assert found == {"defects/DEF-0100-deep.md", "defects/DEF-0101-deep.md", "defects/DEF-0102-deep.md"}


def test_oversized_file(kb_dir):
    write(kb_dir, "DEF-0100-big.md", "---\nid: DEF-0100\n---\n" + "x" * 4000)
    kb = load_dir(kb_dir, max_file_bytes=4000)
    (d,) = [d for d in kb.diagnostics if d.code == "KB008"]
    assert d.path == "defects/DEF-0100-big.md"
    assert "4,021 bytes; the limit is 4,000" in d.message


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_leaving_repository(kb_dir, tmp_path):
    outside = tmp_path / "secret.md"
    outside.write_text("---\nid: DEF-0100\n---\n", encoding="utf-8")
    (kb_dir / "defects" / "DEF-0100-link.md").symlink_to(outside)
    d = find(load_dir(kb_dir), "KB010")
    assert d.path == "defects/DEF-0100-link.md"


def test_stray_file(kb_dir):
    (kb_dir / "defects" / "screenshot.png").write_bytes(b"\x89PNG")
    d = find(load_dir(kb_dir), "KB011")
    assert d.severity.value == "warning" and d.path == "defects/screenshot.png"


def test_many_broken_files_all_reported(kb_dir):
    write(kb_dir, "DEF-0100-a.md", b"")
    write(kb_dir, "DEF-0101-b.md", b"---\ntitle: [x\n---\n")
    write(kb_dir, "DEF-0102-c.md", b"\xff")
    edit(kb_dir / DEFECT, ("pm: zhang.wei", "pm: nobody"))
    kb = load_dir(kb_dir)
    assert {"KB002", "KB005", "KB001", "KB401"} <= set(codes(kb))


def test_unknown_nested_key_positions(kb_dir):
    edit(kb_dir / DEFECT, ("  commits: [9f2c1e7]", "  commits: [9f2c1e7]\n  comits: []"))
    d = find(load_dir(kb_dir), "KB102")
    assert (d.line, d.column, d.hint) == (32, 3, "did you mean `commits`?")


def _yaml_cases() -> dict:
    if not SHARED.is_file():
        pytest.skip(f"YAML test suite not found at {SHARED}")
    return json.loads(SHARED.read_text(encoding="utf-8"))


def test_yaml_test_suite_never_raises(kb_dir):
    """All 402 cases of the YAML test suite as front matter: a diagnostic or a parse, never a crash."""
    cases = _yaml_cases()
    assert len(cases) == 402
    names = {}
    for n, (_key, case) in enumerate(sorted(cases.items())):
        name = f"DEF-{9000 + n}-case.md"
        names[f"defects/{name}"] = case
        write(kb_dir, name, "---\n" + case["yaml"] + "\n---\nbody\n")
    kb = load_dir(kb_dir)
    assert "KB900" not in codes(kb)
    by_path: dict[str, list] = {}
    for d in kb.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    for path, case in names.items():
        diags = by_path.get(path, [])
        text = "---\n" + case["yaml"] + "\n---\nbody\n"
        lines = text.count("\n") + 1
        assert diags, f"{path} ({case['name']}) produced no diagnostic"  # none of them is a valid entry
        for d in diags:
            assert 1 <= d.line <= lines, (path, d)
        has_separator = any(ln.strip() in ("---", "...") for ln in case["yaml"].split("\n"))
        try:
            yaml.load(case["yaml"], Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
            rejected = False
        except yaml.YAMLError:
            rejected = True
        if rejected and not has_separator:
            assert any(d.code in {"KB005", "KB006", "KB007", "KB009", "KB013", "KB001"} for d in diags), (
                path, case["name"], diags)


def test_source_cache_reparses_only_changed_files_and_keeps_diagnostics(kb_dir):
    from defectkb.config import Config
    from defectkb.knowledgebase import load
    from defectkb.loader import SourceCache

    cache = SourceCache()
    write(kb_dir, "DEF-0100-bad.md", "---\ntitle: [x\n---\n")
    first = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    assert len(cache.changed) == 3
    second = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    assert cache.changed == set()
    assert sorted(d.sort_key for d in first.diagnostics) == sorted(d.sort_key for d in second.diagnostics)
    path = kb_dir / DEFECT
    edit(path, ("severity: serious", "severity: critical"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    third = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    assert cache.changed == {path}
    assert "KB104" in codes(third) and "KB104" not in codes(second)
    assert [d.code for d in third.diagnostics].count("KB005") == 1
    # what was made of an unchanged file is taken as it is: the very same entry
    assert [e for e in third.entries if e.source.path != path] == [e for e in second.entries if e.source.path != path]
    assert all(a is b for a, b in zip(second.entries, first.entries, strict=True))
    assert not any(a is b for a in third.entries for b in second.entries if a.source.path == path)


def test_source_cache_reads_the_registry_again_only_when_a_registry_file_changed(kb_dir):
    from defectkb.config import Config
    from defectkb.knowledgebase import load
    from defectkb.loader import SourceCache

    cache = SourceCache()
    first = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    second = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    assert second.registry is first.registry, "unchanged registry files were read again"
    people = kb_dir / "_data" / "people.yml"
    people.write_text(people.read_text(encoding="utf-8") + "  bad: [\n", encoding="utf-8")
    os.utime(people, ns=(people.stat().st_atime_ns, people.stat().st_mtime_ns + 10_000_000))
    third = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    assert third.registry is not first.registry and "KB601" in codes(third) and "KB601" not in codes(second)
    fourth = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    assert fourth.registry is third.registry and "KB601" in codes(fourth), "the registry's findings are kept too"


def test_source_cache_reads_everything_again_under_another_configuration(kb_dir):
    """A kb.yml edit while the preview runs: schema results and sections depend on it."""
    from defectkb.config import Config
    from defectkb.knowledgebase import load
    from defectkb.loader import SourceCache

    cache = SourceCache()
    load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
    assert "KB014" not in codes(load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache))
    assert cache.changed == set()
    strict = Config.model_validate({"today": TODAY, "limits": {"max_line_chars": 20}})
    tight = load(kb_dir, strict, display_base=kb_dir, cache=cache)
    assert len(cache.changed) == 2 and "KB014" in codes(tight)


def test_duplicate_ids_are_reported_once_per_run_with_kept_files(kb_dir):
    from defectkb.config import Config
    from defectkb.knowledgebase import load
    from defectkb.loader import SourceCache

    cache = SourceCache()
    text = (kb_dir / DEFECT).read_text(encoding="utf-8")
    write(kb_dir, "DEF-0001-copy.md", text)
    runs = [load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache) for _ in range(3)]
    assert [codes(kb).count("KB501") for kb in runs] == [1, 1, 1]
    assert cache.changed == set()


def test_walk_sorts_as_paths_do(tmp_path: Path) -> None:
    """Sorted on parts: `a/z.md` before `a-b/x.md` and `a/B/y.md` after `a/A.md`, as Path ordering has it
    (string order would put `a-b/` first, since `-` sorts before `/`)."""
    from defectkb.loader import walk

    names = ["a/z.md", "a-b/x.md", "a/B/y.md", "a/A.md", "a.md", "a/.hidden.md", ".git/x.md", "b/c/d/e.md"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    found = walk(tmp_path)
    expected = sorted(tmp_path / n for n in names if "/." not in f"/{n}")
    assert found == expected
    assert [p.relative_to(tmp_path).as_posix() for p in found][:3] == ["a/A.md", "a/B/y.md", "a/z.md"]


def test_walk_lists_a_folder_again_only_when_a_directory_in_it_changed(tmp_path: Path) -> None:
    """The preview's listings: an unchanged folder is not listed again; a file added, removed or
    renamed anywhere under it is seen; a directory changed too recently to tell is never trusted."""
    from defectkb import loader
    from defectkb.loader import Listings, walk

    for name in ["a.md", "sub/b.md", "sub/deeper/c.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n", encoding="utf-8")

    def age_directories() -> None:  # as if the last change was a minute ago
        old = (loader.RACY_NS // 1_000_000_000 + 60)
        for d in [tmp_path, tmp_path / "sub", tmp_path / "sub" / "deeper"]:
            st = d.stat()
            os.utime(d, (st.st_atime - old, st.st_mtime - old))

    listings = Listings()
    walk(tmp_path, listings)
    assert tmp_path not in listings.walks  # just written: too recent to trust
    age_directories()
    first = walk(tmp_path, listings)
    assert tmp_path in listings.walks
    assert walk(tmp_path, listings) == first == walk(tmp_path)
    # A new file deep down, a rename and a removal: each is listed at once.
    (tmp_path / "sub" / "deeper" / "new.md").write_text("x\n", encoding="utf-8")
    assert walk(tmp_path, listings) == walk(tmp_path) != first
    age_directories()
    walk(tmp_path, listings)
    (tmp_path / "sub" / "b.md").rename(tmp_path / "sub" / "renamed.md")
    assert walk(tmp_path, listings) == walk(tmp_path)
    assert tmp_path / "sub" / "renamed.md" in walk(tmp_path, listings)
    age_directories()
    walk(tmp_path, listings)
    (tmp_path / "a.md").unlink()
    assert tmp_path / "a.md" not in walk(tmp_path, listings)
    age_directories()
    walk(tmp_path, listings)
    for f in (tmp_path / "sub" / "deeper").iterdir():
        f.unlink()
    (tmp_path / "sub" / "deeper").rmdir()
    assert walk(tmp_path, listings) == walk(tmp_path) == [tmp_path / "sub" / "renamed.md"]


def test_a_preview_run_reports_what_a_fresh_run_reports(kb_dir):
    """Kept entries, registry findings and per-entry findings (the preview) against a run
    without anything kept, after edits of the registry, of one entry and of nothing."""
    from defectkb.config import Config
    from defectkb.knowledgebase import load
    from defectkb.loader import SourceCache

    cache = SourceCache()
    # findings of several kinds: a broken file, unknown people, a registry-dependent one
    write(kb_dir, "DEF-0100-bad.md", "---\ntitle: [x\n---\n")
    text = (kb_dir / DEFECT).read_text(encoding="utf-8")
    write(kb_dir, "DEF-0101-copy.md", text.replace("id: DEF-0001", "id: DEF-0101").replace("pm: ", "pm: nobody.", 1))
    people = kb_dir / "_data" / "people.yml"

    def same() -> list[str]:
        kept = load(kb_dir, Config(today=TODAY), display_base=kb_dir, cache=cache)
        fresh = load(kb_dir, Config(today=TODAY), display_base=kb_dir)
        assert sorted(d.sort_key for d in kept.diagnostics) == sorted(d.sort_key for d in fresh.diagnostics)
        return codes(kept)

    first = same()
    assert {"KB005", "KB401"} <= set(first)
    assert same() == first
    edit(people, ("zhang.wei:\n  name: 张伟\n  roles: [pm]", "zhang.wei:\n  name: 张伟\n  roles: [qa]"))
    after_registry = same()
    assert after_registry != first, "a PM who is no longer one: the unchanged entries are checked again"
    path = kb_dir / DEFECT
    edit(path, ("severity: serious", "severity: critical"))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10_000_000))
    assert "KB104" in same()
