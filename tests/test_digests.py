"""Retrospective digests of the real sample build: contents recomputed from plain YAML."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT
from test_insights import day_of, sample, stats_json


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def bounds(key: str) -> tuple[date, date]:
    if "-W" in key:
        year, week = key.split("-W")
        start = date.fromisocalendar(int(year), int(week), 1)
        return start, start + timedelta(days=6)
    if "-Q" in key:
        year, q = int(key[:4]), int(key[-1])
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1) - timedelta(days=1)
        return start, end
    year, month = int(key[:4]), int(key[5:])
    return date(year, month, 1), date(year + (month == 12), 1 if month == 12 else month + 1, 1) - timedelta(days=1)


def latest_week() -> str:
    last = max(day_of(d["reported_at"]) for d in sample("defect"))
    iso = last.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


PERIODS = ["2026-11", "2026-Q4", latest_week()]


@pytest.mark.parametrize("key", PERIODS)
def test_digest_lists_the_period(built_site: Path, key: str):
    start, end = bounds(key)
    defects, lessons = sample("defect"), sample("lesson")

    def within(value: object) -> bool:
        return value is not None and start <= day_of(value) <= end

    new = sorted(d["id"] for d in defects if within(d["reported_at"]))
    resolved = sorted(d["id"] for d in defects if within(d.get("resolved_at")))
    new_lessons = sorted(le["id"] for le in lessons if within(le["created_at"]))
    serious = sorted(d["id"] for d in defects if d["severity"] in ("fatal", "serious")
                     and (within(d["reported_at"]) or within(d.get("resolved_at"))))
    assert new, f"the sample should have defects in {key}"

    page = soup(built_site / "digests" / key / "index.html")
    assert page.select_one("h1").get_text().endswith(key)

    def ids(table: str) -> list[str]:
        return sorted(tr["data-id"] for tr in page.select(f"#{table} tbody tr"))

    assert ids("kb-digest-new") == new
    assert ids("kb-digest-resolved") == resolved
    assert ids("kb-digest-lessons") == new_lessons
    listed = sorted(li.select_one("a").get_text().split(" ")[0] for li in page.select("ul.kb-serious > li"))
    assert listed == serious
    figures = {tr["data-key"]: tr.select("td") for tr in page.select("#kb-digest-figures tbody tr")}
    assert figures["new_defects"][0].get_text() == str(len(new))
    assert figures["resolved"][0].get_text() == str(len(resolved))
    assert figures["online"][0].get_text() == str(sum(1 for d in defects if within(d["reported_at"]) and d["online"]))

    # the previous period, and the arrow comparing them
    prev_start = (start - timedelta(days=1))
    prev_key = {"-W": lambda: f"{prev_start.isocalendar().year}-W{prev_start.isocalendar().week:02d}",
                "-Q": lambda: f"{prev_start.year}-Q{(prev_start.month - 1) // 3 + 1}"}
    pk = next((f() for marker, f in prev_key.items() if marker in key), prev_start.strftime("%Y-%m"))
    ps, pe = bounds(pk)
    before = sum(1 for d in defects if ps <= day_of(d["reported_at"]) <= pe)
    assert figures["new_defects"][1].get_text() == str(before)
    change = figures["new_defects"][2].get_text()
    assert change == "=" if before == len(new) else change.startswith("▲" if len(new) > before else "▼")

    # who contributed: reporters of the new defects are all there
    people = {a["href"].rstrip("/").split("/")[-1] for a in page.select("#kb-digest-contributors a")}
    assert {d["reporter"] for d in defects if within(d["reported_at"])} <= people

    # the same digest in api/stats.json
    kind = "week" if "-W" in key else "quarter" if "-Q" in key else "month"
    digest = next(d for d in stats_json(built_site)["digests"][kind] if d["period"] == key)
    assert sorted(digest["new_defects"]) == new and sorted(digest["resolved"]) == resolved


def test_only_periods_with_activity_get_a_page(built_site: Path):
    """Activity: a defect reported, resolved, or closed/rejected without a fix; a lesson written."""
    open_statuses = {"new", "analyzing", "fixing", "testing", "reopened", "deferred"}
    defects, lessons = sample("defect"), sample("lesson")
    days = [day_of(d["reported_at"]) for d in defects]
    days += [day_of(d["resolved_at"]) for d in defects if d.get("resolved_at")]
    days += [day_of(d["closed_at"]) for d in defects
             if d.get("closed_at") and not d.get("resolved_at") and d["status"] not in open_statuses]
    days += [day_of(le["created_at"]) for le in lessons]
    expected = {x.strftime("%Y-%m") for x in days}
    expected |= {f"{x.year}-Q{(x.month - 1) // 3 + 1}" for x in days}
    expected |= {f"{x.isocalendar().year}-W{x.isocalendar().week:02d}" for x in days}
    pages = {p.parent.name for p in (built_site / "digests").glob("*/index.html")}
    assert pages == expected
    index = soup(built_site / "digests" / "index.html")
    linked = {a["href"].rstrip("/").split("/")[-1] for a in index.select(".kb-digest-list a")}
    assert linked == pages


def test_digest_prints_cleanly():
    css = (ROOT / "kb" / "assets" / "kb.css").read_text(encoding="utf-8")
    block = css[css.index("@media print"):]
    assert "size: A4" in block
    for chrome in (".md-header", ".md-sidebar", ".md-footer", ".md-tabs"):
        assert chrome in block.split("{ display: none")[0]



def _canon(value: object) -> object:
    """A comparable picture of a result: entries by id, dataclasses by their fields."""
    import dataclasses

    from defectkb.entries import Entry

    if isinstance(value, Entry):
        return ("entry", value.id)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(_canon(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canon(v) for v in value]
    return value


def _entries_in(value: object) -> list:
    import dataclasses

    from defectkb.entries import Entry

    if isinstance(value, Entry):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [e for f in dataclasses.fields(value) for e in _entries_in(getattr(value, f.name))]
    if isinstance(value, dict):
        return [e for v in value.values() for e in _entries_in(v)]
    if isinstance(value, list | tuple):
        return [e for v in value for e in _entries_in(v)]
    return []


def test_equal_facts_make_equal_results():
    """The preview keeps the digests, the summary and the people figures while every entry's facts
    for them are equal (SiteContext._facts), pointing them at the new build's entries: an edit that
    changes a result must change a fact. Each field they read is edited here; one missing from a
    facts function fails this test."""
    from dataclasses import replace

    from defectkb.analytics import people_facts, people_stats, rebind_people, rebind_summary, summary, summary_facts
    from defectkb.entries import Entry
    from defectkb.enums import ActionStatus, CauseCategory, DefectStatus, DefectType, Severity
    from defectkb.insights.digests import build, digest_facts, rebind_digests
    from defectkb.knowledgebase import load

    kept_results = {"digests": (digest_facts, build, rebind_digests), "summary": (summary_facts, summary, rebind_summary),
                    "people": (people_facts, people_stats, rebind_people)}
    kb = load(ROOT / "content")
    defect = next(e for e in kb.entries if e.kind == "defect" and e.model.resolved_at is not None
                  and e.model.assignee and e.model.verifier)
    lesson = next(e for e in kb.entries if e.kind == "lesson" and e.model.action_items and e.model.reviewers)
    item = lesson.model.action_items[0]
    later = timedelta(days=40)
    edits = [
        (defect, {"title": "another title"}), (lesson, {"title": "another title"}),
        (defect, {"reported_at": defect.model.reported_at - later}),
        (defect, {"resolved_at": defect.model.resolved_at + later}),
        (defect, {"resolved_at": None, "status": DefectStatus.fixing}),
        (defect, {"status": next(s for s in (DefectStatus.closed, DefectStatus.rejected) if s != defect.model.status)}),
        (defect, {"closed_at": defect.model.resolved_at + later}),
        (defect, {"severity": Severity.fatal if defect.model.severity != Severity.fatal else Severity.minor}),
        (defect, {"online": not defect.model.online}),
        (defect, {"defect_type": next(t for t in DefectType if t != defect.model.defect_type)}),
        (defect, {"reporter": defect.model.assignee}), (defect, {"assignee": defect.model.reporter}),
        (defect, {"verifier": defect.model.reporter}), (defect, {"pm": lesson.model.pm}),
        (lesson, {"pm": defect.model.pm}), (lesson, {"reviewers": [*lesson.model.reviewers, "li.lei"]}),
        (lesson, {"created_at": lesson.model.created_at - later}),
        (lesson, {"cause_category": next(c for c in CauseCategory if c != lesson.model.cause_category)}),
        (lesson, {"authors": [*lesson.model.authors, "li.lei"]}),
        *((lesson, {"action_items": [item.model_copy(update={field: value}), *lesson.model.action_items[1:]]})
          for field, value in (("id", "Z9"), ("description", "another step"), ("owner", "li.lei"),
                               ("due", item.due - later), ("status", next(s for s in ActionStatus if s != item.status)))),
    ]
    kept: dict[str, int] = dict.fromkeys(kept_results, 0)
    for name, (facts_of, make, rebind_to) in kept_results.items():
        before = make(kb)
        for entry, update in edits:
            changed = Entry(entry.model.model_copy(update=update), entry.source, entry.sections, entry.rel_path)
            entries = [changed if e is entry else e for e in kb.entries]
            edited = replace(kb, entries=entries, by_id={e.id: e for e in entries})
            if [facts_of(e) for e in entries] != [facts_of(e) for e in kb.entries]:
                continue
            kept[name] += 1
            assert _canon(make(edited)) == _canon(before), (name, update)
            rebound = rebind_to(before, edited.by_id)  # what the preview shows: this build's entries
            assert _canon(rebound) == _canon(before)
            assert all(e is edited.by_id[e.id] for e in _entries_in(rebound)), name
    # each is kept through some edits (the titles at least) and made again after others
    assert all(2 <= n < len(edits) for n in kept.values()), kept
