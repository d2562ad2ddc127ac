"""The build's spill file: text parked on disk comes back whole, once, by key."""

from __future__ import annotations

from defectkb.mkdocs_plugin.spill import Spill


def test_text_comes_back_by_key_and_pop_forgets_it() -> None:
    spill = Spill()
    texts = {f"defects/DEF-{n:04d}.md": f"正文 {n} <script>x</script> " * (n + 1) for n in range(50)}
    for key, text in texts.items():
        spill.put(key, text)
    assert len(spill) == 50
    # Read back out of order, as MkDocs renders pages in its own order.
    for key in sorted(texts, reverse=True):
        assert spill.get(key) == texts[key]
    first = next(iter(texts))
    assert spill.pop(first) == texts[first]
    assert first not in spill and spill.pop(first) is None and spill.get("missing") is None
    spill.close()


def test_a_key_put_twice_returns_the_newer_text() -> None:
    spill = Spill()
    spill.put("k", "old")
    spill.put("k", "new, longer than the old one")
    assert spill.get("k") == "new, longer than the old one"
    spill.close()
