"""Resource bounds: hostile Markdown ends in a diagnostic at its line, or in a bounded build.

Python-Markdown is quadratic or recursive on some inputs (long runs of emphasis markers or
brackets, many inline elements in one paragraph, deep nesting, thousands of identical headings).
For each family: just over the limit, `kb validate` names the line and the fix and the build
refuses it; just under, the entry validates and a real `mkdocs build` finishes within a time and
memory bound, never with a traceback. The bodies under the limits share one build.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEFECT, ROOT, find, load_dir, mkdocs_build
from defectkb.policy.limits import BodyLimits, check_body

LIMITS = BodyLimits()
MAX_FILE = 1_000_000
# CPU seconds for one build of every worst-case entry below: about 15 here, of which some 10 are the
# fixed cost of any build (charts, insights, search); unbounded, these inputs take minutes or crash.
BUILD_SECONDS = 45
BUILD_RSS = 1536 * 1024 * 1024  # bytes
WORDS = "The export rounds each line before summing, so totals drift by one cent. "


def fill(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


def nested_list(depth: int) -> str:
    return "".join("    " * i + f"- level {i + 1}\n" for i in range(depth))


def nested_quote(depth: int) -> str:
    return "> " * depth + "quoted\n"


# Just under the limits, each filling most of a file of max_file_bytes.
UNDER: dict[str, Callable[[int], str]] = {
    "huge-body": lambda size: fill(WORDS * 3 + "\n\n", size),
    "long-lines": lambda size: fill(fill(WORDS, LIMITS.max_line_chars)[: LIMITS.max_line_chars] + "\n\n", size),
    "nesting": lambda size: (nested_list(LIMITS.max_nesting) + "\n" + nested_quote(LIMITS.max_nesting) + "\n")
                            * (LIMITS.max_list_items // LIMITS.max_nesting - 10),
    "headings": lambda size: "".join(f"### Note\n\n{WORDS}\n\n" for _ in range(LIMITS.max_headings - 20)),
    "marker-runs": lambda size: "".join(f"x {c * LIMITS.max_marker_run} x\n\n" for c in "*_`[]()<>\\&~") * 20,
    "dense-inline": lambda size: fill(fill("*a* ", 2_000) + "\n\n", LIMITS.max_inline_work // 2_000_000 * 2_002 - 2_002),
    "brackets": lambda size: ("[a " * 40 + fill("a ", LIMITS.max_line_chars - 400) + "\n\n")
                             + fill("[x](y " + "a " * 100 + "\n\n", 100_000),
    "table": lambda size: "| a | b | c |\n|---|---|---|\n" + "| `x` | *y* | [z](https://example.com/z) |\n"
                          * (LIMITS.max_table_rows - 10),
    "list-items": lambda size: "- [ ] task item\n" * (LIMITS.max_list_items - 50),
    "code-blocks": lambda size: "```python\nx = [1, *y]\n```\n\n" * (LIMITS.max_code_blocks - 20),
    "rules": lambda size: "text\n\n---\n\n" * (LIMITS.max_rules - 20),
    "reference-links": lambda size: "".join(f"[ref {i}][r{i}]\n" for i in range(2000)) + "\n\n"
                                    + "".join(f"[r{i}]: https://example.com/{i}\n\n" for i in range(8000)),
}
UNDER["emphasis"] = lambda size: ("**a " * LIMITS.max_emphasis_nesting + "b" + " a**" * LIMITS.max_emphasis_nesting
                                  + "\n\n") * 200

# Just over a limit: (body, code, body line of the diagnostic (1-based), column or None).
OVER: dict[str, tuple[str, str, int, int | None]] = {
    "huge-line": ("intro\n\n" + fill(WORDS, 900_000), "KB014", 3, LIMITS.max_line_chars + 1),
    "line-one-over": ("x" * (LIMITS.max_line_chars + 1), "KB014", 1, LIMITS.max_line_chars + 1),
    "nested-list": ("text\n\n" + nested_list(LIMITS.max_nesting + 1), "KB016", 3 + LIMITS.max_nesting, 1),
    "nested-list-one-line": ("- " * 5_000 + "x", "KB016", 1, 1),
    "nested-quote": ("text\n\n" + nested_quote(LIMITS.max_nesting + 1), "KB016", 3, 1),
    "nested-quote-run": (">" * 400_000 + " x", "KB016", 1, 1),
    "nested-emphasis": ("**a " * 40 + "b" + " a**" * 40, "KB016", 1,
                        4 * LIMITS.max_emphasis_nesting + 1),
    "headings": ("".join(f"### Note\n\n{WORDS}\n\n" for _ in range(LIMITS.max_headings + 1)), "KB015",
                 1 + 4 * LIMITS.max_headings, 1),
    "star-run": ("text\n\nsee " + "*" * 900_000, "KB017", 3, 5),
    "underscore-run": ("_" * (LIMITS.max_marker_run + 1), "KB017", 1, 1),
    "backtick-run": ("a `" + "`" * 500_000, "KB017", 1, 3),
    "bracket-run": ("a\n\n[" * 1 + "[" * 300_000, "KB017", 3, 1),
    "lt-run": ("<" * 300_000, "KB017", 1, 1),
    "emphasis-words": (fill("*a ", 900_000), "KB820", 1, 1),
    "emphasis-pairs": ("ok\n\n" + fill("*a* \n", 900_000), "KB820", 3, 1),
    "lt-tags": (fill("<a", 900_000), "KB820", 1, 1),
    "entities": (fill("&amp;\n", 900_000), "KB820", 1, 1),
    "unclosed-brackets": ("text\n\n" + fill("[a ", 300_000), "KB821", 3, 1),
    "nested-brackets": ("[a" * 3_000 + "](b)" * 3_000, "KB821", 1, 1),
    "link-targets": ("text\n\nx " + fill("[a](", 200_000), "KB821", 3, 6),
    "image-brackets": (fill("![", 200_000), "KB821", 1, 2),
    "table-rows": ("| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * 90_000, "KB015", LIMITS.max_table_rows + 1, 1),
    "table-cells": ("| a |\n|---|\n" + fill("|x", 600_000), "KB014", 3, LIMITS.max_line_chars + 1),
    "list-items": ("- item\n" * (LIMITS.max_list_items + 1), "KB015", LIMITS.max_list_items + 1, 1),
    "task-items": ("- [ ] x\n" * 100_000, "KB015", LIMITS.max_list_items + 1, 1),
    "code-blocks": ("```\nx\n```\n" * (LIMITS.max_code_blocks + 1), "KB015", 1 + 3 * LIMITS.max_code_blocks, 1),
    "rules": ("x\n\n" + "***\n\n" * (LIMITS.max_rules + 1), "KB015", 3 + 2 * LIMITS.max_rules, 1),
    "reference-definitions": ("".join(f"[r{i}]: https://example.com/{i}\n" for i in range(25_000)), "KB820", 1, 1),
}


def body_file(kb_dir: Path, body: str, name: str, number: int) -> tuple[Path, int]:
    """A copy of the sample defect with `body` before its sections; returns the file and the body's first line."""
    source = (kb_dir / DEFECT).read_text(encoding="utf-8")
    ident = f"DEF-{number:04d}"
    source = (source.replace("id: DEF-0001", f"id: {ident}", 1).replace("title: ", f"title: {name} bounds ", 1)
              .replace("related_lessons: [LES-0001]\n", "").replace("severity: serious", "severity: normal"))
    meta, sections = source.split("\n---\n", 1)
    text = meta + "\n---\n\n"
    first = text.count("\n") + 1
    text += body.rstrip("\n") + "\n\n" + sections
    assert len(text.encode()) < MAX_FILE, (name, len(text.encode()))
    path = kb_dir / "defects" / f"{ident}-{name}.md"
    path.write_text(text, encoding="utf-8")
    return path, first


def mkdocs_config(kb_dir: Path, tmp_path: Path) -> Path:
    """The repository's mkdocs.yml (its Markdown extensions) over the temporary knowledge base."""
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("docs_dir: content",
                                                                                  f"docs_dir: {kb_dir}"),
                      encoding="utf-8")
    return config


@pytest.mark.parametrize("family", sorted(OVER))
def test_over_a_limit_is_a_diagnostic_at_its_line(kb_dir: Path, family: str) -> None:
    body, code, line, column = OVER[family]
    _, first = body_file(kb_dir, body, family, 2)
    started = time.process_time()  # CPU time: a busy machine's neighbours do not count
    kb = load_dir(kb_dir)
    elapsed = time.process_time() - started
    found = find(kb, code)
    assert found.path.endswith(f"DEF-0002-{family}.md")
    assert found.line == first + line - 1, (found.line - first + 1, found.message)
    if column is not None:
        assert found.column == column, found.message
    assert "kb.yml" in (found.hint or "")
    assert elapsed < 10, f"validate took {elapsed:.1f} s of CPU"  # linear checks, and no slow parse after them


def test_validate_and_build_refuse_an_entry_over_a_limit(kb_dir: Path, tmp_path: Path) -> None:
    body, code, line, _ = OVER["nested-emphasis"]
    path, first = body_file(kb_dir, body, "nested-emphasis", 2)
    result = subprocess.run([sys.executable, "-m", "defectkb", "validate", str(kb_dir)], capture_output=True,
                            text=True, cwd=kb_dir, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert f"{path.name}:{first + line - 1}:" in result.stdout and code in result.stdout, result.stdout
    build = mkdocs_build(mkdocs_config(kb_dir, tmp_path), tmp_path / "site")
    assert build.returncode != 0 and "Traceback" not in build.stderr
    assert code in build.stderr and "the knowledge base has" in build.stderr


def test_limits_are_configurable_in_kb_yml(kb_dir: Path) -> None:
    body_file(kb_dir, "x" * 500 + "\n", "configured", 2)
    assert not [d for d in load_dir(kb_dir).diagnostics if d.code == "KB014"]
    (kb_dir / "kb.yml").write_text("limits:\n  max_line_chars: 400\n", encoding="utf-8")
    from defectkb.knowledgebase import load_paths

    (kb,), problems = load_paths([kb_dir])
    assert not problems
    assert [d.code for d in kb.diagnostics if d.code == "KB014"] == ["KB014"]


def test_sample_content_is_far_from_every_limit() -> None:
    """No real write-up comes near the limits: the sample passes with a tenth of each."""
    tight = BodyLimits(**{k: max(1, v // 10) if k.startswith("max_") and k not in (
        "max_nesting", "max_emphasis_nesting", "max_marker_run") else v for k, v in vars_of(LIMITS).items()})
    for path in sorted((ROOT / "content").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        body = text.split("\n---\n", 1)[-1]
        assert not list(check_body(body, tight)), path


def vars_of(limits: BodyLimits) -> dict[str, int]:
    return {name: getattr(limits, name) for name in limits.__slots__}


def test_under_the_limits_everything_validates_and_builds_in_bounded_time(kb_dir: Path, tmp_path: Path) -> None:
    for number, (name, make) in enumerate(sorted(UNDER.items()), start=2):
        body = make(MAX_FILE - 6_000)
        assert not list(check_body(body, LIMITS)), name
        body_file(kb_dir, body, name, number)
    kb = load_dir(kb_dir)
    errors = [(d.path, d.line, d.code, d.message) for d in kb.diagnostics if d.severity.value == "error"]
    assert not errors
    site = tmp_path / "site"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = mkdocs_build(mkdocs_config(kb_dir, tmp_path), site)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    rss = after.ru_maxrss * 1024  # kilobytes on Linux
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    # CPU time is the bound (wall time on a shared machine also measures the neighbours).
    assert cpu < BUILD_SECONDS, f"build of {len(UNDER)} worst-case entries took {cpu:.1f} s of CPU"
    assert elapsed < BUILD_SECONDS * 3, f"build of {len(UNDER)} worst-case entries took {elapsed:.1f} s"
    assert rss < BUILD_RSS or before.ru_maxrss * 1024 >= BUILD_RSS, f"build used {rss / 2**20:.0f} MiB"
    for name in UNDER:
        page = next((site / "defects").glob(f"DEF-*-{name}/index.html"))
        assert page.stat().st_size > 1_000, name
    shutil.rmtree(site)
