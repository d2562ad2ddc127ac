"""Entries like a given one, found fast enough for 100,000 entries.

Two steps. An inverted index over cheap grams (ASCII words, and character bigrams for Chinese,
which need no dictionary) finds the few entries that share rare grams with the query; only those
are scored, with rapidfuzz on jieba-segmented titles. jieba is imported and its dictionary
loaded only when a title actually contains Chinese.
"""

from __future__ import annotations

import bisect
import heapq
import logging
import math
import re
import sys
import threading
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CLASS}]+")
_SPLIT_CJK = re.compile(f"([{_CJK_CLASS}]+)")
_WORD = re.compile(r"[a-z0-9]+")
# Words too common in titles to say anything about a defect; they are not index keys.
_STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "of",
    "on", "or", "the", "to", "when", "with", "without", "not", "no", "after", "before", "while",
})

COMMON = 500  # a gram in more entries than this is looked up only when the query has nothing rarer
FALLBACK_POSTINGS = 4000  # postings a query of common grams only may look up (at least its three rarest)
CANDIDATES = 60  # entries scored with rapidfuzz per query, whatever the size of the knowledge base
SHOWN_FROM = 45.0  # a listed entry scores at least this (0-100)


def normalise(text: str) -> str:
    """Full-width forms to ASCII, lower case: `ＡＰＩ` and `api` are the same word."""
    return unicodedata.normalize("NFKC", text).lower()


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def grams(text: str) -> set[str]:
    """Index keys: ASCII words of two or more characters, and bigrams of Chinese runs."""
    norm = normalise(text)
    out = {w for w in _WORD.findall(norm) if len(w) > 1 and w not in _STOPWORDS}
    for run in _CJK.findall(norm):
        if len(run) == 1:
            out.add(run)
        else:
            out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def grams_among(text: str, vocabulary: frozenset[str]) -> set[str]:
    """`grams(text) & vocabulary`, without making every bigram of a long text: a Chinese bigram
    is in the text exactly when it is a substring of it."""
    norm = normalise(text)
    found = {w for w in _WORD.findall(norm) if w in vocabulary}
    found.update(g for g in vocabulary if not g.isascii() and g in norm)
    return found


_jieba: Any = None


def _import_jieba() -> Any:
    """jieba, without pkg_resources: jieba 0.42 finds its dictionary through pkg_resources when it
    can import it (0.4 s and 10 MiB, for one file path); when it cannot, it opens the very same
    file next to its module."""
    blocked = "pkg_resources" not in sys.modules
    if blocked:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import` fail
    try:
        import jieba
    finally:
        if blocked:
            del sys.modules["pkg_resources"]
    jieba.setLogLevel(logging.WARNING)  # it reports building its prefix dictionary on stderr
    return jieba


def _cut(text: str) -> list[str]:
    global _jieba
    if _jieba is None:
        _jieba = _import_jieba()  # a second to load its dictionary: only ever for Chinese text
    return [w for w in _jieba.lcut(text) if w.strip()]


def load_segmenter_in_background() -> None:
    """Start loading jieba's dictionary (a second of work) in a thread, for a process that will
    segment Chinese text once its current work is done; a segmentation meanwhile waits for it
    (jieba's own lock). The module is imported here, in the calling thread."""
    global _jieba
    if _jieba is None:
        _jieba = _import_jieba()
    threading.Thread(target=_jieba.initialize, name="defectkb-jieba", daemon=True).start()


def segmenter_loaded() -> bool:
    """Whether jieba's dictionary is loaded (a segmentation now would not wait for it)."""
    return _jieba is not None and bool(_jieba.dt.initialized)


def release_segmenter() -> None:
    """Lets go of jieba's dictionary (~60 MiB once loaded) and the segmented titles, in a process
    that will compare no more titles, such as a site build once its checks have run. A later
    segmentation loads the dictionary again."""
    if _jieba is not None:
        tokenizer = _jieba.dt
        with tokenizer.lock:
            tokenizer.FREQ, tokenizer.total, tokenizer.initialized = {}, 0, False
    words.cache_clear()


@lru_cache(maxsize=100_000)
def words(text: str) -> tuple[str, ...]:
    """A title as words: ASCII words as written, Chinese segmented by jieba."""
    out: list[str] = []
    for i, piece in enumerate(_SPLIT_CJK.split(normalise(text))):
        out.extend(_cut(piece) if i % 2 else _WORD.findall(piece))
    return tuple(out)


def title_ratio(a: str, b: str) -> float:
    """rapidfuzz token-sort ratio (0-100) of two titles after normalising and segmenting:
    word order and punctuation do not matter, every word does."""
    return fuzz.token_sort_ratio(" ".join(words(a)), " ".join(words(b)))


def _title_score(a: str, b: str) -> float:
    wa, wb = " ".join(words(a)), " ".join(words(b))
    # token_set forgives extra words on one side; averaged with token_sort so a short
    # generic title does not match every longer one that contains it.
    return (fuzz.token_set_ratio(wa, wb) + fuzz.token_sort_ratio(wa, wb)) / 2


def _postings() -> array[int]:
    return array("i")


def title_key(title: str) -> str:
    return " ".join(normalise(title).split())


def _rarest(grams_: list[str], df: dict[str, int]) -> list[str]:
    """A query of common grams only: its three rarest, and more while their postings stay within
    a budget (the more grams a candidate shares, the surer its rank), in a fixed order."""
    out: list[str] = []
    spent = 0
    for g in sorted(grams_, key=lambda g: (df[g], g)):
        if len(out) >= 3 and spent + df[g] > FALLBACK_POSTINGS:
            break
        out.append(g)
        spent += df[g]
    return out


@dataclass(frozen=True, slots=True)
class Doc:
    """What the search needs of an entry."""

    id: str
    title: str
    path: str
    kind: str = ""
    products: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    doc: Doc
    score: float  # 0-100


@dataclass(slots=True)
class SimilarityIndex:
    """Inverted index from grams to entries: title grams and body grams kept apart, since a
    word in a title says more than the same word somewhere in a body."""

    # When set, only these grams are indexed: enough to answer queries made of them (`kb new`
    # knows its query before it reads the knowledge base) at a fraction of the cost.
    vocabulary: frozenset[str] | None = None
    docs: list[Doc] = field(default_factory=list)
    # Postings are arrays of 4-byte ints, not lists of int objects: at 100,000 entries the lists
    # would take some 50 MiB more.
    title_postings: dict[str, array[int]] = field(default_factory=lambda: defaultdict(_postings))
    body_postings: dict[str, array[int]] = field(default_factory=lambda: defaultdict(_postings))
    same_title: dict[str, array[int]] = field(default_factory=lambda: defaultdict(_postings))

    def add(self, doc: Doc, body: str = "", title_grams: Collection[str] | None = None) -> None:
        """Index `doc`; `title_grams`, when given, are `grams(doc.title)` worked out before."""
        i = len(self.docs)
        self.docs.append(doc)
        if self.vocabulary is None:
            self.same_title[title_key(doc.title)].append(i)
        vocabulary = self.vocabulary
        if title_grams is not None and vocabulary is None:
            in_title = title_grams
        else:
            in_title = grams(doc.title) if vocabulary is None else grams_among(doc.title, vocabulary)
        for g in in_title:
            self.title_postings[g].append(i)
        if body:
            in_body = grams(body) if vocabulary is None else grams_among(body, vocabulary)
            for g in in_body.difference(in_title):
                self.body_postings[g].append(i)

    def replace(self, i: int, doc: Doc, old_grams: Collection[str], new_grams: Collection[str]) -> None:
        """Entry `i` becomes `doc`, in an index of titles only (no vocabulary, no bodies), given its
        old title's grams and the new one's: the postings end as `add` in order would leave them."""
        old = self.docs[i]
        self.docs[i] = doc
        if title_key(old.title) != title_key(doc.title):
            self.same_title[title_key(old.title)].remove(i)
            bisect.insort(self.same_title[title_key(doc.title)], i)
        old_set, new_set = set(old_grams), set(new_grams)
        for g in old_set - new_set:
            self.title_postings[g].remove(i)
        for g in new_set - old_set:
            bisect.insort(self.title_postings[g], i)

    def _idf(self, df: int) -> float:
        return math.log(1 + len(self.docs) / (1 + df))

    def _candidates(self, query: set[str], with_body: bool, limit: int) -> tuple[dict[int, float], float]:
        """Entries sharing the query's rare grams, with the IDF weight they share (a body gram
        counts half), and the weight of the grams looked up. A gram found in more than a tenth
        of the entries carries little information and has long posting lists: it is used only
        when the query has nothing rarer."""
        if not self.docs or not query:
            return {}, 0.0
        # Capped, so that a query's work stops growing with the knowledge base: past some
        # thousands of entries, a gram in 500 of them says as little as one in a tenth.
        common = min(max(50, len(self.docs) // 10), COMMON)
        df = {g: len(self.title_postings.get(g, ())) + (len(self.body_postings.get(g, ())) if with_body else 0)
              for g in query}
        usable = [g for g in query if 0 < df[g] <= common] or _rarest([g for g in query if df[g]], df)
        acc: dict[int, float] = defaultdict(float)
        total = 0.0
        for g in usable:
            weight = self._idf(df[g])
            total += weight
            in_title = self.title_postings.get(g, ())
            for i in in_title:
                acc[i] += weight
            if with_body:
                seen = set(in_title)
                for i in self.body_postings.get(g, ()):
                    if i not in seen:
                        acc[i] += weight * 0.5
        best = heapq.nsmallest(limit, acc.items(), key=lambda item: (-item[1], item[0]))
        return dict(best), total

    def similar(self, title: str, *, products: Iterable[str] = (), tags: Iterable[str] = (), body: str = "",
                limit: int = 5, exclude: str | None = None, shown_from: float = SHOWN_FROM) -> list[Match]:
        """Up to `limit` entries like the one described, most similar first."""
        query = grams(title) | grams(body)
        products, tags = set(products), set(tags)
        candidates, total = self._candidates(query, True, CANDIDATES)
        out: list[Match] = []
        for i, shared in candidates.items():
            doc = self.docs[i]
            if doc.id == exclude:
                continue
            overlap = 100 * min(1.0, shared / total) if total else 0.0
            same_product = 100.0 if products & set(doc.products) else 0.0
            tag_share = 100 * len(tags & set(doc.tags)) / len(tags | set(doc.tags)) if tags else 0.0
            score = 0.6 * _title_score(title, doc.title) + 0.25 * overlap + 0.1 * same_product + 0.05 * tag_share
            if score >= shown_from:
                out.append(Match(doc, round(score, 1)))
        out.sort(key=lambda m: (-m.score, m.doc.id))
        return out[:limit]

    def near_titles(self, title: str, *, threshold: float = 90.0, exclude: str | None = None) -> list[Match]:
        """Entries whose title nearly equals `title` (title_ratio >= threshold)."""
        out = []
        # The same title (up to case, width and spacing) first: among entries made of common
        # words only, the candidates sharing the most grams can be too many to all be scored.
        same = self.same_title.get(title_key(title), ())
        candidates = dict.fromkeys(same[:CANDIDATES]) | self._candidates(grams(title), False, CANDIDATES)[0]
        for i in candidates:
            doc = self.docs[i]
            if doc.id == exclude or doc.title == "":
                continue
            ratio = title_ratio(title, doc.title)
            if ratio >= threshold:
                out.append(Match(doc, round(ratio, 1)))
        out.sort(key=lambda m: (-m.score, m.doc.id))
        return out

