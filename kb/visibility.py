"""Audiences: a public build sees only public entries, and only the people, products and tags they name.

The view is taken once, right after loading, so every output computed from it (pages, indexes,
figures, charts, digests, feeds, api/*.json, exports, search) leaves internal entries out without
each of them having to remember to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from defectkb.entries import Entry, KnowledgeBase
from defectkb.enums import Visibility
from defectkb.models import Defect, Lesson
from defectkb.registry import Registry

AUDIENCES = ("internal", "public")
ENV = "DEFECTKB_AUDIENCE"


class AudienceError(ValueError):
    pass


def audience(option: str | None = None) -> str:
    """The audience of this build: the environment wins over the option; `internal` by default."""
    value = (os.environ.get(ENV) or option or "internal").strip().lower()
    if value not in AUDIENCES:
        raise AudienceError(f"{ENV}={value!r}: the audience is one of {', '.join(AUDIENCES)}")
    return value


def visibility_of(entry: Entry, kb: KnowledgeBase) -> Visibility:
    return entry.model.visibility or kb.config.visibility_default


@dataclass(slots=True)
class View:
    kb: KnowledgeBase
    hidden_ids: set[str] = field(default_factory=set)
    hidden_paths: set[str] = field(default_factory=set)  # rel paths of the entries left out
    public: bool = False


def _named(model: Defect | Lesson) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """People, products and (product, component) pairs an entry names."""
    people = {model.pm}
    products: set[str] = set()
    components: set[tuple[str, str]] = set()
    if isinstance(model, Defect):
        people.update(p for p in (model.reporter, model.assignee, model.verifier) if p)
        products.add(model.product)
        if model.component:
            components.add((model.product, model.component))
    else:
        people.update(model.authors)
        people.update(model.reviewers)
        people.update(a.owner for a in model.action_items if a.owner)
        products.update(model.products)
        products.update(model.applies_to or [])
    return people, products, components


def view_for(kb: KnowledgeBase, audience_name: str) -> View:
    """The knowledge base as `audience_name` may see it."""
    if audience_name != "public":
        return View(kb)
    kept = [e for e in kb.entries if visibility_of(e, kb) is Visibility.public]
    hidden = [e for e in kb.entries if visibility_of(e, kb) is not Visibility.public]
    people: set[str] = set()
    products: set[str] = set()
    components: set[tuple[str, str]] = set()
    tags: set[str] = set()
    for e in kept:
        p, pr, c = _named(e.model)
        people |= p
        products |= pr
        components |= c
        tags.update(e.model.tags)
    reg = kb.registry
    registry = Registry(
        people={k: v for k, v in reg.people.items() if k in people},
        products={k: v.model_copy(update={
            "pms": [pm for pm in v.pms if pm in people],
            "components": {ck: cv for ck, cv in v.components.items() if (k, ck) in components},
        }) for k, v in reg.products.items() if k in products},
        tags={k: v for k, v in reg.tags.items() if k in tags},
    )
    view = KnowledgeBase(root=kb.root, config=kb.config, registry=registry, entries=kept,
                         sources=[e.source for e in kept], diagnostics=[], by_id={e.id: e for e in kept},
                         known_ids={e.id for e in kept}, section_names=kb.section_names, today=kb.today,
                         added=kb.added)
    return View(view, {e.id for e in hidden}, {e.rel_path for e in hidden}, public=True)
