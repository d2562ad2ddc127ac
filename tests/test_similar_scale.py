"""The near-duplicate search in a large knowledge base of common words: a query looks up a bounded
number of postings whatever the size, and a title written again is still found."""

from __future__ import annotations

import random

from defectkb.authoring.similar import COMMON, Doc, SimilarityIndex, grams

WORDS = ["payment", "timeout", "retry", "cache", "login", "export", "report", "queue", "session", "upload"]


def test_a_repeated_title_of_common_words_is_found_among_thousands() -> None:
    rng = random.Random(7)
    index = SimilarityIndex()
    for n in range(12_000):
        index.add(Doc(f"D-{n}", " ".join(rng.sample(WORDS, 6)), f"d{n}.md"))
    title = "Payment timeout when the export queue retries a login session"
    index.add(Doc("D-original", title, "original.md"))
    index.add(Doc("D-again", "payment  TIMEOUT when the export queue retries a login session", "again.md"))
    # every word of it is in far more entries than a query looks up one by one
    assert all(len(index.title_postings[g]) > COMMON for g in grams(title) if g in WORDS)
    found = [m.doc.id for m in index.near_titles(title, exclude="D-original")]
    assert found[:1] == ["D-again"]



def test_a_released_dictionary_is_loaded_again_when_needed() -> None:
    from defectkb.authoring import similar

    title = "登录接口在高并发下返回超时"
    before = similar.words(title)
    assert "并发" in before  # segmented with the dictionary, not character by character
    similar.release_segmenter()
    assert similar._jieba is None or not similar._jieba.dt.FREQ  # the dictionary is gone
    assert similar.words(title) == before
    assert similar.title_ratio(title, "高并发下登录接口返回超时") > 80


def test_jieba_is_loaded_without_pkg_resources() -> None:
    import subprocess
    import sys

    code = ("import sys; from defectkb.authoring.similar import words; "
            "assert '并发' in words('登录接口在高并发下返回超时'); print('pkg_resources' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
