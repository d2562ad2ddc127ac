"""Ids taken on the target branch (KB504): two pull requests that picked the same next id.

Each branch checks its new entries against its own tree, so two branches can both add
`DEF-0042`; the second one is caught when it is checked again against the updated target.
"""

from __future__ import annotations

import re
from collections import defaultdict

from defectkb.diagnostics import Diagnostic, Position, Severity
from defectkb.entries import KnowledgeBase
from defectkb.loader import SourceFile
from defectkb.vcs.changes import Change, name_id
from defectkb.vcs.git import Repo, ls_tree, read_blobs, resolve_commit

_FM_ID = re.compile(rb"^id:[ \t]*[\"']?([A-Za-z0-9_-]+)", re.MULTILINE)


def front_matter_id(blob: bytes | None) -> str | None:
    if not blob:
        return None
    blob = blob.removeprefix(b"\xef\xbb\xbf")
    if not blob.startswith(b"---"):
        return None
    end = blob.find(b"\n---", 3)
    m = _FM_ID.search(blob[: end if end > 0 else 65536])
    return m.group(1).decode("ascii") if m else None


def entry_folders(kb: KnowledgeBase, content: str) -> tuple[str, ...]:
    """Repository paths of the entry folders, with a trailing slash."""
    base = f"{content}/" if content else ""
    return tuple(f"{base}{kb.config.kind(k).folder}/" for k in ("defect", "lesson"))


def ids_on(repo: Repo, commit: str, content: str, folders: tuple[str, ...]) -> dict[str, list[str]]:
    """id -> paths of the entry files that hold it in `commit`'s tree.

    File names carry the id (KB503), so one `git ls-tree` answers; the rare file whose name
    carries none is read (one `git cat-file --batch` for all of them) for its front-matter id.
    """
    found: dict[str, list[str]] = defaultdict(list)
    unnamed = []
    for path in ls_tree(repo, commit, content):
        if not path.startswith(folders) or not path.endswith(".md"):
            continue
        if i := name_id(path):
            found[i].append(path)
        elif path.rsplit("/", 1)[-1] not in ("index.md", "README.md"):
            unnamed.append(path)
    blobs = read_blobs(repo, [f"{commit}:{p}" for p in unnamed])
    for path in unnamed:
        if i := front_matter_id(blobs.get(f"{commit}:{path}")):
            found[i].append(path)
    return dict(found)


def check_taken(kb: KnowledgeBase, repo: Repo, ref: str, change: Change, content: str) -> list[Diagnostic]:
    """KB504 for every id that this change newly claims and that `ref`'s tip gives to another file."""
    prefix = f"{content}/" if content else ""
    old = change.old_ids()
    claims: list[tuple[str, str, SourceFile]] = []  # (id, repo path, source)
    names = {p.rsplit("/", 1)[-1] for p in change.present}  # skip the unchanged files cheaply
    for src in kb.sources:
        if src.path.name not in names:
            continue
        rel = prefix + src.path.relative_to(kb.root).as_posix()
        if rel not in change.present:
            continue
        ids = {name_id(rel)}
        if src.meta is not None and isinstance(src.meta.get("id"), str):
            ids.add(src.meta["id"])
        claims += [(i, rel, src) for i in sorted(ids - old) if i]
    if not claims:
        return []
    target = ids_on(repo, resolve_commit(repo, ref), content, entry_folders(kb, content))
    out = []
    for entry_id, rel, src in claims:
        others = [p for p in target.get(entry_id, []) if p != rel]
        if not others:
            continue
        has_id = src.located is not None and src.meta is not None and "id" in src.meta
        pos = src.located.at(("id",)) if has_id and src.located is not None else Position()
        out.append(Diagnostic(src.display, pos.line, pos.column, "KB504", Severity.ERROR,
                              f"`{entry_id}` is already taken on {ref} by {', '.join(others)}",
                              f"give this entry the next id free here and on {ref}: "
                              f"`kb renumber {src.display} --onto {ref}`"))
    return out
