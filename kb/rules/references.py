"""References between entries and to the registries, checked in one pass over the entries."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from defectkb.diagnostics import Diagnostic, Severity, did_you_mean
from defectkb.enums import Resolution, Role

if TYPE_CHECKING:
    from defectkb.entries import Entry, KnowledgeBase
    from defectkb.loader import SourceFile
    from defectkb.registry import Registry


class FileFindings(Protocol):
    """Findings about one file kept from an earlier run (the validation cache), under a key."""

    def get(self, src: SourceFile, key: str) -> list[Diagnostic] | None: ...

    def put(self, src: SourceFile, key: str, found: list[Diagnostic]) -> None: ...


def registry_key(reg: Registry) -> str:
    """What a file's registry findings depend on besides the file: every person, product and tag."""
    return hashlib.blake2b(repr((reg.people, reg.products, reg.tags)).encode("utf-8"), digest_size=16).hexdigest()


def check_references(kb: KnowledgeBase, kept: FileFindings | None = None) -> Iterator[Diagnostic]:
    """Every file's references to the registries, then every entry's links to other entries."""
    yield from check_registry_refs(kb, kept)
    for entry in kb.entries:
        if entry.kind == "defect":
            yield from _defect_links(kb, entry)
        else:
            yield from _lesson_links(kb, entry)


def check_registry_refs(kb: KnowledgeBase, kept: FileFindings | None = None) -> Iterator[Diagnostic]:
    """People, products, components and tags each file names. Its findings about a file depend on
    that file and the registry alone: with `kept` (the validation cache), they are taken from an
    earlier run when both are as they were, and stored when they are not."""
    # Registry references are checked on the raw front matter of every parsed file, so a typo
    # in `pm` is reported even when another field of the same entry fails the schema.
    reg = kb.registry
    last, now = _kept(kb)
    key = registry_key(reg) if kept is not None else ""
    for src in kb.sources:
        if src.meta is None or src.located is None:
            continue
        hit = last.get(id(src))
        if hit is not None and hit[0] is src:  # the same file object under an equal registry
            found = hit[1]
        elif kept is not None and (stored := kept.get(src, key)) is not None:
            found = stored
        else:
            found = [] if _all_known(reg, src.meta, src.kind) else list(_registry_refs(reg, src))
            if kept is not None:
                kept.put(src, key, found)
        if now is not None:
            now[id(src)] = (src, found)
        yield from found


def _kept(kb: KnowledgeBase) -> tuple[dict[int, tuple[Any, list[Diagnostic]]],
                                      dict[int, tuple[Any, list[Diagnostic]]] | None]:
    """In the preview: the previous run's registry findings per file, if the registry is equal
    to that run's, and a table for this run's; in a one-off run, nothing."""
    if kb.memos is None:
        return {}, None
    last = kb.memos.get("registry_refs")
    now: dict[int, tuple[Any, list[Diagnostic]]] = {}
    kb.memos["registry_refs"] = (kb.registry, now)
    return (last[1] if last is not None and last[0] == kb.registry else {}), now


# The registry fields each kind names, for both the full check and its shortcut.
_PEOPLE = {"defect": ("pm", "reporter", "assignee", "verifier"), "lesson": ("pm", "authors", "reviewers")}
_PRODUCTS = {"defect": ("product",), "lesson": ("products", "applies_to")}


def _known(value: Any, table: Mapping[str, Any]) -> bool:
    if isinstance(value, str):
        return value in table
    if isinstance(value, list):
        return all(v in table for v in value if isinstance(v, str))
    return True  # other shapes are the schema's business


def _all_known(reg: Registry, meta: dict[str, Any], kind: str | None) -> bool:
    """True when `_registry_refs` has nothing to say about this front matter: every person,
    product, component and tag it names is known, and its PM is one. The common case, answered
    without building the (path, value) lists that only a finding needs."""
    kind = "defect" if kind == "defect" else "lesson"
    people = reg.people
    if not all(_known(meta.get(name), people) for name in _PEOPLE[kind]):
        return False
    items = meta.get("action_items")
    if isinstance(items, list) and not all(item["owner"] in people for item in items
                                           if isinstance(item, dict) and isinstance(item.get("owner"), str)):
        return False
    products = reg.products
    if not all(_known(meta.get(name), products) for name in _PRODUCTS[kind]):
        return False
    if not _known(meta.get("tags"), reg.tags):
        return False
    product = meta.get("product")
    if kind == "defect" and isinstance(product, str):
        component = meta.get("component")
        if isinstance(component, str) and component not in products[product].components:
            return False
    pm_id = meta.get("pm")
    pm = people.get(pm_id) if isinstance(pm_id, str) else None
    if pm is None:
        return True
    if Role.pm not in pm.roles:
        return False
    owned = _strings(meta, "product") if kind == "defect" else _strings(meta, "products")
    owners = [products[key].pms for _, key in owned if products[key].pms]
    return not owners or any(pm_id in pms for pms in owners)


def _strings(meta: dict[str, Any], name: str) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, value) for a field holding a string or a list of strings; other shapes are the
    schema's business."""
    value = meta.get(name)
    if isinstance(value, str):
        return [((name,), value)]
    if isinstance(value, list):
        return [((name, i), v) for i, v in enumerate(value) if isinstance(v, str)]
    return []


def _registry_refs(reg: Registry, src: SourceFile) -> Iterator[Diagnostic]:
    meta = src.meta
    assert meta is not None and src.located is not None
    located = src.located

    def diag(code: str, path: tuple[str | int, ...], message: str, hint: str | None) -> Diagnostic:
        pos = located.at(path)
        return Diagnostic(src.display, pos.line, pos.column, code, Severity.ERROR, message, hint)

    # Keep `_all_known` in step: it must say False wherever this function can report something.
    kind = "defect" if src.kind == "defect" else "lesson"
    people = [pair for name in _PEOPLE[kind] for pair in _strings(meta, name)]
    items = meta.get("action_items")
    if isinstance(items, list):
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("owner"), str):
                people.append((("action_items", i, "owner"), item["owner"]))
    for path, person in people:
        if person not in reg.people:
            yield diag("KB401", path, f"unknown person `{person}`", _person_hint(reg, person))

    products = [(path, key) for f in _PRODUCTS[kind] for path, key in _strings(meta, f)]
    for path, key in products:
        if key not in reg.products:
            guess = did_you_mean(key, reg.products)
            yield diag("KB403", path, f"unknown product `{key}`",
                       f"did you mean `{guess}`?" if guess else "add it to products.yml")
    component = meta.get("component")
    product = reg.products.get(meta.get("product")) if isinstance(meta.get("product"), str) else None
    if (src.kind == "defect" and isinstance(component, str) and product is not None
            and component not in product.components):
        guess = did_you_mean(component, product.components)
        yield diag("KB403", ("component",), f"product `{meta['product']}` has no component `{component}`",
                   f"did you mean `{guess}`?" if guess else
                   "components: " + (", ".join(product.components) or "none"))

    for path, tag in _strings(meta, "tags"):
        if tag not in reg.tags:
            guess = did_you_mean(tag, reg.tags)
            yield diag("KB404", path, f"unknown tag `{tag}`",
                       f"did you mean `{guess}`?" if guess
                       else "add it to tags.yml with a description, or pick an existing tag")

    pm_id = meta.get("pm")
    pm = reg.people.get(pm_id) if isinstance(pm_id, str) else None
    if pm is not None and Role.pm not in pm.roles:
        yield diag("KB402", ("pm",), f"`{pm_id}` ({pm.name}) is not a product manager",
                   "name the product's PM, or give the person the `pm` role in people.yml")
    elif pm is not None:
        owned = [key for path, key in products if path[0] != "applies_to"
                 and key in reg.products and reg.products[key].pms]
        if owned and not any(pm_id in reg.products[p].pms for p in owned):
            owners = sorted({pid for p in owned for pid in reg.products[p].pms})
            yield diag("KB402", ("pm",), f"`{pm_id}` is not a PM of {', '.join(f'`{p}`' for p in owned)}",
                       f"its PMs: {', '.join(owners)}; or add `{pm_id}` to the product's pms")


def _person_hint(reg: Registry, value: str) -> str:
    by_name = next((pid for pid, p in reg.people.items() if p.name == value), None)
    if by_name:
        return f"`{value}` is the name of `{by_name}`; write the id"
    guess = did_you_mean(value, reg.people)
    return f"did you mean `{guess}`?" if guess else "add the person to people.yml"


def _id_guess(kb: KnowledgeBase, target: str) -> str | None:
    """Only suggest an id that is the same id written differently (case, zero padding):
    a neighbouring number would be a confident wrong guess."""
    m = re.fullmatch(r"([A-Za-z]+)-?0*(\d+)", target.strip())
    if not m:
        return None
    prefix, number = m.group(1).upper(), int(m.group(2))
    return next((i for i in kb.by_id if i.startswith(prefix + "-") and i[len(prefix) + 1:].isdigit()
                 and int(i[len(prefix) + 1:]) == number), None)


def _ref(kb: KnowledgeBase, entry: Entry, path: tuple[str | int, ...], target: str,
         kind: str) -> tuple[Entry | None, Diagnostic | None]:
    """Resolve a reference: the entry it names, or a diagnostic saying why it cannot."""
    if target == entry.id:
        return None, entry.diag("KB405", entry.pos(*path), f"`{path[0]}` points at the entry itself",
                                "name another entry")
    found = kb.by_id.get(target)
    if found is None:
        if target in kb.known_ids:  # an invalid entry still exists; its own errors are reported
            return None, None
        guess = _id_guess(kb, target)
        return None, entry.diag("KB405", entry.pos(*path), f"no entry has the id `{target}`",
                                f"did you mean `{guess}`?" if guess else "check the id")
    if found.kind != kind:
        return None, entry.diag("KB405", entry.pos(*path), f"`{target}` is a {found.kind}; `{path[0]}` lists {kind}s")
    return found, None


def _defect_links(kb: KnowledgeBase, entry: Entry) -> Iterator[Diagnostic]:
    d = entry.model
    for i, lid in enumerate(d.related_lessons):
        lesson, problem = _ref(kb, entry, ("related_lessons", i), lid, "lesson")
        if problem:
            yield problem
        if lesson and entry.id not in lesson.model.source_defects:
            yield lesson.diag("KB406", lesson.pos("source_defects"),
                              f"{entry.id} lists this lesson in related_lessons, but source_defects does "
                              f"not list {entry.id}",
                              f"add {entry.id} to source_defects, or remove {lid} from {entry.id}")
    if d.duplicate_of:
        original, problem = _ref(kb, entry, ("duplicate_of",), d.duplicate_of, "defect")
        if problem:
            yield problem
        if original and original.model.resolution is Resolution.duplicate:
            yield entry.diag("KB309", entry.pos("duplicate_of"),
                             f"`{d.duplicate_of}` is itself a duplicate (of {original.model.duplicate_of})",
                             f"point at the original: `duplicate_of: {original.model.duplicate_of}`")
    cfg = kb.config
    needs_lesson = d.severity in cfg.lesson_required_severities or (cfg.lesson_required_online and d.online)
    if d.imported is not None and d.imported.mode == "history" and not cfg.imported.require_lesson:
        needs_lesson = False  # an imported record of history; its lesson, if any, is written later
    if d.status.value == "closed" and needs_lesson and not d.related_lessons:
        why = "online" if d.online and cfg.lesson_required_online else d.severity.value
        yield entry.diag("KB407", entry.pos("status"), f"a closed {why} defect needs a lesson in `related_lessons`",
                         "write it with `kb new lesson` and link it both ways")


def _lesson_links(kb: KnowledgeBase, entry: Entry) -> Iterator[Diagnostic]:
    les = entry.model
    for i, did in enumerate(les.source_defects):
        defect, problem = _ref(kb, entry, ("source_defects", i), did, "defect")
        if problem:
            yield problem
        if defect and entry.id not in defect.model.related_lessons:
            yield defect.diag("KB406", defect.pos("related_lessons"),
                              f"{entry.id} names this defect in source_defects, but related_lessons does "
                              f"not list {entry.id}",
                              f"add {entry.id} to related_lessons, or remove {did} from {entry.id}")
    for field, back in (("supersedes", "superseded_by"), ("superseded_by", "supersedes")):
        target = getattr(les, field)
        if target:
            other, problem = _ref(kb, entry, (field,), target, "lesson")
            if problem:
                yield problem
            if other and getattr(other.model, back) != entry.id:
                yield other.diag("KB406", other.pos(back, key=True) if getattr(other.model, back) else
                                 other.pos("id"),
                                 f"{entry.id} says `{field}: {target}`, but this lesson's `{back}` is not "
                                 f"{entry.id}", f"set `{back}: {entry.id}`")
