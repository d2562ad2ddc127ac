"""Git features on real repositories in temp folders: `kb validate --changed-since`, named paths,
KB504 and `kb renumber`, the GitLab report, and git facts on a real `mkdocs build`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import DEFECT, FIXTURE, LESSON, ROOT, edit, mkdocs_build

KB = [sys.executable, "-m", "defectkb"]

NEW_DEFECT = """---
kind: defect
id: {id}
title: {title}
status: new
product: billing
pm: zhang.wei
reporter: sun.li
severity: normal
reproducibility: always
found_phase: system_test
impact_scope: partial
online: false
environment: staging
affected_versions: ["2.3.1"]
occurred_at: 2025-06-03T09:12:00+08:00
reported_at: 2025-06-03T10:05:00+08:00
related_lessons: {lessons}
---

## Description / 缺陷描述

{title}.

### Steps to Reproduce / 复现步骤

1. Time out the gateway.

### Expected Result / 预期结果

Backoff.

### Actual Result / 实际结果

No backoff.

## Impact / 影响范围

Billing API overload.
"""

NEW_LESSON = """---
kind: lesson
id: {id}
title: Retries need backoff and a budget
status: draft
source_type: defect
source_defects: {defects}
products: [billing]
pm: zhang.wei
authors: [chen.jie]
event_date: 2025-06-03
created_at: 2025-06-07
severity: normal
cause_category: code
applies_to: [billing]
---

## Summary / 概述

Retries without backoff turn a blip into an outage ({mention}).
"""


def defect(entry_id: str, title: str = "Retry storm after a gateway timeout", lessons: str = "[]") -> str:
    return NEW_DEFECT.format(id=entry_id, title=title, lessons=lessons)


def lesson(entry_id: str, defects: str, mention: str = "see the defects") -> str:
    return NEW_LESSON.format(id=entry_id, defects=defects, mention=mention)


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Git as on a fresh machine: no global or system settings, no repository above tmp_path."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str, **env: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **env})
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def commit(cwd: Path, message: str, **env: str) -> None:
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message, **env)


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*KB, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def codes_in(out: str) -> list[tuple[str, str]]:
    """(path, code) of every diagnostic line of the text format."""
    found = []
    for line in out.splitlines():
        head = line.split(" ", 2)
        if len(head) >= 2 and head[1].startswith("KB") and ":" in head[0]:
            found.append((head[0].split(":")[0], head[1]))
    return sorted(found)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A knowledge base in a git repository: kb.yml at the top, entries in content/, on main."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Zhang Wei")
    git(root, "config", "user.email", "zhang.wei@example.com")
    shutil.copytree(FIXTURE, root / "content")
    (root / "kb.yml").write_text("content_dir: content\ntoday: 2026-11-24\n", encoding="utf-8")
    commit(root, "knowledge base")
    return root


D = "content/" + DEFECT
L = "content/" + LESSON


def test_changed_since_reports_the_change_and_nothing_else(repo: Path):
    # An old problem on main, outside the change: reported by a full run, not for the change.
    (repo / "content/defects/DEF-0003-old.md").write_text(
        defect("DEF-0003", "An old defect with a bad tag").replace("related_lessons: []", "tags: [no-such-tag]"),
        encoding="utf-8")
    commit(repo, "old problem")
    git(repo, "switch", "-q", "-c", "work")
    edit(repo / D, ("severity: serious", "severity: critical"))
    commit(repo, "committed change")
    (repo / "content/defects/DEF-0002-retry-storm.md").write_text(
        defect("DEF-0002").replace("pm: zhang.wei", "pm: zhang.wie"), encoding="utf-8")  # untracked

    full = kb("validate", cwd=repo)
    assert ("content/defects/DEF-0003-old.md", "KB404") in codes_in(full.stdout)

    r = kb("validate", "--changed-since", "main", cwd=repo)
    assert r.returncode == 1, r.stderr
    assert codes_in(r.stdout) == [("content/defects/DEF-0001-invoice-export-loses-cents.md", "KB104"),
                                  ("content/defects/DEF-0002-retry-storm.md", "KB401")]
    assert "2 changed, 1 added since main (merge base " in r.stderr
    assert "checked 2 files" in r.stdout


def test_staged_unstaged_and_untracked_are_part_of_the_change(repo: Path):
    git(repo, "switch", "-q", "-c", "work")
    edit(repo / D, ("severity: serious", "severity: critical"))
    git(repo, "add", D)  # staged
    edit(repo / L, ("pm: zhang.wei", "pm: nobody"))  # unstaged
    r = kb("validate", "--changed-since", "main", cwd=repo)
    assert codes_in(r.stdout) == [(D, "KB104"), (L, "KB401")]
    assert r.returncode == 1

    edit(repo / D, ("severity: critical", "severity: serious"))
    edit(repo / L, ("pm: nobody", "pm: zhang.wei"))
    r = kb("validate", "--changed-since", "main", cwd=repo)
    assert r.returncode == 0, r.stdout
    assert "All checks passed (0 files" in r.stdout


def test_change_is_measured_from_the_merge_base(repo: Path):
    """Work merged to main after the branch was cut is not this branch's change."""
    git(repo, "switch", "-q", "-c", "work")
    edit(repo / L, ("title: 金额字段必须全链路使用定点数", "title: 金额字段必须全链路使用定点数。"))
    commit(repo, "work")
    git(repo, "switch", "-q", "main")
    edit(repo / D, ("environment: \"staging", "environment: \"staging-2"))
    commit(repo, "main moves on")
    git(repo, "switch", "-q", "work")
    from defectkb.vcs.changes import change_since
    from defectkb.vcs.git import open_repo

    change = change_since(open_repo(repo), "main", ["content"])
    assert change.present == {L}
    assert change.added == set() and change.deleted == set()


def test_deleted_entry_still_referenced_is_an_error_where_it_is_referenced(repo: Path):
    git(repo, "switch", "-q", "-c", "work")
    git(repo, "rm", "-q", L)
    commit(repo, "drop the lesson")
    r = kb("validate", "--changed-since", "main", cwd=repo)
    assert r.returncode == 1
    # DEF-0001 did not change, but the deletion broke its reference: reported there.
    assert (D, "KB405") in codes_in(r.stdout)
    assert "no entry has the id `LES-0001`" in r.stdout
    assert "1 deleted" in r.stderr


def test_renamed_entry_is_not_added_and_keeps_its_id(repo: Path):
    from defectkb.vcs.review import load_change

    git(repo, "switch", "-q", "-c", "work")
    new = "content/defects/DEF-0001-export-rounding.md"
    git(repo, "mv", D, new)
    commit(repo, "rename")
    moved = "content/lessons/LES-0001-decimal-money.md"
    (repo / L).rename(repo / moved)  # a move without `git mv`, not committed
    kb_, change = load_change(repo / "content", "main")
    assert change.renamed == {new: D, moved: L}
    assert change.added == set()
    assert kb_.added == set()
    r = kb("validate", "--changed-since", "main", cwd=repo)
    assert r.returncode == 0, r.stdout  # main still has DEF-0001 under its old name: not a KB504
    assert "2 changed, 0 added, 2 renamed since main" in r.stderr


def test_added_entries_fill_knowledgebase_added(repo: Path):
    from defectkb.vcs.review import load_change

    git(repo, "switch", "-q", "-c", "work")
    (repo / "content/defects/DEF-0002-retry-storm.md").write_text(defect("DEF-0002"), encoding="utf-8")
    commit(repo, "add")
    (repo / "content/lessons/LES-0002-backoff.md").write_text(lesson("LES-0002", "[DEF-0001]"), encoding="utf-8")
    kb_, _ = load_change(repo / "content", "main")
    assert kb_.added == {"defects/DEF-0002-retry-storm.md", "lessons/LES-0002-backoff.md"}


def test_named_paths_report_their_cross_entry_problems_and_what_is_new(repo: Path):
    from defectkb.vcs.changes import work_tree_status
    from defectkb.vcs.git import open_repo

    new = "content/lessons/LES-0002-backoff.md"
    (repo / new).write_text(lesson("LES-0002", "[DEF-0001]"), encoding="utf-8")
    r = kb("validate", new, cwd=repo)
    assert r.returncode == 1
    # The new lesson names DEF-0001, which does not name it back: reported in DEF-0001's file.
    assert codes_in(r.stdout) == [(D, "KB406")]
    assert "LES-0002 names this defect in source_defects" in r.stdout
    assert work_tree_status(open_repo(repo), [new, D]).added == {new}
    # Only the named file's own problems and the ones naming its id: not DEF-0001's others.
    edit(repo / D, ("pm: zhang.wei", "pm: zhang.wie"))
    r = kb("validate", new, cwd=repo)
    assert codes_in(r.stdout) == [(D, "KB406")]


def test_unknown_ref_says_how_to_fetch_it(repo: Path, tmp_path: Path):
    r = kb("validate", "--changed-since", "mian", cwd=repo)
    assert r.returncode == 2
    assert "unknown ref `mian`" in r.stderr and "git fetch origin mian" in r.stderr
    assert "Traceback" not in r.stderr

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    r = kb("validate", "--changed-since", "origin/release", cwd=clone)
    assert r.returncode == 2
    assert "fetch it: git fetch origin release" in r.stderr


def test_shallow_clone_says_to_fetch_the_history(repo: Path, tmp_path: Path):
    git(repo, "switch", "-q", "-c", "side")
    edit(repo / D, ("severity: serious", "severity: fatal"))
    commit(repo, "side")
    git(repo, "switch", "-q", "main")
    edit(repo / L, ("title: 金额字段必须全链路使用定点数", "title: 金额字段必须全链路使用定点数。"))
    commit(repo, "main")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", f"file://{repo}", str(shallow))
    r = kb("validate", "--changed-since", "origin/side", cwd=shallow)
    assert r.returncode == 2
    assert "no common ancestor" in r.stderr and "fetch-depth: 0" in r.stderr


def test_outside_a_repository_is_a_usage_error(kb_dir: Path):
    r = kb("validate", "--changed-since", "main", ".", cwd=kb_dir)
    assert r.returncode == 2
    assert "is not inside a Git repository" in r.stderr
    assert "Traceback" not in r.stderr


def _two_prs_take_the_same_id(repo: Path) -> None:
    """main has DEF-0001; A and B both add DEF-0002; A is merged first."""
    git(repo, "switch", "-q", "-c", "a")
    (repo / "content/defects/DEF-0002-a.md").write_text(defect("DEF-0002", "Cache stampede on deploy"),
                                                        encoding="utf-8")
    commit(repo, "A adds DEF-0002")
    git(repo, "switch", "-q", "main")
    git(repo, "switch", "-q", "-c", "b")
    (repo / "content/defects/DEF-0002-b.md").write_text(defect("DEF-0002", lessons="[LES-0002]"),
                                                        encoding="utf-8")
    (repo / "content/lessons/LES-0002-backoff.md").write_text(
        lesson("LES-0002", "[DEF-0002]", mention="DEF-0002 shows it"), encoding="utf-8")
    commit(repo, "B adds DEF-0002 and its lesson")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge A", "a")
    git(repo, "switch", "-q", "b")


def test_id_taken_on_the_target_is_caught_and_renumber_fixes_it(repo: Path):
    # A mention of DEF-0002 in an entry B did not add: listed by renumber, never edited.
    edit(repo / D, ("批量导出含多行明细的发票", "（另见 DEF-0002）批量导出含多行明细的发票"))
    commit(repo, "mention")
    _two_prs_take_the_same_id(repo)
    assert kb("validate", cwd=repo).returncode == 0  # B alone is valid: only git can see the clash

    r = kb("validate", "--changed-since", "main", cwd=repo)
    assert r.returncode == 1, r.stdout + r.stderr
    line = next(x for x in r.stdout.splitlines() if " KB504 " in x)
    assert line.startswith("content/defects/DEF-0002-b.md:3:5: KB504 ")
    assert "`DEF-0002` is already taken on main by content/defects/DEF-0002-a.md" in line
    assert "kb renumber content/defects/DEF-0002-b.md --onto main" in r.stdout

    r = kb("renumber", D, "--onto", "main", cwd=repo)  # an entry main already has keeps its id
    assert r.returncode == 2 and "is already on main as DEF-0001" in r.stderr

    before = (repo / D).read_text(encoding="utf-8")
    r = kb("renumber", "content/defects/DEF-0002-b.md", "--onto", "main", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert "DEF-0002 -> DEF-0003" in r.stdout
    assert "content/lessons/LES-0002-backoff.md" in r.stdout
    assert f"{D}:" in r.stdout  # the mention left alone is listed
    assert (repo / D).read_text(encoding="utf-8") == before
    assert not (repo / "content/defects/DEF-0002-b.md").exists()
    renamed = (repo / "content/defects/DEF-0003-b.md").read_text(encoding="utf-8")
    assert "\nid: DEF-0003\n" in renamed and "DEF-0002" not in renamed
    les = (repo / "content/lessons/LES-0002-backoff.md").read_text(encoding="utf-8")
    assert "source_defects: [DEF-0003]" in les and "(DEF-0003 shows it)" in les

    r = kb("validate", "--changed-since", "main", cwd=repo)
    assert r.returncode == 0, r.stdout
    commit(repo, "renumber")
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge B", "b")
    assert kb("validate", cwd=repo).returncode == 0


def test_renumber_without_a_target_takes_the_next_local_id(repo: Path):
    (repo / "content/defects/DEF-0001-copy.md").write_text(defect("DEF-0001"), encoding="utf-8")
    r = kb("renumber", "content/defects/DEF-0001-copy.md", "--dry-run", cwd=repo)
    assert r.returncode == 0 and "would rename content/defects/DEF-0001-copy.md -> content/defects/DEF-0002-copy.md" in r.stdout
    assert (repo / "content/defects/DEF-0001-copy.md").is_file()
    r = kb("renumber", "content/defects/DEF-0001-copy.md", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert (repo / "content/defects/DEF-0002-copy.md").is_file()
    assert kb("validate", cwd=repo).returncode == 0
    r = kb("renumber", "content/defects/nope.md", cwd=repo)
    assert r.returncode == 2 and "file not found" in r.stderr


def test_gitlab_report_has_paths_from_the_repository_root(repo: Path):
    git(repo, "switch", "-q", "-c", "work")
    edit(repo / D, ("severity: serious", "severity: critical"), ("pm: zhang.wei", "pm: zhang.wie"))
    (repo / "content/defects/DEF-0009-broken.md").write_text("---\ntitle: [x\n---\n", encoding="utf-8")
    content = repo / "content"  # run from below the root: text paths are relative to here
    text = kb("validate", "--changed-since", "main", cwd=content)
    r = kb("validate", "--changed-since", "main", "--format", "gitlab", cwd=content)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert isinstance(report, list) and len(report) == len(codes_in(text.stdout)) == 3
    for item in report:
        assert set(item) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert item["location"]["path"].startswith("content/defects/")
        assert (repo / item["location"]["path"]).is_file()
    by_code = {i["check_name"]: i for i in report}
    assert by_code["KB104"]["location"] == {"path": D, "lines": {"begin": 13}}
    assert by_code["KB104"]["severity"] == "major"
    assert by_code["KB005"]["severity"] == "critical"
    assert "defects/DEF-0001-invoice-export-loses-cents.md:13:11: KB104" in text.stdout
    assert len({i["fingerprint"] for i in report}) == 3
    again = json.loads(kb("validate", "--changed-since", "main", "--format", "gitlab", cwd=content).stdout)
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in report]
    clean = kb("validate", "--format", "gitlab", "content/lessons", cwd=repo)
    assert clean.returncode == 0 and json.loads(clean.stdout) == []


def mkdocs_config(path: Path, docs_dir: Path | str, git_facts: bool | None = None) -> Path:
    """The project's mkdocs.yml with another docs_dir and, if given, the plugin's git_facts option."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("docs_dir: content", f"docs_dir: {docs_dir}")
    if git_facts is not None:
        text = re.sub(r"(?m)^  - defectkb\b.*$", f"  - defectkb:\n      git_facts: {str(git_facts).lower()}", text)
        assert f"git_facts: {str(git_facts).lower()}" in text
    path.write_text(text, encoding="utf-8")
    return path


def test_git_facts_on_the_entry_page(repo: Path, tmp_path: Path):
    edit(repo / "kb.yml", ("today:", "git_facts: true\ntoday:"))
    commit(repo, "git facts on", GIT_AUTHOR_NAME="Li Si", GIT_AUTHOR_DATE="2025-01-02T10:00:00+08:00")
    edit(repo / D, ("environment: \"staging", "environment: \"staging-2"))
    commit(repo, "edit", GIT_AUTHOR_NAME="Bob <b>&amp; \"Q\" Lee", GIT_AUTHOR_DATE="2025-03-04T10:00:00+08:00")
    moved = "content/lessons/LES-0001-decimal-money.md"
    git(repo, "mv", L, moved)
    commit(repo, "rename", GIT_AUTHOR_NAME="Carol", GIT_AUTHOR_DATE="2025-04-05T10:00:00+08:00")
    config = mkdocs_config(repo / "mkdocs.yml", "content")
    site = tmp_path / "site"
    result = mkdocs_build(config, site, cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "git_facts is off" not in result.stderr

    def facts(page: Path) -> dict[str, str]:
        html = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        card = html.select_one(".kb-card dl")
        return {dt.get_text(): dt.find_next_sibling("dd").get_text() for dt in card.select("dt")}

    d = facts(site / "defects/DEF-0001-invoice-export-loses-cents/index.html")
    # The first commit of the fixture was made by the repository's configured user, today.
    assert d["首次添加"].endswith(" · Zhang Wei")
    assert d["最后更新"] == '2025-03-04 · Bob b&amp; "Q" Lee'  # git drops <>; the rest is shown as text
    raw = (site / "defects/DEF-0001-invoice-export-loses-cents/index.html").read_text(encoding="utf-8")
    assert "&amp;amp;" in raw and '<time datetime="2025-03-04T10:00:00+08:00">2025-03-04</time>' in raw
    les = facts(site / "lessons/LES-0001-decimal-money/index.html")
    assert les["首次添加"] == d["首次添加"]  # history followed across the rename
    assert les["最后更新"] == "2025-04-05 · Carol"


def test_git_facts_outside_a_repository_warn_once(kb_dir: Path, tmp_path: Path):
    config = mkdocs_config(tmp_path / "mkdocs.yml", kb_dir, git_facts=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(config), "-d", str(tmp_path / "site")],
                            cwd=tmp_path, capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stderr
    warnings = [x for x in result.stderr.splitlines() if "git_facts is off" in x]
    assert len(warnings) == 1 and warnings[0].startswith("WARNING"), result.stderr
    assert "not inside a Git repository" in warnings[0]
    page = (tmp_path / "site/defects/DEF-0001-invoice-export-loses-cents/index.html").read_text(encoding="utf-8")
    assert "首次添加" not in page


def test_git_facts_refuse_a_shallow_clone(repo: Path, tmp_path: Path):
    from defectkb.vcs.history import FactsUnavailable, git_facts

    assert set(git_facts(repo / "content", ["defects", "lessons"])) == {DEFECT, LESSON}
    assert "_data/people.yml" in git_facts(repo / "content")
    edit(repo / D, ("environment: \"staging", "environment: \"staging-2"))
    commit(repo, "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    with pytest.raises(FactsUnavailable, match="shallow clone"):
        git_facts(shallow / "content")
