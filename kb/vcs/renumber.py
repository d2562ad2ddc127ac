"""`kb renumber FILE [--onto REF]`: give an entry the next id free here and on the target branch
(by default origin's default branch, when the clone has one).

The file is renamed and its `id` rewritten; references to the old id are rewritten only in the
entries this change adds (they were written with it). Other files that mention the old id are
listed, never edited: there the old id may mean the entry that keeps it on the target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from defectkb.knowledgebase import load, resolve
from defectkb.loader import SourceFile
from defectkb.templates import next_id
from defectkb.vcs.changes import Change, change_since, name_id, work_tree_status
from defectkb.vcs.collisions import entry_folders, ids_on
from defectkb.vcs.git import GitError, open_repo, remote_default_branch, resolve_commit


class RenumberError(Exception):
    """The entry cannot be renumbered; the message says why and what to do."""


@dataclass(slots=True)
class Renumbered:
    old_id: str
    new_id: str
    old_path: Path
    new_path: Path
    onto: str | None = None  # the ref whose ids were avoided too
    updated: list[Path] = field(default_factory=list)  # added entries whose references were rewritten
    mentions: list[tuple[Path, int]] = field(default_factory=list)  # (file, line) left alone


def _pattern(entry_id: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(entry_id)}(?!\d)")


def renumber(path: Path, onto: str | None = None, *, dry_run: bool = False) -> Renumbered:
    path = path.resolve()
    root, config, _ = resolve(path)
    kb = load(root, config, rules=[])
    src = next((s for s in kb.sources if s.path.resolve() == path), None)
    if src is None:
        raise RenumberError(f"{path} is not an entry of the knowledge base in {root}")
    old_id = src.meta.get("id") if src.meta is not None else None
    if not isinstance(old_id, str):
        raise RenumberError(f"{src.display} has no readable `id`; fix its front matter first "
                            f"(`kb validate {src.display}`)")
    kind = src.kind or "defect"
    taken = set(kb.known_ids) | {i for s in kb.sources if (i := name_id(s.path.name))}

    change: Change | None = None
    try:
        repo = open_repo(root)
    except GitError:
        if onto:
            raise
        repo = None
    if repo is not None:
        onto = onto or remote_default_branch(repo)  # a clone's target, unless told otherwise
        content = repo.rel(root)
        if onto:
            target = ids_on(repo, resolve_commit(repo, onto), content, entry_folders(kb, content))
            if repo.rel(path) in target.get(old_id, []):
                raise RenumberError(f"{src.display} is already on {onto} as {old_id}: renumbering it would break "
                                    "every link to it; renumber the entry that your change adds instead")
            taken |= set(target)
            change = change_since(repo, onto, [content])
        else:
            change = work_tree_status(repo, [content or "."])
    new_id = next_id(config.kind(kind).id_prefix, taken)

    name = path.name
    stem_id = name_id(name)
    new_name = new_id + name[len(stem_id):] if stem_id == old_id else f"{new_id}-{name}"
    new_path = path.with_name(new_name)
    if new_path.exists():
        raise RenumberError(f"{new_path} already exists; move it away or rename this entry by hand")

    added = {path}
    if change is not None and repo is not None:
        added |= {(repo.root / p).resolve() for p in change.added}
    # If another file still holds the old id here, references to it are ambiguous: leave them.
    ambiguous = any(s.path.resolve() != path and (name_id(s.path.name) == old_id or
                    (s.meta is not None and s.meta.get("id") == old_id)) for s in kb.sources)
    pattern = _pattern(old_id)
    result = Renumbered(old_id, new_id, path, new_path, onto)
    writes: dict[Path, str] = {}
    for s in kb.sources:
        here = s.path.resolve()
        text = here.read_bytes().decode("utf-8") if here == path or pattern.search(_quick(s)) else None
        if text is None or not pattern.search(text):
            continue
        if here == path or (here in added and not ambiguous):
            writes[here] = pattern.sub(new_id, text)
            if here != path:
                result.updated.append(here)
        else:
            result.mentions += [(here, n) for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]
    if path not in writes:  # the id is written in a way the pattern does not see (quoted oddly)
        raise RenumberError(f"cannot find `{old_id}` in {src.display}")
    if dry_run:
        return result
    with new_path.open("x", encoding="utf-8", newline="") as out:  # never overwrite
        out.write(writes.pop(path))
    path.unlink()
    for target, text in writes.items():
        target.write_text(text, encoding="utf-8", newline="")
    return result


def _quick(src: SourceFile) -> str:
    """Cheap pre-filter: the parsed front matter and body, without reading the file again."""
    return f"{src.meta!r}\n{src.body}"
