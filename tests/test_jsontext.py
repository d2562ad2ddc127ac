"""Indented JSON made part by part (`api/stats.json`): the very text `json.dumps` writes."""

from __future__ import annotations

import json
import random
from typing import Any

from defectkb.site.jsontext import indented


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    r = rng.random()
    if depth > 5 or r < 0.3:
        return rng.choice([0, 1, -3, 2.5, 1.0, -3.25e-7, None, True, False, "", "a\nb", "中文", 'x"y', "</script>"])
    if r < 0.65:
        keys = ["a", "b", "中", "k\n", "", "1"]
        return {rng.choice(keys) + str(rng.randint(0, 9)): _random_value(rng, depth + 1)
                for _ in range(rng.randint(0, 4))}
    return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]


def test_the_text_is_what_json_dumps_writes_with_or_without_kept_parts():
    rng = random.Random(7)
    kept: dict = {}
    for _ in range(2000):
        value = _random_value(rng)
        assert indented(value) == _dumps(value)
        assert indented(value, kept) == _dumps(value)


def test_an_edit_encodes_only_its_part_and_equal_values_that_read_otherwise_are_not_taken_as_equal():
    doc = {"figures": {"all": {"open": 3, "mix": {"fatal": 1}}, "products": {"billing": {"open": 1},
                                                                         "payments": {"open": 2}}},
           "digests": {"week": [{"period": "2026-W48", "n": 1}, {"period": "2026-W47", "n": 0}]}}
    kept: dict = {}
    assert indented(doc, kept) == _dumps(doc)
    before = {path: text for path, (_, text, _) in kept.items()}
    doc["figures"]["products"]["billing"]["open"] = 2
    doc["digests"]["week"][0]["n"] = 2
    assert indented(doc, kept) == _dumps(doc)
    again = [path for path, (_, text, _) in kept.items() if text is not before[path]]
    assert sorted(again, key=str) == [("digests", "week", 0), ("figures", "products", "billing"), ()]
    text = kept[()][1]
    assert indented(doc, kept) is text  # nothing changed: the whole text, not looked at part by part
    # 1 == 1.0 == True in Python, but not in the file
    for value in (1.0, True, 1):
        doc["figures"]["products"]["payments"]["open"] = value
        assert indented(doc, kept) == _dumps(doc)
    # nor are dicts of the same items in another order
    doc["figures"]["products"]["billing"] = {"open": 2, "closed": 5}
    assert indented(doc, kept) == _dumps(doc)
    doc["figures"]["products"]["billing"] = {"closed": 5, "open": 2}
    assert indented(doc, kept) == _dumps(doc)
    # parts that are gone are forgotten
    del doc["digests"]
    assert indented(doc, kept) == _dumps(doc)
    assert not [path for path in kept if path[:1] == ("digests",)]


def test_with_same_objects_a_part_that_is_the_same_object_is_not_looked_at_again(monkeypatch):
    from defectkb.site import jsontext

    billing, payments = {"open": 1, "mix": [1, 2]}, {"open": 2}
    doc = {"figures": {"products": {"billing": billing, "payments": payments}}, "as_of": "2026-12-01"}
    kept: dict = {}
    assert indented(doc, kept, same_objects=True) == _dumps(doc)
    pickled: list[object] = []
    real = jsontext._pickle
    monkeypatch.setattr(jsontext, "_pickle", lambda v: pickled.append(v) or real(v))
    # a new document around the same parts; one part a new, equal object, one a new, other one
    doc = {"figures": {"products": {"billing": billing, "payments": {"open": 2}}}, "as_of": "2026-12-02"}
    assert indented(doc, kept, same_objects=True) == _dumps(doc)
    assert billing not in pickled[1:], "the very same object: its text is reused unlooked"
    assert {"open": 2} in pickled[1:] and "2026-12-02" in pickled[1:]
    text = kept[("figures", "products", "payments")][1]
    doc["figures"]["products"]["payments"] = {"open": 3}
    assert indented(doc, kept, same_objects=True) == _dumps(doc)
    assert kept[("figures", "products", "payments")][1] != text
