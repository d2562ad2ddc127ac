"""One failing fixture per rule: the code, the line and column, and the message."""

from __future__ import annotations

import pytest
from conftest import DEFECT, LESSON, edit, find, load_dir
from defectkb.diagnostics import Severity

D, L = DEFECT, LESSON

# (id, file, replacements, code, line, column, words in the message, words in the hint)
CASES = [
    ("enum", D, [("severity: serious", "severity: critical")], "KB104", 13, 11,
     "`severity` must be one of fatal, serious, normal, minor; got `critical`", None),
    ("enum-chinese-label", D, [("severity: serious", "severity: 严重")], "KB104", 13, 11,
     "got `严重`", "write `serious`"),
    ("enum-typo", D, [("found_phase: system_test", "found_phase: sytem_test")], "KB104", 17, 14,
     "`found_phase` must be one of", "did you mean `system_test`?"),
    ("unknown-field", D, [("tags: [precision, data-quality]\n", "tags: [precision, data-quality]\nserverity: x\n")],
     "KB102", 36, 1, "unknown field `serverity`", "did you mean `severity`?"),
    ("unknown-nested-field", D, [("  tracker:", "  trackr:")], "KB102", 30, 3,
     "unknown field `links.trackr`", "did you mean `tracker`?"),
    ("missing-field", D, [("reporter: sun.li\n", "")], "KB101", 2, 1, "missing required field `reporter`", None),
    ("wrong-type", D, [('fixed_version: "2.3.2"', "fixed_version: 2.4")], "KB103", 23, 16,
     "`fixed_version` must be a string, got float `2.4`", 'quote it: "2.4"'),
    ("wrong-type-list-item", D, [('affected_versions: ["2.3.0", "2.3.1"]', 'affected_versions: ["2.3.0", 2.3]')],
     "KB103", 22, 30, "`affected_versions[1]` must be a string", None),
    ("id-form", D, [("id: DEF-0001", "id: DEF-1")], "KB105", 3, 5, "`id` has the wrong form", "DEF-0042"),
    ("unsafe-link", D, [("tracker: https://tracker.example.com/BILL-1042", "tracker: javascript:alert(1)")],
     "KB105", 30, 12, "only http:// and https:// links", None),
    ("naive-datetime", D, [("reported_at: 2025-06-03T10:05:00+08:00", "reported_at: 2025-06-03 10:05:00")],
     "KB106", 25, 14, "time of day but no timezone", "+08:00"),
    ("duplicate-key", D, [("severity: serious\n", "severity: serious\nseverity: minor\n")], "KB007", 14, 1,
     "duplicate key `severity` (first at line 13)", None),
    ("yaml-syntax", D, [("title: 导出", "title: [导出")], "KB005", 5, 7, "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence started at line 4)", None),
    ("yaml-tab", D, [("  tracker:", "\ttracker:")], "KB013", 30, 1, "tab character", "spaces"),
    ("field-required-by-status", D, [("injected_phase: coding", "injected_phase: null")], "KB201", 18, 1,
     "status `closed` requires `injected_phase`", None),
    ("field-required-absent", D, [("verifier: zhou.ming\n", "")], "KB201", 5, 9,
     "status `closed` requires `verifier`", None),
    ("code-link-required", D, [("  commits: [9f2c1e7]\n", ""), ('  merge_requests: ["https://git.example.com/billing/'
                                "billing-api/-/merge_requests/381\"]\n", "")],
     "KB201", 5, 9, "requires `links.commits` or `links.merge_requests`", None),
    ("section-required", D, [("## 验证结果 / Verification", "## Notes")], "KB202", 5, 9,
     "status `closed` requires the section `Verification / 验证结果`", "## Verification / 验证结果"),
    ("subsection-required", D, [("### 预期结果 / Expected Result", "### 结果")], "KB202", 5, 9,
     "requires the section `Expected Result / 预期结果`", "under `## Description / 缺陷描述`"),
    ("section-empty", D, [("- 导出链路全程使用", "<!-- todo -->\n- 导出链路全程使用")], None, 0, 0, "", None),
    ("status-resolution", D, [("resolution: fixed", "resolution: wont_fix")], "KB205", 12, 13,
     "status `closed` needs resolution `fixed`; got `wont_fix`", None),
    ("open-with-resolution", D, [("status: closed", "status: fixing")], "KB205", 12, 13,
     "an open defect has no resolution", None),
    ("must-be-empty", D, [("status: closed", "status: testing")], "KB206", 27, 1,
     "`verified_at` must be empty while the status is `testing`", None),
    ("time-order", D, [("resolved_at: 2025-06-05T18:30:00+08:00", "resolved_at: 2025-06-02T18:30:00+08:00")],
     "KB301", 26, 14, "`resolved_at` (2025-06-02 18:30:00+08:00) is before `reported_at`", None),
    ("future", D, [("closed_at: 2025-06-06T15:20:00+08:00", "closed_at: 2099-06-06T15:20:00+08:00")],
     "KB302", 28, 12, "`closed_at` is in the future", None),
    ("version-listed", D, [('fixed_version: "2.3.2"', 'fixed_version: "2.3.1"')], "KB303", 23, 16,
     "fixed version `2.3.1` is also listed as affected", None),
    ("version-order", D, [('fixed_version: "2.3.2"', 'fixed_version: "2.2.9"')], "KB303", 23, 16,
     "is not after the highest affected version `2.3.1`", None),
    ("escape-flag", D, [("online: false", "online: true")], "KB304", 20, 9,
     "`online: true` but `found_phase: system_test`", None),
    ("online-internal", D, [("found_phase: system_test", "found_phase: production"), ("online: false", "online: true"),
                            ("impact_scope: partial", "impact_scope: internal")], "KB304", 19, 15,
     "impact cannot be `internal`", None),
    ("severity-priority", D, [("severity: serious", "severity: fatal"), ("priority: p1", "priority: p3")],
     "KB305", 14, 11, "a fatal defect at priority p3", "priority_rationale"),
    ("separation-of-duties", D, [("verifier: zhou.ming", "verifier: chen.jie")], "KB306", 11, 11,
     "`chen.jie` both fixed and verified", None),
    ("lesson-reviewer-is-author", L, [("reviewers: [sun.li, zhang.wei]", "reviewers: [chen.jie]")], "KB306", 11, 12,
     "`chen.jie` both wrote and reviewed", None),
    ("action-due-early", L, [("due: 2025-07-01", "due: 2025-06-01")], "KB307", 19, 80,
     "action item A1 is due (2025-06-01) before the lesson was created", None),
    ("overdue", L, [("due: 2025-07-01, status: done", "due: 2025-07-01, status: todo")], "KB308", 19, 80,
     "action item A1 (chen.jie) was due 2025-07-01 and is still todo", None),
    ("applied-open-items", L, [("status: published", "status: applied"),
                               ("due: 2025-06-20, status: done", "due: 2027-06-20, status: in_progress")],
     "KB307", 20, 111, "lesson is `applied` but action item A2 is `in_progress`", None),
    ("duplicate-without-original", D, [("status: closed", "status: rejected"), ("resolution: fixed", "resolution: duplicate")],
     "KB309", 12, 13, "resolution `duplicate` needs `duplicate_of`", None),
    ("unknown-person", D, [("pm: zhang.wei", "pm: zhang.wie")], "KB401", 8, 5, "unknown person `zhang.wie`",
     "did you mean `zhang.wei`?"),
    ("person-by-name", D, [("reporter: sun.li", "reporter: 孙丽")], "KB401", 9, 11, "unknown person `孙丽`",
     "`孙丽` is the name of `sun.li`"),
    ("not-a-pm", D, [("pm: zhang.wei", "pm: chen.jie")], "KB402", 8, 5, "`chen.jie` (陈杰) is not a product manager", None),
    ("pm-of-other-product", D, [("pm: zhang.wei", "pm: emily.chen")], "KB402", 8, 5, "is not a PM of `billing`",
     "li.na, zhang.wei"),
    ("unknown-component", D, [("component: invoice-export", "component: invoice-exprt")], "KB403", 7, 12,
     "product `billing` has no component `invoice-exprt`", "did you mean `invoice-export`?"),
    ("unknown-product", D, [("product: billing", "product: biling")], "KB403", 6, 10, "unknown product `biling`",
     "did you mean `billing`?"),
    ("unknown-tag", D, [("tags: [precision, data-quality]", "tags: [precison, data-quality]")], "KB404", 35, 8,
     "unknown tag `precison`", "did you mean `precision`?"),
    ("unknown-entry", D, [("related_lessons: [LES-0001]", "related_lessons: [LES-0001, LES-0009]")], "KB405", 34, 29,
     "no entry has the id `LES-0009`", None),
    ("missing-backlink", L, [("source_defects: [DEF-0001]", "source_defects: []")], "KB406", 7, 17,
     "DEF-0001 lists this lesson in related_lessons, but source_defects does not list DEF-0001", None),
    ("lesson-required", D, [("related_lessons: [LES-0001]", "related_lessons: []")], "KB407", 5, 9,
     "a closed serious defect needs a lesson", None),
    ("id-prefix", L, [("id: LES-0001", "id: DEF-0101")], "KB502", 3, 5, "a lesson id starts with `LES-`", None),
    ("file-name", D, [("id: DEF-0001", "id: DEF-0002")], "KB503", 3, 5,
     "file name `DEF-0001-invoice-export-loses-cents.md` does not start with the id `DEF-0002`", None),
]


@pytest.mark.parametrize(("name", "file", "edits", "code", "line", "column", "message", "hint"),
                         [c for c in CASES if c[3]], ids=[c[0] for c in CASES if c[3]])
def test_rule(kb_dir, name, file, edits, code, line, column, message, hint):
    edit(kb_dir / file, *edits)
    kb = load_dir(kb_dir)
    d = find(kb, code)
    assert d.path == file
    assert (d.line, d.column) == (line, column), d
    assert message in d.message
    if hint:
        assert d.hint and hint in d.hint, d.hint


def test_section_with_only_a_comment_is_empty(kb_dir):
    text = (kb_dir / D).read_text(encoding="utf-8")
    start = text.index("## 解决方案 / Solution")
    end = text.index("## 测试方法 / Test Method")
    (kb_dir / D).write_text(text[:start] + "## 解决方案 / Solution\n\n<!-- later -->\n\n" + text[end:], encoding="utf-8")
    kb = load_dir(kb_dir)
    d = find(kb, "KB203")
    assert (d.line, d.column) == (text[:start].count("\n") + 1, 1)
    assert d.message == "section `解决方案 / Solution` is empty"


def test_warnings_are_warnings(kb_dir):
    edit(kb_dir / D, ("severity: serious", "severity: minor"), ("priority: p1", "priority: p0"))
    kb = load_dir(kb_dir)
    assert find(kb, "KB305").severity is Severity.WARNING


def test_duplicate_id(kb_dir):
    src = kb_dir / D
    (kb_dir / "defects" / "DEF-0001-copy.md").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    kb = load_dir(kb_dir)
    d = find(kb, "KB501")
    assert (d.path, d.line, d.column) == (D, 3, 5)
    assert "also in defects/DEF-0001-copy.md" in d.message


def test_wrong_folder(kb_dir):
    (kb_dir / D).rename(kb_dir / "lessons" / "DEF-0001-invoice-export-loses-cents.md")
    kb = load_dir(kb_dir)
    d = find(kb, "KB503")
    assert (d.line, d.column) == (2, 7)
    assert d.message == "a defect belongs in `defects/`, not `lessons/`"


def test_status_not_enabled(kb_dir):
    from defectkb.config import _defect_defaults

    cfg = _defect_defaults()
    cfg.statuses.remove("closed")
    kb = load_dir(kb_dir, defect=cfg)
    d = find(kb, "KB204")
    assert (d.line, d.column) == (5, 9)


def test_reopened_needs_history_and_count(kb_dir):
    edit(kb_dir / D, ("status: closed", "status: reopened"), ("resolution: fixed", "resolution: null"),
         ("resolved_at: 2025-06-05T18:30:00+08:00", "resolved_at: null"),
         ("verified_at: 2025-06-06T11:00:00+08:00", "verified_at: null"),
         ("closed_at: 2025-06-06T15:20:00+08:00", "closed_at: null"))
    kb = load_dir(kb_dir)
    got = {(d.code, d.message) for d in kb.diagnostics}
    assert ("KB202", "status `reopened` requires the section `Reopen History / 重新打开记录`") in got
    assert ("KB201", "status `reopened` requires `reopen_count` of at least 1") in got


def test_registry_shortcut_agrees_with_the_full_check():
    """check_references skips the full registry check of an entry only when it would find nothing:
    over the sample knowledge base and every kind of wrong reference written into it."""
    from conftest import CONTENT
    from defectkb.rules.references import _all_known, _registry_refs

    kb = load_dir(CONTENT)
    reg = kb.registry
    person, product = next(iter(reg.people)), next(iter(reg.products))
    not_pm = next(p for p, v in reg.people.items() if "pm" not in {r.value for r in v.roles})
    other_pm = next((p for p, v in reg.people.items() if "pm" in {r.value for r in v.roles}
                     and not all(p in reg.products[k].pms for k in reg.products)), None)
    mutations = [
        {}, {"pm": "nobody"}, {"pm": not_pm}, {"reporter": "nobody"}, {"assignee": ["nobody"]},
        {"verifier": 3}, {"authors": [person, "nobody"]}, {"reviewers": "nobody"}, {"product": "nope"},
        {"products": ["nope"]}, {"applies_to": ["nope"]}, {"component": "nope"}, {"tags": ["no-such-tag"]},
        {"tags": [3, ["x"]]}, {"action_items": [{"owner": "nobody"}]}, {"action_items": [{"owner": person}, "x"]},
        {"product": product}, {"products": [product]},
    ]
    if other_pm:
        mutations.append({"pm": other_pm})
    compared = skipped = 0
    for src in kb.sources:
        assert src.meta is not None
        for change in mutations:
            meta = {**src.meta, **change}
            copy = type(src)(src.path, src.display)
            copy.meta, copy.located, copy.kind = meta, src.located, src.kind
            found = list(_registry_refs(reg, copy))
            assert _all_known(reg, meta, src.kind) == (not found), (src.display, change, found)
            compared += 1
            skipped += not found
    assert compared > 500 and 0 < skipped < compared  # both answers were exercised
