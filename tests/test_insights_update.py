"""The preview's figures and digests, updated for the entries an edit changed, equal what a
fresh pass over every entry makes: after each of many random edits in a row, compared as the
JSON the site writes (key order included) and by the entries they point at."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import timedelta

from conftest import ROOT
from defectkb.analytics import SummaryTally, summary, summary_facts
from defectkb.entries import Entry
from defectkb.insights.digests import DigestBook, digest_facts, rebind_digests
from defectkb.insights.figures import AllFigures, Tally, department_of, entry_facts, lesson_linked_ids
from defectkb.knowledgebase import KnowledgeBase, load

DEFECT_FIELDS = ("severity", "status", "reported_at", "resolved_at", "closed_at", "online", "defect_type",
                 "found_phase", "injected_phase", "reopen_count", "product", "pm", "reporter", "assignee", "verifier")
LESSON_FIELDS = ("created_at", "cause_category", "authors", "products", "pm", "action_items")


def _figures_text(figures: AllFigures) -> str:
    return json.dumps([f.as_json() for f in figures.scopes()], ensure_ascii=False)


def _digests_text(digests: dict) -> str:
    return json.dumps({kind: [d.as_json() for d in ds] for kind, ds in digests.items()}, ensure_ascii=False)


def _edit(rng: random.Random, kb: KnowledgeBase) -> dict[str, Entry]:
    """One to three entries, each with one field taken from another entry of its kind (or moved
    in time, or into a product no registry knows)."""
    out: dict[str, Entry] = {}
    for entry in rng.sample(kb.entries, rng.randint(1, 3)):
        m = entry.model
        same_kind = [e for e in kb.entries if e.kind == entry.kind and e is not entry]
        name = rng.choice(DEFECT_FIELDS if entry.kind == "defect" else LESSON_FIELDS)
        value = getattr(rng.choice(same_kind).model, name)
        if name in ("reported_at", "created_at") and rng.random() < 0.5:
            value = getattr(m, name) + timedelta(days=rng.choice([-400, -30, -7, 7, 30]))
        if name == "product" and rng.random() < 0.3:
            value = "ghost-product"
        if name == "products" and rng.random() < 0.3:
            value = [*m.products, "ghost-product"]
        if name == "action_items" and m.action_items and rng.random() < 0.5:
            item = m.action_items[0]
            value = [item.model_copy(update={"due": item.due + timedelta(days=rng.choice([-90, 90]))}),
                     *m.action_items[1:]]
        out[entry.id] = Entry(m.model_copy(update={name: value}), entry.source, entry.sections, entry.rel_path)
    return out


def test_updated_figures_digests_and_summary_equal_fresh_ones():
    rng = random.Random(20261203)
    kb = load(ROOT / "content")
    dept_of = department_of(kb)

    def figure_facts(k: KnowledgeBase) -> list:
        linked = lesson_linked_ids(k)
        return [entry_facts(e, dept_of, linked, k.today) for e in k.entries]

    figures, book = Tally.open(kb, figure_facts(kb)), DigestBook.open(kb)
    home = SummaryTally.open([summary_facts(e) for e in kb.entries])
    updated = afresh = 0
    for _ in range(60):
        changed = _edit(rng, kb)
        entries = [changed.get(e.id, e) for e in kb.entries]
        edited = replace(kb, entries=entries, by_id={e.id: e for e in entries})
        if lesson_linked_ids(edited) != lesson_linked_ids(kb):  # the preview tallies afresh then
            continue
        pairs = list(zip(figure_facts(kb), figure_facts(edited), strict=True))
        fresh = Tally.open(edited, figure_facts(edited))
        if figures.update([(b, a) for b, a in pairs if b != a], edited.today):
            updated += 1
        else:  # a product outside the registry came or went
            afresh += 1
            figures = fresh
        assert _figures_text(figures.figures) == _figures_text(fresh.figures), sorted(changed)

        digest_pairs = [(digest_facts(b), digest_facts(a)) for b, a in zip(kb.entries, entries, strict=True)]
        book.update([(b, a) for b, a in digest_pairs if b != a], edited.by_id)
        book.digests = rebind_digests(book.digests, edited.by_id)
        assert _digests_text(book.digests) == _digests_text(DigestBook.open(edited).digests), sorted(changed)
        pointed = [e for ds in book.digests.values() for d in ds
                   for e in (*d.new_defects, *d.resolved, *d.new_lessons, *d.serious, *(a.lesson for a in d.actions))]
        assert all(e is edited.by_id[e.id] for e in pointed), "a digest points at an entry of an earlier build"

        home.update([(summary_facts(b), summary_facts(a)) for b, a in zip(kb.entries, entries, strict=True)
                     if summary_facts(b) != summary_facts(a)])
        assert home.summary(edited.by_id) == summary(edited), sorted(changed)
        kb = edited
    assert updated >= 30 and afresh >= 1, (updated, afresh)


def test_unchanged_scopes_keep_their_figures():
    """One defect's new severity makes again the figures of the scopes it is in, and no other."""
    kb = load(ROOT / "content")
    dept_of, linked = department_of(kb), lesson_linked_ids(kb)
    facts = [entry_facts(e, dept_of, linked, kb.today) for e in kb.entries]
    t = Tally.open(kb, facts)
    before = t.figures
    i, defect = next((i, e) for i, e in enumerate(kb.entries) if e.kind == "defect")
    severity = next(s for s in type(defect.model.severity) if s != defect.model.severity)
    changed = Entry(defect.model.model_copy(update={"severity": severity}), defect.source, defect.sections,
                    defect.rel_path)
    assert t.update([(facts[i], entry_facts(changed, dept_of, linked, kb.today))], kb.today)
    made = {f.scope.id for f in t.figures.scopes() if all(f is not g for g in before.scopes())}
    assert made == {"all", f"product:{defect.model.product}",
                    *(f"department:{d}" for d in facts[i].departments)}


def test_entries_that_moved_in_the_list_pair_up_by_place_and_still_count_right():
    """The preview pairs old and new facts by their place in the list of entries (SiteContext._facts);
    a renamed file moves its entry, so a pair may hold two entries' facts. Taken together they are
    the same facts, and the updates take every old one out before putting a new one in."""
    kb = load(ROOT / "content")
    dept_of, linked = department_of(kb), lesson_linked_ids(kb)
    moved = [*kb.entries[5:], *kb.entries[:5]]  # the same entries, five of them now at the end
    first = moved[0]
    changed = Entry(first.model.model_copy(update={"created_at" if first.kind == "lesson" else "reported_at":
                                                   first.model.created_at if first.kind == "lesson"
                                                   else first.model.reported_at - timedelta(days=40)}),
                    first.source, first.sections, first.rel_path)
    entries = [changed, *moved[1:]]
    edited = replace(kb, entries=entries, by_id={e.id: e for e in entries})

    def pairs(of):
        return [(b, a) for b, a in zip(map(of, kb.entries), map(of, entries), strict=True) if b != a]

    figures = Tally.open(kb)
    assert figures.update(pairs(lambda e: entry_facts(e, dept_of, linked, kb.today)), kb.today)
    assert _figures_text(figures.figures) == _figures_text(Tally.open(edited).figures)
    book = DigestBook.open(kb)
    book.update(pairs(digest_facts), edited.by_id)
    assert _digests_text(book.digests) == _digests_text(DigestBook.open(edited).digests)
    home = SummaryTally.open([summary_facts(e) for e in kb.entries])
    home.update(pairs(summary_facts))
    assert home.summary(edited.by_id) == summary(edited)
